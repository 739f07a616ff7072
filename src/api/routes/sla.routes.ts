/** SLA for managers: GET /sla/summary and a case's GET /process-instances/{id}/timeline. */
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError } from '../../shared/errors.js';
import { requireRole, tenantScope } from '../../auth/principal.js';
import { ProcessDefinition } from '../../db/entities/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { DEFAULT_AT_RISK_SHARE, instanceTimeline, slaSummary } from '../../tasks/sla/sla.service.js';
import { belfiore, isoDateParam, parseQuery } from '../validation.js';
import { auditCaseRead, findInstance } from './instances.routes.js';
import type { Services } from '../context.js';

const isoDate = isoDateParam;
const summarySchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  processKey: z.string().optional(),
  elementId: z.string().optional(),
  tenant: belfiore.optional(),
  atRiskShare: z.coerce.number().min(0).max(1).default(DEFAULT_AT_RISK_SHARE),
});

export function slaRoutes(services: Services) {
  const router = new Router();

  router.get('/sla/summary', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'responsabile', 'admin', 'analista');
    const q = parseQuery(summarySchema, ctx.query);
    const scope = tenantScope(p);
    if (scope && q.tenant && q.tenant !== scope) throw new ForbiddenError(`L'utente appartiene al comune ${scope}`, 'TENANT_MISMATCH');
    const now = services.clock.now();
    const to = q.to ?? now;
    const from = q.from ?? new Date(to.getTime() - 365 * 86_400_000);
    const tenant = scope ?? q.tenant ?? null;
    const items = await slaSummary(services.orm.em.fork(), { tenant, from, to, now, processKey: q.processKey, elementId: q.elementId, atRiskShare: q.atRiskShare });
    ctx.body = { from, to, now, tenant, atRiskShare: q.atRiskShare, perTenant: tenant === null, items };
  });

  router.get('/process-instances/:id/timeline', async (ctx) => {
    const instance = await findInstance(services, ctx.state.user, ctx.params.id);
    const em = services.orm.em.fork();
    // Only the model index (the phases): not the definition's XML and compiled model (~200 kB for REI).
    const phases = em.findOne(ProcessDefinition, { id: instance.definitionId }, { fields: ['modelIndex'] }).then((def) => (def?.modelIndex as ModelIndex | undefined)?.slaPhases ?? []);
    const [timeline] = await Promise.all([instanceTimeline(em, instance.id, phases, services.clock.now()), auditCaseRead(services, ctx, instance, 'timeline')]);
    ctx.body = { processInstanceId: instance.id, businessKey: instance.businessKey, status: instance.status, startedAt: instance.startedAt, endedAt: instance.endedAt, ...timeline };
  });
  return router;
}
