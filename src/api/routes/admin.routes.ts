/** Tenants (comuni): admin only. Users are in users.routes.ts. */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError } from '../../shared/errors.js';
import { requireRole } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import { belfiore, parseBody } from '../validation.js';
import type { Services } from '../context.js';

const tenantSchema = z.object({ code: belfiore, name: z.string().trim().min(1).max(200) }).strict();

export function adminRoutes(services: Services) {
  const router = new Router();
  const adminOnly = async (ctx: Context, next: Next) => {
    requireRole(ctx.state.user, 'admin');
    await next();
  };

  router.get('/tenants', adminOnly, async (ctx) => {
    const items = await services.orm.em.fork().find(Tenant, {}, { orderBy: { code: 'asc' } });
    ctx.body = { items, total: items.length };
  });
  router.post('/tenants', adminOnly, async (ctx) => {
    const input = parseBody(tenantSchema, ctx.request.body);
    const em = services.orm.em.fork();
    if (await em.findOne(Tenant, { code: input.code })) throw new ConflictError(`Il comune ${input.code} esiste già`, 'TENANT_EXISTS');
    const tenant = Object.assign(new Tenant(), { ...input, createdAt: services.clock.now() });
    await em.persist(tenant).flush().catch(rethrowUnique('TENANT_EXISTS'));
    ctx.status = 201;
    ctx.body = tenant;
  });

  return router;
}

function rethrowUnique(code: string) {
  return (err: unknown) => {
    if (err instanceof UniqueConstraintViolationException) throw new ConflictError('Esiste già', code);
    throw err;
  };
}
