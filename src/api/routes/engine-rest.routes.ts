/**
 * A small Camunda 7 compatible surface under /engine-rest, for Camunda Modeler's
 * "Deploy diagram" (Camunda 7 target): GET /version (anonymous probe),
 * GET /deployment (connection check, `?maxResults=0`) and
 * POST /deployment/create (multipart: deployment-name, deployment-source,
 * deploy-changed-only / enable-duplicate-filtering, tenant-id, one file part
 * per resource named after the file).
 *
 * Documented exception to the API's `{error: {...}}` body: everything under
 * /engine-rest answers errors in Camunda's shape, `{type, message}` (plus
 * `details` per resource for a ParseException), because that is what the
 * Modeler reads and displays.
 */
import Router from '@koa/router';
import { multipartFiles } from '../multipart.js';
import type { Context, Middleware, Next } from 'koa';
import { DomainError } from '../../shared/errors.js';
import type { Problem } from '../../shared/errors.js';
import { actingTenant, requireRole, type Principal } from '../../auth/principal.js';
import { Deployment } from '../../db/entities/index.js';
import type { DeployFile, DeployResult } from '../../services/deployment.service.js';
import type { Services } from '../context.js';

/** The Camunda 7 version we answer to the Modeler's probe. */
export const CAMUNDA_COMPAT_VERSION = '7.21.0';

const BELFIORE = /^[A-Z]\d{3}$/;

export function engineRestRoutes(services: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/engine-rest' });
  const upload = multipartFiles(services.config.maxUploadBytes);
  router.use(camundaErrors());

  router.get('/version', (ctx) => {
    ctx.body = { version: CAMUNDA_COMPAT_VERSION };
  });

  router.get('/deployment', auth, async (ctx) => {
    const p = ctx.state.user as Principal;
    const max = intParam(ctx.query.maxResults);
    const first = intParam(ctx.query.firstResult) ?? 0;
    if (max === 0) {
      ctx.body = [];
      return;
    }
    const where = p.tenant ? { $or: [{ tenant: p.tenant }, { tenant: null }] } : {};
    const rows = await services.orm.em.fork().find(Deployment, where, { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], offset: first, limit: Math.min(max ?? 100, 500) });
    ctx.body = rows.map((d) => deploymentDto(d));
  });

  router.post(
    '/deployment/create',
    auth,
    async (ctx, next) => {
      if (!ctx.is('multipart')) throw camundaError(400, 'InvalidRequestException', 'La richiesta deve essere multipart/form-data, come quella di Camunda Modeler');
      return (await upload(ctx, next)) as void;
    },
    async (ctx) => {
      const p = ctx.state.user as Principal;
      requireRole(p, 'admin', 'analista');
      const fields = ((ctx.request as unknown as { body?: Record<string, unknown> }).body ?? {}) as Record<string, unknown>;
      const uploaded = (ctx as unknown as { files?: Array<{ fieldname: string; originalname: string; buffer: Buffer }> }).files ?? [];
      const files: DeployFile[] = uploaded.map((f) => ({ name: f.originalname || f.fieldname, content: f.buffer.toString('utf8') }));
      if (!files.length) throw camundaError(400, 'InvalidRequestException', 'Nessuna risorsa nella deployment');

      const requestedTenant = field(fields, 'tenant-id');
      if (requestedTenant && !BELFIORE.test(requestedTenant)) throw camundaError(400, 'InvalidRequestException', `tenant-id non valido: atteso un codice Belfiore (es. F205), ricevuto "${requestedTenant}"`);
      // A comune analyst deploys for its own comune (also without tenant-id); another comune is refused.
      const tenant = actingTenant(p, requestedTenant || null);
      const name = (field(fields, 'deployment-name') || files[0].name).slice(0, 200);

      const result = await services.deployments.deploy({ name, tenant, files, source: 'modeler', createdBy: p.username });

      const em = services.orm.em.fork();
      const created = result.definitions.filter((d) => d.created);
      const deploymentId = result.deploymentId ?? result.definitions[0]?.deploymentId ?? result.decisions[0]?.deploymentId ?? null;
      const deployment = deploymentId ? await em.findOne(Deployment, { id: deploymentId }) : null;
      const namespaces = new Map(files.map((f) => [f.name, targetNamespace(f.content)]));
      ctx.status = 200;
      ctx.body = {
        ...(deployment ? deploymentDto(deployment) : { id: deploymentId, name, source: field(fields, 'deployment-source') || 'Camunda Modeler', tenantId: tenant, deploymentTime: camundaDate(services.clock.now()), links: [] }),
        deployedProcessDefinitions: created.length
          ? Object.fromEntries(
              created.map((d) => [
                `${d.key}:${d.version}:${d.id}`,
                {
                  id: d.id,
                  key: d.key,
                  category: namespaces.get(d.resourceName) ?? null,
                  description: null,
                  name: d.name,
                  version: d.version,
                  resource: d.resourceName,
                  deploymentId: d.deploymentId,
                  diagram: null,
                  suspended: false,
                  tenantId: d.tenant,
                  versionTag: null,
                  historyTimeToLive: null,
                  startableInTasklist: true,
                },
              ]),
            )
          : null,
        deployedCaseDefinitions: null,
        deployedDecisionDefinitions: decisionDtos(result.decisions.filter((d) => d.created), namespaces),
        deployedDecisionRequirementsDefinitions: null,
      };
    },
  );
  return router;
}

