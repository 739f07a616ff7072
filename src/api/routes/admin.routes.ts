/** Tenants (comuni) and users: admin only. */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import { requireRole, ROLES } from '../../auth/principal.js';
import { hashPassword } from '../../auth/passwords.js';
import { Tenant, User } from '../../db/entities/index.js';
import { belfiore, parseBody } from '../validation.js';
import type { Services } from '../context.js';

const tenantSchema = z.object({ code: belfiore, name: z.string().trim().min(1).max(200) }).strict();
const userSchema = z
  .object({
    username: z.string().trim().min(2).max(100).regex(/^[A-Za-z0-9._@-]+$/, 'solo lettere, cifre e . _ @ -'),
    password: z.string().min(8, 'almeno 8 caratteri').max(200),
    tenant: belfiore.nullable(),
    roles: z.array(z.enum(ROLES)).min(1),
    groups: z.array(z.string().trim().min(1).max(100)).default([]),
  })
  .strict();

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

  router.get('/users', adminOnly, async (ctx) => {
    const items = await services.orm.em.fork().find(User, {}, { orderBy: { username: 'asc' } });
    ctx.body = { items: items.map(userView), total: items.length };
  });
  router.post('/users', adminOnly, async (ctx) => {
    const input = parseBody(userSchema, ctx.request.body);
    const em = services.orm.em.fork();
    if (input.tenant && !(await em.findOne(Tenant, { code: input.tenant }))) throw new ValidationError(`Comune ${input.tenant} inesistente`, { fields: [{ field: 'tenant', message: 'comune inesistente' }] }, 'UNKNOWN_TENANT');
    if (await em.findOne(User, { username: input.username })) throw new ConflictError(`L'utente ${input.username} esiste già`, 'USER_EXISTS');
    const user = Object.assign(new User(), { id: randomUUID(), username: input.username, passwordHash: await hashPassword(input.password), tenant: input.tenant, roles: input.roles, groups: input.groups, createdAt: services.clock.now() });
    await em.persist(user).flush().catch(rethrowUnique('USER_EXISTS'));
    ctx.status = 201;
    ctx.body = userView(user);
  });
  return router;
}

export function userView(u: User) {
  return { id: u.id, username: u.username, tenant: u.tenant, roles: u.roles, groups: u.groups, active: u.active, createdAt: u.createdAt };
}

function rethrowUnique(code: string) {
  return (err: unknown) => {
    if (err instanceof UniqueConstraintViolationException) throw new ConflictError('Esiste già', code);
    throw err;
  };
}
