/**
 * Starting and inspecting process instances: start by key for a comune,
 * list (paged), detail, cancel, history. Every read is filtered by the
 * caller's comune; another comune's instance answers 404.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { FilterQuery } from '@mikro-orm/core';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { actingTenant, requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { ProcessInstance, Task, Tenant } from '../../db/entities/index.js';
import type { InstanceRecord } from '../../engine/store.js';
import { belfiore, isUuid, parseBody, parseQuery, variablesSchema, offsetParam } from '../validation.js';
import type { Services } from '../context.js';
import { ValidationError } from '../../shared/errors.js';
import { REI_PROCESS_KEY } from '../../applications/application.service.js';
import { tenantFilter } from '../../shared/tenancy.js';
import { caseHistory } from '../../history/case-history.js';

const startSchema = z
  .object({
    tenant: belfiore.optional(),
    businessKey: z.string().trim().min(1).max(255).nullable().optional(),
    variables: variablesSchema.default({}),
  })
  .strict();

const historySchema = z.object({ detail: z.enum(['business', 'engine']).default('business') });

const listSchema = z.object({
  status: z.enum(['active', 'completed', 'cancelled', 'all']).optional(),
  businessKey: z.string().optional(),
  key: z.string().optional(),
  tenant: belfiore.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});

export function instanceRoutes(services: Services) {
  const router = new Router();

  router.post('/process-definitions/:key/start', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'operatore', 'assistente_sociale', 'responsabile', 'admin');
    const input = parseBody(startSchema, ctx.request.body);
    const tenant = actingTenant(p, input.tenant);
    if (!tenant) throw new ValidationError('Indicare il comune (tenant) per cui avviare il processo', { fields: [{ field: 'tenant', message: 'obbligatorio per gli utenti di livello metropolitano' }] });
    if (!(await services.orm.em.fork().findOne(Tenant, { code: tenant }))) throw new NotFoundError('Comune', tenant, 'TENANT_NOT_FOUND');
    // A REI application (variables with `richiedente`) goes through the intake checks and the subject registry.
    const instance =
      ctx.params.key === REI_PROCESS_KEY && input.variables.richiedente !== undefined
        ? (await services.applications.submitStartVariables(input.variables, input.businessKey, tenant, { username: p.username })).instance
        : await services.store.transaction((tx) =>
            services.processes.start(tx, { key: ctx.params.key, tenant, businessKey: input.businessKey, variables: input.variables }, { username: p.username }),
          );
    ctx.status = 201;
    ctx.body = await instanceView(services, instance);
  });

  router.get('/process-instances', async (ctx) => {
    const p = ctx.state.user;
    const q = parseQuery(listSchema, ctx.query);
    const where: FilterQuery<ProcessInstance> & Record<string, unknown> = {};
    const scope = tenantScope(p);
    if (scope && q.tenant && q.tenant !== scope) throw new ForbiddenError(`L'utente appartiene al comune ${scope}`, 'TENANT_MISMATCH');
    if (scope) where.tenant = scope;
    else if (q.tenant) where.tenant = q.tenant;
    if (q.status && q.status !== 'all') where.status = q.status;
    if (q.businessKey) where.businessKey = q.businessKey;
    if (q.key) where.definitionKey = q.key;
    const [items, total] = await services.orm.em.fork().findAndCount(ProcessInstance, where, { orderBy: [{ startedAt: 'desc' }, { id: 'asc' }], limit: q.limit, offset: q.offset });
    ctx.body = { items: items.map(summary), total, limit: q.limit, offset: q.offset };
  });

  router.get('/process-instances/:id', async (ctx) => {
    const instance = await findInstance(services, ctx.state.user, ctx.params.id);
    ctx.body = await instanceView(services, instance);
  });

  router.post('/process-instances/:id/cancel', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'responsabile', 'admin');
    const body = ctx.request.body && typeof ctx.request.body === 'object' ? ctx.request.body : {};
    const { reason } = parseBody(z.object({ reason: z.string().max(1000).optional() }), body);
    const instance = await services.store.transaction(async (tx) => {
      const found = isUuid(ctx.params.id) ? await tx.instance(ctx.params.id, tenantScope(p)) : null;
      if (!found) throw new NotFoundError('Istanza di processo', ctx.params.id, 'INSTANCE_NOT_FOUND', 'f');
      return services.processes.cancel(tx, found, { username: p.username }, reason);
    });
    ctx.body = await instanceView(services, instance);
  });

  router.get('/process-instances/:id/history', async (ctx) => {
    const { detail } = parseQuery(historySchema, ctx.query);
    const instance = await findInstance(services, ctx.state.user, ctx.params.id);
    const items = await caseHistory(services.orm.em.fork(), instance, detail);
    ctx.body = { processInstanceId: instance.id, detail, items, total: items.length };
  });
  return router;
}

/** The instance if the caller's comune may see it; 404 otherwise. */
export async function findInstance(services: Services, p: Principal, id: string): Promise<ProcessInstance> {
  const valid = isUuid(id);
  const scope = tenantScope(p);
  const instance = valid ? await services.orm.em.fork().findOne(ProcessInstance, { id, ...tenantFilter(scope) }) : null;
  if (!instance) throw new NotFoundError('Istanza di processo', id, 'INSTANCE_NOT_FOUND', 'f');
  return instance;
}

function summary(i: InstanceRecord) {
  return {
    id: i.id,
    tenant: i.tenant,
    definitionId: i.definitionId,
    definitionKey: i.definitionKey,
    definitionVersion: i.definitionVersion,
    businessKey: i.businessKey,
    status: i.status,
    activeElements: i.activeElements,
    startedBy: i.startedBy,
    startedAt: i.startedAt,
    endedAt: i.endedAt,
    version: i.version,
  };
}

async function instanceView(services: Services, i: InstanceRecord) {
  const openTasks = await services.orm.em.fork().find(Task, { instanceId: i.id, status: 'open' }, { orderBy: { createdAt: 'asc' } });
  return { ...summary(i), variables: i.variables, params: i.params, openTasks: openTasks.map((t) => ({ id: t.id, elementId: t.elementId, name: t.name, assignee: t.assignee, candidateGroups: t.candidateGroups, dueAt: t.dueAt })) };
}
