/**
 * Camunda 7 REST for external workers, under /engine-rest/external-task, so
 * camunda-external-task-client-js (and other Camunda 7 clients) work unchanged:
 *   POST /fetchAndLock            lock tasks of some topics (long polling with asyncResponseTimeout)
 *   POST /{id}/complete           204; the worker must hold the task's most recent lock
 *   POST /{id}/failure            204; retries / retryTimeout; retries 0 opens an incident
 *   POST /{id}/bpmnError          204; a BPMN error at the service task
 *   POST /{id}/lock, /{id}/extendLock, /{id}/unlock   204
 *   PUT  /{id}/retries            204 (responsabile, admin)
 *   GET  /, /count, /{id}, /{id}/errorDetails; POST / and /count (query in the body)
 * Authentication: Bearer token or HTTP Basic (BasicAuthInterceptor). Roles:
 * admin, operatore, responsabile; a comune user only sees its comune's tasks.
 *
 * Like the rest of /engine-rest, errors are in Camunda's shape `{type, message,
 * code}` with Camunda's statuses: 400 bad argument or lock held by another
 * worker, 404 unknown (or already closed) task, 500 when the process could not
 * go on. JSON answers carry exactly `Content-Type: application/json`, which is
 * what the JS client checks before parsing.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { Context, Middleware, Next } from 'koa';
import { DomainError } from '../../shared/errors.js';
import type { Services } from '../context.js';
import type { Principal } from '../../auth/principal.js';
import { int32Param, MAX_INT32, offsetParam, parseBody, parseQuery, uuidOrNone } from '../validation.js';
import type { ExternalTask } from '../../db/entities/index.js';
import { ExternalTaskService, camundaDate, type ExternalTaskQuery } from '../../tasks/external/external-task.service.js';
import { fromTypedVariables } from '../../tasks/external/variables.js';

const workerId = z.string().trim().min(1).max(255);
const millis = z.number().int().min(0).max(10 * 365 * 24 * 3600 * 1000);
const names = z.array(z.string().max(255)).max(200);

const topicSchema = z.object({
  topicName: z.string().min(1).max(255),
  lockDuration: millis.refine((n) => n > 0, 'deve essere maggiore di 0'),
  variables: names.nullable().optional(),
  localVariables: z.boolean().nullable().optional(),
  businessKey: z.string().nullable().optional(),
  processDefinitionId: z.string().nullable().optional(),
  processDefinitionIdIn: names.nullable().optional(),
  processDefinitionKey: z.string().nullable().optional(),
  processDefinitionKeyIn: names.nullable().optional(),
  processDefinitionVersionTag: z.string().nullable().optional(),
  processVariables: z.record(z.unknown()).nullable().optional(),
  tenantIdIn: names.nullable().optional(),
  withoutTenantId: z.boolean().nullable().optional(),
  includeExtensionProperties: z.boolean().nullable().optional(),
  deserializeValues: z.boolean().nullable().optional(),
});

const fetchSchema = z.object({
  workerId,
  maxTasks: z.number().int().min(0),
  usePriority: z.boolean().nullable().optional(),
  asyncResponseTimeout: z.number().int().min(0).nullable().optional(),
  sorting: z.array(z.object({ sortBy: z.literal('createTime'), sortOrder: z.enum(['asc', 'desc']) })).max(1).nullable().optional(),
  topics: z.array(topicSchema).max(50).default([]),
});

const completeSchema = z.object({ workerId, variables: z.unknown().optional(), localVariables: z.unknown().optional() });
const failureSchema = z.object({
  workerId,
  errorMessage: z.string().nullable().optional(),
  errorDetails: z.string().max(1_000_000).nullable().optional(),
  retries: z.number().int().min(0).max(1000).nullable().optional(),
  retryTimeout: millis.nullable().optional(),
  variables: z.unknown().optional(),
  localVariables: z.unknown().optional(),
});
const bpmnErrorSchema = z.object({ workerId, errorCode: z.string().min(1).max(255), errorMessage: z.string().max(4000).nullable().optional(), variables: z.unknown().optional() });
const extendSchema = z.object({ workerId, newDuration: millis.refine((n) => n > 0, 'deve essere maggiore di 0') });
const lockSchema = z.object({ workerId, lockDuration: millis.refine((n) => n > 0, 'deve essere maggiore di 0') });
const retriesSchema = z.object({ retries: z.number().int().min(0).max(1000) });

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
const uuidText = z.string().uuid();
const querySchema = z.object({
  externalTaskId: uuidText.optional(),
  topicName: z.string().optional(),
  workerId: z.string().optional(),
  locked: flag.optional(),
  notLocked: flag.optional(),
  withRetriesLeft: flag.optional(),
  noRetriesLeft: flag.optional(),
  processInstanceId: uuidText.optional(),
  processDefinitionId: uuidText.optional(),
  processDefinitionKey: z.string().optional(),
  activityId: z.string().optional(),
  tenantIdIn: list.optional(),
  priorityHigherThanOrEquals: int32Param.optional(),
  priorityLowerThanOrEquals: int32Param.optional(),
  sortBy: z.enum(['id', 'lockExpirationTime', 'processInstanceId', 'processDefinitionKey', 'tenantId', 'taskPriority', 'createTime']).optional(),
  sortOrder: z.enum(['asc', 'desc']).optional(),
  firstResult: offsetParam.optional(),
  maxResults: offsetParam.optional(),
});
/** The same query as a JSON body (POST /external-task, POST /external-task/count). */
const bodyQuerySchema = querySchema.extend({
  locked: z.boolean().optional(),
  notLocked: z.boolean().optional(),
  withRetriesLeft: z.boolean().optional(),
  noRetriesLeft: z.boolean().optional(),
  tenantIdIn: names.optional(),
  priorityHigherThanOrEquals: z.number().int().min(-MAX_INT32 - 1).max(MAX_INT32).optional(),
  priorityLowerThanOrEquals: z.number().int().min(-MAX_INT32 - 1).max(MAX_INT32).optional(),
  sorting: z.array(z.object({ sortBy: querySchema.shape.sortBy.unwrap(), sortOrder: z.enum(['asc', 'desc']) })).max(1).optional(),
});

