/** The task inbox: list with filters and sorting, detail, form, claim, unclaim, assign, complete (validated against the task's form). */
import Router from '@koa/router';
import { z } from 'zod';
import type { Task } from '../../db/entities/index.js';
import type { TaskRecord } from '../../engine/store.js';
import { isoDateParam, parseBody, parseQuery, uuidOrNone, variablesSchema, offsetParam } from '../validation.js';
import type { Services } from '../context.js';
import { ValidationError } from '../../shared/errors.js';
import { caseContexts, type TaskCaseContext } from '../../tasks/task-context.js';
import { TASK_TOTAL_CAP } from '../../tasks/inbox.service.js';
import { requestOrigin } from '../../audit/audit.service.js';

const isoDate = isoDateParam;
const listSchema = z.object({
  assignee: z.string().optional(),
  candidateGroup: z.string().optional(),
  mine: z.enum(['true', 'false']).optional(),
  processKey: z.string().optional(),
  elementId: z.string().optional(),
  businessKey: z.string().optional(),
  processInstanceId: z.string().uuid().optional(),
  status: z.enum(['open', 'completed', 'cancelled', 'all']).optional(),
  dueBefore: isoDate.optional(),
  dueAfter: isoDate.optional(),
  sort: z.enum(['due', 'created', 'priority']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
  exactTotal: z.enum(['true', 'false']).optional(),
});

export function taskRoutes(services: Services) {
  const router = new Router();
  // No body means no variables; anything else (e.g. an array) goes through parseBody and is refused.
  const optionalBody = (body: unknown) => (body === undefined || body === null ? {} : body);

  router.get('/tasks', async (ctx) => {
    const q = parseQuery(listSchema, ctx.query);
    const { items, total, totalExact } = await services.inbox.listWithContext(ctx.state.user, { ...q, mine: q.mine === 'true' }, { totalCap: q.exactTotal === 'true' ? null : TASK_TOTAL_CAP });
    ctx.body = { items: items.map((i) => taskView(i.task, i.context)), total, totalExact, limit: q.limit, offset: q.offset };
  });
  router.get('/tasks/:id', async (ctx) => {
    ctx.body = await oneView(services, await services.inbox.get(ctx.state.user, uuidParam(ctx.params.id)));
  });
  router.get('/tasks/:id/form', async (ctx) => {
    const { form, task } = await services.inbox.formOf(ctx.state.user, uuidParam(ctx.params.id));
    await services.audit.record(ctx.state.user, requestOrigin(ctx), [{ tenant: task.tenant, objectType: 'task_form', objectId: task.id, caseId: task.instanceId, detail: 'form' }]);
    ctx.body = form;
  });
  router.get('/tasks/:id/draft', async (ctx) => {
    ctx.body = await services.inbox.getDraft(ctx.state.user, uuidParam(ctx.params.id));
  });
  router.put('/tasks/:id/draft', async (ctx) => {
    const { data } = parseBody(z.object({ data: z.record(z.string(), z.unknown()) }).strict(), ctx.request.body);
    if (JSON.stringify(data).length > 256 * 1024) throw new ValidationError('Bozza troppo grande (al massimo 256 kB)', { fields: [{ field: 'data', message: 'al massimo 256 kB' }] }, 'DRAFT_TOO_LARGE');
    ctx.body = await services.inbox.saveDraft(ctx.state.user, uuidParam(ctx.params.id), data);
  });
  router.delete('/tasks/:id/draft', async (ctx) => {
    await services.inbox.deleteDraft(ctx.state.user, uuidParam(ctx.params.id));
    ctx.status = 204;
  });
  router.post('/tasks/:id/claim', async (ctx) => {
    ctx.body = await oneView(services, await services.inbox.claim(ctx.state.user, uuidParam(ctx.params.id)));
  });
  router.post('/tasks/:id/unclaim', async (ctx) => {
    ctx.body = await oneView(services, await services.inbox.unclaim(ctx.state.user, uuidParam(ctx.params.id)));
  });
  router.post('/tasks/:id/assign', async (ctx) => {
    const { user } = parseBody(z.object({ user: z.string().min(1).max(100).nullable() }).strict(), ctx.request.body);
    ctx.body = await oneView(services, await services.inbox.assign(ctx.state.user, uuidParam(ctx.params.id), user));
  });
  router.post('/tasks/:id/complete', async (ctx) => {
    const { variables } = parseBody(z.object({ variables: variablesSchema.default({}) }).strict(), optionalBody(ctx.request.body));
    ctx.body = await oneView(services, await services.inbox.complete(ctx.state.user, uuidParam(ctx.params.id), variables));
  });
  return router;
}

/** A malformed id can never match: answer 404 like any unknown id. */
function uuidParam(id: string): string {
  return uuidOrNone(id);
}

/** Task views with their case context, looked up for the whole page at once. */
export async function taskViews(services: Services, tasks: ReadonlyArray<Task | TaskRecord>) {
  const contexts = await caseContexts(services.orm.em.fork(), tasks.map((t) => t.instanceId));
  return tasks.map((t) => taskView(t, contexts.get(t.instanceId)));
}

async function oneView(services: Services, task: Task | TaskRecord) {
  return (await taskViews(services, [task]))[0]!;
}

export function taskView(t: Task | TaskRecord, c?: TaskCaseContext) {
  return {
    id: t.id,
    tenant: t.tenant,
    processInstanceId: t.instanceId,
    processKey: t.definitionKey,
    businessKey: t.businessKey,
    elementId: t.elementId,
    name: t.name,
    processName: c?.processName ?? t.definitionKey,
    stepName: t.name ?? t.elementId,
    protocollo: c?.protocollo ?? null,
    richiedente: c?.richiedente ?? null,
    assignee: t.assignee,
    candidateGroups: t.candidateGroups,
    candidateUsers: t.candidateUsers,
    formKey: t.formKey,
    priority: t.priority,
    dueAt: t.dueAt,
    followUpAt: t.followUpAt,
    status: t.status,
    createdAt: t.createdAt,
    claimedAt: t.claimedAt,
    endedAt: t.endedAt,
    completedBy: t.completedBy,
  };
}