/** Created DMN decisions as Camunda's DecisionDefinitionDto map (null when none), like deployedProcessDefinitions. */
function decisionDtos(created: DeployResult['decisions'], namespaces: Map<string, string | null>) {
  if (!created.length) return null;
  return Object.fromEntries(
    created.map((d) => [
      `${d.key}:${d.version}:${d.id}`,
      { id: d.id, key: d.key, category: namespaces.get(d.resourceName) ?? null, name: d.name, version: d.version, resource: d.resourceName, deploymentId: d.deploymentId, tenantId: d.tenant, decisionRequirementsDefinitionId: null, decisionRequirementsDefinitionKey: null, historyTimeToLive: null, versionTag: null },
    ]),
  );
}

function deploymentDto(d: Deployment) {
  return { id: d.id, name: d.name, source: d.source === 'modeler' ? 'Camunda Modeler' : d.source, tenantId: d.tenant, deploymentTime: camundaDate(d.createdAt), links: [] as unknown[] };
}

/** Camunda 7's date format: yyyy-MM-dd'T'HH:mm:ss.SSSZ (e.g. 2026-03-02T08:00:00.000+0000). */
export function camundaDate(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

function field(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  const s: unknown = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.trim() : '';
}

function intParam(v: unknown): number | undefined {
  const s: unknown = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return undefined;
  if (typeof s !== 'string' || !/^\d{1,9}$/.test(s)) throw camundaError(400, 'InvalidRequestException', 'firstResult e maxResults devono essere interi non negativi (al più 999999999)');
  return Number(s);
}

function targetNamespace(xml: string): string | null {
  return /<(?:[\w-]+:)?definitions\b[^>]*\btargetNamespace\s*=\s*"([^"]*)"/.exec(xml)?.[1] ?? null;
}

class CamundaHttpError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

function camundaError(status: number, type: string, message: string, details?: unknown): CamundaHttpError {
  return new CamundaHttpError(status, type, message, details);
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'AuthenticationException',
  403: 'AuthorizationException',
  404: 'InvalidRequestException',
  409: 'OptimisticLockingException',
  413: 'InvalidRequestException',
  415: 'InvalidRequestException',
  422: 'InvalidRequestException',
};

/** Errors under /engine-rest in Camunda's shape; unexpected failures go on to the global handler (logged, 500). */
function camundaErrors(): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const body = toCamunda(err);
      if (!body) throw err;
      ctx.status = body.status;
      ctx.body = { type: body.type, message: body.message, ...(body.details !== undefined ? { details: body.details } : {}) };
    }
  };
}

function toCamunda(err: unknown): { status: number; type: string; message: string; details?: unknown } | null {
  if (err instanceof CamundaHttpError) return { status: err.status, type: err.type, message: err.message, details: err.details };
  if (err instanceof DomainError) {
    if (err.code === 'DEPLOYMENT_INVALID' || err.code === 'DECISION_INVALID') return parseException(err);
    // Our 422s (empty deployment, unknown comune, …) are a 400 for Camunda clients.
    const status = err.status === 422 ? 400 : err.status;
    if (status >= 500) return null;
    return { status, type: TYPE_BY_STATUS[status] ?? 'InvalidRequestException', message: err.message };
  }
  const e = err as { status?: number; statusCode?: number; code?: string; message?: string; expose?: boolean };
  if (e?.code === 'LIMIT_FILE_SIZE') return { status: 413, type: 'InvalidRequestException', message: 'File troppo grande' };
  if (typeof e?.code === 'string' && e.code.startsWith('LIMIT_')) return { status: 400, type: 'InvalidRequestException', message: `Upload non valido: ${e.message ?? e.code}` };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, type: TYPE_BY_STATUS[status] ?? 'InvalidRequestException', message: (e.expose && e.message) || 'Richiesta non valida' };
  return null;
}

interface CamundaProblem {
  message: string;
  line: number;
  column: number;
  mainElementId: string | null;
  elementIds: string[];
}

/**
 * A refused model as Camunda's ParseException: problems grouped by resource.
 * The message starts with ENGINE-09005, which the Modeler recognises as
 * "Server could not parse the diagram" before listing the problems.
 */
function parseException(err: DomainError) {
  const d = (err.details ?? {}) as { errors?: Problem[]; warnings?: Problem[] };
  const errors = Array.isArray(d.errors) ? d.errors : [];
  const warnings = Array.isArray(d.warnings) ? d.warnings : [];
  const fallback = errors.find((p) => p.file)?.file ?? warnings.find((p) => p.file)?.file ?? 'deployment';
  const details: Record<string, { errors: CamundaProblem[]; warnings: CamundaProblem[] }> = {};
  const slot = (p: Problem) => (details[p.file ?? fallback] ??= { errors: [], warnings: [] });
  const toDto = (p: Problem): CamundaProblem => ({ message: p.message, line: p.line ?? 0, column: p.column ?? 0, mainElementId: p.elementId ?? null, elementIds: p.elementId ? [p.elementId] : [] });
  for (const p of errors) slot(p).errors.push(toDto(p));
  for (const p of warnings) slot(p).warnings.push(toDto(p));
  const lines = errors.map((p) => `* ${p.message} | resource ${p.file ?? fallback}${p.line ? ` | line ${p.line}` : ''}${p.column ? ` | column ${p.column}` : ''}${p.elementId ? ` | element ${p.elementId}` : ''}`);
  return { status: 400, type: 'ParseException', message: `ENGINE-09005 Could not parse BPMN process. Errors: \n${lines.join('\n')}`, details };
}
