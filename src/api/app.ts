/**
 * The HTTP application: error middleware first, JSON body parsing with a size
 * limit, /health, then /api/v1 with authentication on everything but login.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { databaseStatus } from '../db/orm.js';
import { errorMiddleware } from './error-middleware.js';
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

export function createApp(services: Services, log: (msg: string, err?: unknown) => void = defaultLog): Koa {
  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  app.use(errorMiddleware(log));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: `${Math.ceil(services.config.maxUploadBytes / 1024)}kb`, encoding: 'utf-8' }));

  const root = new Router();
  root.get('/health', async (ctx) => {
    const db = await databaseStatus(services.orm);
    ctx.status = db.ok ? 200 : 503;
    ctx.body = { status: db.ok ? 'ok' : 'degraded', database: db, time: services.clock.now().toISOString() };
  });

  const auth = authenticate(services);
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
  secured.use(incidentRoutes(services).routes());
  api.use(secured.routes());

  app.use(root.routes());
  app.use(engineRestRoutes(services, auth).routes()); // Camunda 7 REST subset for Camunda Modeler (not under /api/v1)
  app.use(externalTaskRoutes(services, auth).routes()); // Camunda 7 external-task REST for workers (camunda-external-task-client-js)
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: false }));
  return app;
}

function defaultLog(msg: string, err?: unknown) {
  console.error(`[http] ${msg}`, err);
}
