/**
 * DMN decisions: POST /decisions/{key}/evaluate {tenant?, variables} evaluates
 * the latest version for the comune (its own, else the shared default) with
 * the comune's parameters as `params`; GET /decision-definitions lists
 * versions, GET /decision-definitions/{id}/xml gives the DMN file. A comune
 * user works for its own comune (another comune in the body: 403); a
 * metropolitan user names the comune, or none for the shared default.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { actingTenant } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import { belfiore, parseBody, parseQuery, uuidOrNone, decisionVariablesSchema } from '../validation.js';
import type { Services } from '../context.js';

const evaluateSchema = z.object({ tenant: belfiore.nullable().optional(), variables: decisionVariablesSchema.default({}) }).strict();
const listSchema = z.object({ key: z.string().max(255).optional(), tenant: z.union([belfiore, z.literal('default')]).optional(), latest: z.enum(['true', 'false']).optional() });

export function decisionRoutes(services: Services) {
  const router = new Router();

  router.post('/decisions/:key/evaluate', async (ctx) => {
    const p = ctx.state.user;
    const input = parseBody(evaluateSchema, ctx.request.body);
    const tenant = actingTenant(p, input.tenant);
    if (tenant && !p.tenant && !(await services.orm.em.fork().findOne(Tenant, { code: tenant }))) throw new NotFoundError('Comune', tenant, 'TENANT_NOT_FOUND');
    ctx.body = await services.decisions.evaluate(ctx.params.key, tenant, input.variables);
  });

  router.get('/decision-definitions', async (ctx) => {
    const q = parseQuery(listSchema, ctx.query);
    const p = ctx.state.user;
    const wanted = q.tenant === 'default' ? null : q.tenant;
    if (p.tenant && wanted && wanted !== p.tenant) throw new ForbiddenError('Puoi vedere solo le decisioni del tuo comune e quelle condivise', 'TENANT_MISMATCH');
    const items = await services.decisions.list({ key: q.key, tenant: q.tenant === undefined ? undefined : wanted, scope: p.tenant, latest: q.latest === 'true' });
    ctx.body = { items, total: items.length };
  });

  router.get('/decision-definitions/:id', async (ctx) => {
    ctx.body = (await services.decisions.source(uuidOrNone(ctx.params.id), ctx.state.user.tenant)).view;
  });

  router.get('/decision-definitions/:id/xml', async (ctx) => {
    const { xml } = await services.decisions.source(uuidOrNone(ctx.params.id), ctx.state.user.tenant);
    ctx.type = 'application/xml';
    ctx.body = xml;
  });
  return router;
}
