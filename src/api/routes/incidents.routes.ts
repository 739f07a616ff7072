/**
 * Incidents (external tasks or jobs out of retries): list and detail, filtered
 * by the caller's comune, and retry (responsabile, admin), which gives the work
 * its retries back, makes it due now and resolves the incident.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { parseBody, parseQuery, uuidOrNone, offsetParam } from '../validation.js';
import type { Services } from '../context.js';
import { IncidentService, incidentView } from '../../tasks/external/incident.service.js';

const listSchema = z.object({
  status: z.enum(['open', 'resolved', 'all']).optional(),
  processInstanceId: z.string().uuid().optional(),
  kind: z.enum(['external-task-failed', 'job-failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});

const retrySchema = z.object({ retries: z.number().int().min(1).max(100).default(1) }).strict();

export function incidentRoutes(services: Services) {
  const router = new Router();
  const incidents = new IncidentService(services.orm, services.clock);

  router.get('/incidents', async (ctx) => {
    const q = parseQuery(listSchema, ctx.query);
    const { items, total } = await incidents.list(ctx.state.user, q);
    ctx.body = { items: items.map(incidentView), total, limit: q.limit, offset: q.offset };
  });

  router.get('/incidents/:id', async (ctx) => {
    ctx.body = incidentView(await incidents.get(ctx.state.user, uuidParam(ctx.params.id)));
  });

  router.post('/incidents/:id/retry', async (ctx) => {
    const raw = ctx.request.body;
    const { retries } = parseBody(retrySchema, raw === undefined || raw === null ? {} : raw);
    ctx.body = incidentView(await incidents.retry(ctx.state.user, uuidParam(ctx.params.id), retries));
  });

  return router;
}

/** A malformed id can never match: answer 404 like any unknown id. */
function uuidParam(id: string): string {
  return uuidOrNone(id);
}
