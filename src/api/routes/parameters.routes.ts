/**
 * A comune's process parameters: GET merged values with the source of each,
 * PUT new overrides (validated, versioned, audited), GET the version history.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { actingTenant, requireRole, type Principal } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import type { JsonObject } from '../../tailoring/parameters/merge.js';
import { parseBody } from '../validation.js';
import type { Services } from '../context.js';

const putSchema = z.object({ values: z.record(z.string(), z.unknown()), comment: z.string().max(1000).optional() }).strict();

export function parameterRoutes(services: Services) {
  const router = new Router();

  router.get('/tenants/:code/parameters/:key', async (ctx) => {
    const tenant = await visibleTenant(services, ctx.state.user, ctx.params.code);
    const resolved = await services.parameters.resolve(services.orm.em.fork(), ctx.params.key, tenant);
    ctx.body = { ...resolved, schema: services.parameters.schema(ctx.params.key) };
  });

  router.put('/tenants/:code/parameters/:key', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'analista', 'admin');
    const tenant = await visibleTenant(services, p, ctx.params.code);
    actingTenant(p, tenant);
    const input = parseBody(putSchema, ctx.request.body);
    ctx.body = await services.parameters.update(services.orm.em.fork(), ctx.params.key, tenant, input.values as JsonObject, p.username, input.comment ?? null);
  });

  router.get('/tenants/:code/parameters/:key/versions', async (ctx) => {
    const tenant = await visibleTenant(services, ctx.state.user, ctx.params.code);
    const rows = await services.parameters.versions(services.orm.em.fork(), ctx.params.key, tenant);
    ctx.body = { items: rows.map((r) => ({ version: r.version, values: r.values, comment: r.comment, createdBy: r.createdBy, createdAt: r.createdAt })), total: rows.length };
  });
  return router;
}

/** A comune user sees only its own comune: any other code answers 404. */
async function visibleTenant(services: Services, p: Principal, code: string): Promise<string> {
  if (p.tenant && p.tenant !== code) throw new NotFoundError('Comune', code, 'TENANT_NOT_FOUND');
  if (!(await services.orm.em.fork().findOne(Tenant, { code }))) throw new NotFoundError('Comune', code, 'TENANT_NOT_FOUND');
  return code;
}
