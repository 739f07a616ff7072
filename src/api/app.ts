/**
 * The HTTP application: error middleware (request id, structured log) first,
 * security headers, input guards around JSON body parsing with a size limit,
 * /health, then /api/v1 with authentication on everything but login. A
 * GET/HEAD that fails because the database is unreachable runs once more
 * (src/api/read-retry.ts) before the error middleware answers 503.
 */
import Koa from 'koa';
import compose from 'koa-compose';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { databaseStatus } from '../db/orm.js';
import { errorMiddleware } from './error-middleware.js';
import { retryIdempotentReads } from './read-retry.js';
import { bodyGuard, urlGuard } from './input-guard.js';
import { securityHeaders } from './security-headers.js';
import { uploadGate } from './upload-gate.js';
import { createLogger, safeErrorFields, type Logger } from '../shared/logger.js';
import { authenticate } from './auth-middleware.js';
import type { Services } from './context.js';
import { authRoutes } from './routes/auth.routes.js';
import { userRoutes } from './routes/users.routes.js';
import { buildOpenApi } from './openapi/document.js';
import { adminRoutes } from './routes/admin.routes.js';
import { deploymentRoutes } from './routes/deployments.routes.js';
import { instanceRoutes } from './routes/instances.routes.js';
import { taskRoutes } from './routes/tasks.routes.js';
import { messageRoutes } from './routes/messages.routes.js';
import { parameterRoutes } from './routes/parameters.routes.js';
import { slaRoutes } from './routes/sla.routes.js';
import { engineRestRoutes } from './routes/engine-rest.routes.js';
import { diffRoutes } from './routes/diff.routes.js';
import { migrationRoutes } from './routes/migrations.routes.js';
import { externalTaskRoutes } from './routes/external-task.routes.js';
import { incidentRoutes } from './routes/incidents.routes.js';
import { calendarRoutes } from './routes/calendar.routes.js';
import { decisionRoutes } from './routes/decisions.routes.js';
import { applicationRoutes } from './routes/applications.routes.js';
import { subjectRoutes } from './routes/subjects.routes.js';
import { inpsRoutes } from './routes/inps.routes.js';
import { documentRoutes } from './routes/documents.routes.js';
import { officeRoutes } from './routes/office.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { siussRoutes } from './routes/siuss.routes.js';
import { webApp } from '../web/web.routes.js';
import { waasApp } from './routes/waas.routes.js';
import { siussImportRoutes } from './routes/siuss-imports.routes.js';

export function createApp(services: Services, logger: Logger = createLogger()): Koa {
  const app = new Koa();
  // X-Forwarded-For/-Proto are believed only behind a reverse proxy (TRUST_PROXY): otherwise anyone could pick their address.
  app.proxy = services.config.trustProxy;
  app.silent = true;
  app.use(errorMiddleware(logger));
  // Everything after the error middleware, composed on its own so that a failed read can be dispatched again.
  const downstream: Koa.Middleware[] = [];
  const use = <S, C>(m: Koa.Middleware<S, C>) => downstream.push(m as unknown as Koa.Middleware);
  use(securityHeaders());
  use(urlGuard());
  const auth = authenticate(services);
  use(uploadGate(auth, services.config.maxUploadBytes, { siussImport: services.config.siussImportMaxBytes })); // role check before any upload is read
  use(waasApp(services, (msg) => logger.warn({}, msg))); // /waas/{belfiore}/v1: the SIUSS pull API INPS calls (PDND voucher, problem+json)
  use(webApp(services, (msg, err) => logger.error(safeErrorFields(err), msg))); // the browser application (pages at /, static files); API paths pass through
  use(bodyParser({ enableTypes: ['json'], jsonLimit: `${Math.ceil(services.config.maxUploadBytes / 1024)}kb`, encoding: 'utf-8' }));
  use(bodyGuard());

  const root = new Router();
  // Anonymous callers learn only up/down; an admin also sees the driver and the server's time.
  root.get('/health', async (ctx) => {
    const db = await databaseStatus(services.orm);
    ctx.status = db.ok ? 200 : 503;
    const admin = ctx.get('authorization') ? await isAdmin(ctx, auth) : false;
    ctx.body = admin ? { status: db.ok ? 'up' : 'down', database: { ok: db.ok, driver: db.driver }, time: services.clock.now().toISOString() } : { status: db.ok ? 'up' : 'down' };
  });

  const api = new Router({ prefix: '/api/v1' });
  const openapi = buildOpenApi('1.0.0');
  api.get('/openapi.json', (ctx) => {
    ctx.body = openapi; // public: describes the API, no data
  });
  api.use(authRoutes(services, auth).routes());
  api.use(inpsRoutes(services).routes()); // INPS outcomes: service accounts only, with their own authentication
  const secured = new Router();
  secured.use(auth);
  for (const r of [userRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [adminRoutes(services), deploymentRoutes(services), instanceRoutes(services), taskRoutes(services), messageRoutes(services), parameterRoutes(services), slaRoutes(services), diffRoutes(services), migrationRoutes(services), calendarRoutes(services), documentRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [applicationRoutes(services), subjectRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [decisionRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [officeRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [auditRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [siussImportRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  for (const r of [siussRoutes(services)]) secured.use(r.routes(), r.allowedMethods());
  secured.use(incidentRoutes(services).routes());
  api.use(secured.routes());

  use(root.routes());
  use(engineRestRoutes(services, auth).routes()); // Camunda 7 REST subset for Camunda Modeler (not under /api/v1)
  use(externalTaskRoutes(services, auth).routes()); // Camunda 7 external-task REST for workers (camunda-external-task-client-js)
  use(api.routes());
  use(api.allowedMethods({ throw: false }));
  app.use(retryIdempotentReads(compose(downstream), { logger, middleware: downstream }));
  return app;
}

/** Whether the request's credentials are an admin's (any failure: no). */
async function isAdmin(ctx: Koa.Context, auth: Koa.Middleware): Promise<boolean> {
  try {
    let admin = false;
    await auth(ctx as never, async () => {
      admin = (ctx.state.user as { roles?: string[] } | undefined)?.roles?.includes('admin') ?? false;
    });
    return admin;
  } catch {
    return false;
  }
}