export function externalTaskRoutes(services: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/engine-rest/external-task' });
  const tasks = new ExternalTaskService(services);
  router.use(camundaErrors());
  router.use(auth);

  router.post('/fetchAndLock', async (ctx) => {
    const input = parseBody(fetchSchema, ctx.request.body);
    const controller = new AbortController();
    // The client went away while we were waiting: stop waiting (and give back anything just locked).
    const onClose = () => {
      if (!ctx.res.writableEnded) controller.abort();
    };
    ctx.res.once('close', onClose);
    try {
      const locked = await tasks.fetchAndLock(user(ctx), { ...input, usePriority: input.usePriority ?? false, maxTasks: Math.min(input.maxTasks, 100) }, controller.signal);
      json(ctx, locked);
    } finally {
      ctx.res.off('close', onClose);
    }
  });

  router.get('/', async (ctx) => {
    const q = parseQuery(querySchema, ctx.query);
    json(ctx, (await tasks.list(user(ctx), q)).map(externalTaskDto));
  });
  router.post('/', async (ctx) => {
    const q = bodyQuery(ctx);
    json(ctx, (await tasks.list(user(ctx), q)).map(externalTaskDto));
  });
  router.get('/count', async (ctx) => {
    json(ctx, { count: await tasks.count(user(ctx), parseQuery(querySchema, ctx.query)) });
  });
  router.post('/count', async (ctx) => {
    json(ctx, { count: await tasks.count(user(ctx), bodyQuery(ctx)) });
  });

  router.get('/:id', async (ctx) => {
    json(ctx, externalTaskDto(await tasks.get(user(ctx), taskId(ctx))));
  });
  router.get('/:id/errorDetails', async (ctx) => {
    const ext = await tasks.get(user(ctx), taskId(ctx));
    if (ext.errorDetails === null) {
      ctx.status = 204;
      return;
    }
    ctx.type = 'text/plain';
    ctx.body = ext.errorDetails;
  });

  router.post('/:id/complete', async (ctx) => {
    const input = parseBody(completeSchema, body(ctx));
    const variables = fromTypedVariables(input.variables);
    // No execution-local scope here: local variables are checked, then dropped
    // (in Camunda they vanish with the activity too, unless output-mapped).
    fromTypedVariables(input.localVariables, 'localVariables');
    await tasks.complete(user(ctx), taskId(ctx), input.workerId, variables);
    ctx.status = 204;
  });

  router.post('/:id/failure', async (ctx) => {
    const input = parseBody(failureSchema, body(ctx));
    fromTypedVariables(input.variables);
    fromTypedVariables(input.localVariables, 'localVariables');
    await tasks.failure(user(ctx), taskId(ctx), {
      workerId: input.workerId,
      errorMessage: input.errorMessage,
      errorDetails: input.errorDetails,
      retries: input.retries ?? 0,
      retryTimeout: input.retryTimeout ?? 0,
    });
    ctx.status = 204;
  });

  router.post('/:id/bpmnError', async (ctx) => {
    const input = parseBody(bpmnErrorSchema, body(ctx));
    const variables = fromTypedVariables(input.variables);
    await tasks.bpmnError(user(ctx), taskId(ctx), input.workerId, { errorCode: input.errorCode, ...(input.errorMessage ? { errorMessage: input.errorMessage } : {}), variables });
    ctx.status = 204;
  });

  router.post('/:id/lock', async (ctx) => {
    const input = parseBody(lockSchema, body(ctx));
    await tasks.lock(user(ctx), taskId(ctx), input.workerId, input.lockDuration);
    ctx.status = 204;
  });

  router.post('/:id/extendLock', async (ctx) => {
    const input = parseBody(extendSchema, body(ctx));
    await tasks.extendLock(user(ctx), taskId(ctx), input.workerId, input.newDuration);
    ctx.status = 204;
  });

  router.post('/:id/unlock', async (ctx) => {
    await tasks.unlock(user(ctx), taskId(ctx));
    ctx.status = 204;
  });

  router.put('/:id/retries', async (ctx) => {
    const input = parseBody(retriesSchema, body(ctx));
    await tasks.setRetries(user(ctx), taskId(ctx), input.retries);
    ctx.status = 204;
  });

  return router;
}

function user(ctx: Context): Principal {
  return ctx.state.user as Principal;
}

/** A malformed id can never match: the same 404 as an unknown one. */
function taskId(ctx: Context): string {
  const id = String((ctx.params as { id?: string }).id ?? '');
  return uuidOrNone(id);
}

/** The JS client posts `{}` or nothing for bodiless actions. */
function body(ctx: Context): unknown {
  const b = (ctx.request as unknown as { body?: unknown }).body;
  return b === undefined || b === null ? {} : b;
}

function bodyQuery(ctx: Context): ExternalTaskQuery {
  const q = parseBody(bodyQuerySchema, body(ctx));
  const { sorting, ...rest } = q;
  return { ...rest, ...(sorting?.[0] ? { sortBy: sorting[0].sortBy, sortOrder: sorting[0].sortOrder } : {}) };
}

/** JSON with exactly `application/json` (the JS client compares the header literally). */
function json(ctx: Context, value: unknown): void {
  ctx.status = 200;
  ctx.set('Content-Type', 'application/json');
  ctx.body = value as object;
}

/** Camunda's ExternalTaskDto. */
export function externalTaskDto(t: ExternalTask & { definitionId: string }) {
  return {
    activityId: t.elementId,
    activityInstanceId: t.executionId,
    errorMessage: t.errorMessage,
    executionId: t.executionId,
    id: t.id,
    lockExpirationTime: t.lockExpiresAt ? camundaDate(t.lockExpiresAt) : null,
    createTime: camundaDate(t.createdAt),
    processDefinitionId: t.definitionId,
    processDefinitionKey: t.definitionKey,
    processDefinitionVersionTag: null,
    processInstanceId: t.instanceId,
    retries: t.retries,
    suspended: false,
    workerId: t.workerId,
    topicName: t.topic,
    tenantId: t.tenant,
    priority: t.priority,
    businessKey: t.businessKey,
  };
}

/** Camunda exception type by our error: statuses follow Camunda's external-task resource. */
function toCamunda(err: unknown): { status: number; type: string; message: string; code?: string } | null {
  if (err instanceof DomainError) {
    const base = { message: err.message, code: err.code };
    switch (err.status) {
      case 400:
      case 422:
        // VARIABLES_NOT_ALLOWED keeps its 422 (issue 11): the worker sent variables its task does not declare.
        return { ...base, status: err.code === 'VARIABLES_NOT_ALLOWED' ? 422 : 400, type: 'InvalidRequestException' };
      case 401:
        return { ...base, status: 401, type: 'AuthenticationException' };
      case 403:
        return { ...base, status: 403, type: 'AuthorizationException' };
      case 404:
        return { ...base, status: 404, type: 'InvalidRequestException' };
      case 409:
        // The instance moved on or ended meanwhile: Camunda answers 500 when it cannot resume the process.
        return { ...base, status: 500, type: err.code === 'CONCURRENT_MODIFICATION' ? 'OptimisticLockingException' : 'ProcessEngineException' };
      default:
        return null;
    }
  }
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, type: 'InvalidRequestException', message: (e.expose && e.message) || 'Richiesta non valida' };
  return null;
}

/** Errors in Camunda's shape; unexpected failures go on to the global handler (logged, 500). */
function camundaErrors(): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const c = toCamunda(err);
      if (!c) throw err;
      ctx.status = c.status;
      ctx.set('Content-Type', 'application/json');
      ctx.body = { type: c.type, message: c.message, ...(c.code ? { code: c.code } : {}) };
    }
  };
}
