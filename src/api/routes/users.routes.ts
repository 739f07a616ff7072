/**
 * Users: list and detail (admin: all; responsabile: their comune), create and
 * change roles, groups, active and codice fiscale (admin), reset a password (admin), change
 * one's own password (anyone, with the current one). See src/users/user.service.ts.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ROLES } from '../../auth/principal.js';
import { MIN_PASSWORD, UserService, userView } from '../../users/user.service.js';
import { belfiore, parseBody, parseQuery } from '../validation.js';
import type { Services } from '../context.js';

const password = z.string().min(MIN_PASSWORD, `almeno ${MIN_PASSWORD} caratteri`).max(200);
const groups = z.array(z.string().trim().min(1).max(100)).max(50);
/** `me` is reserved: /users/me/password is the caller's own. */
export const usernameSchema = z
  .string()
  .trim()
  .min(2)
  .max(100)
  .regex(/^[A-Za-z0-9._@-]+$/, 'solo lettere, cifre e . _ @ -')
  .refine((u) => u.toLowerCase() !== 'me', 'nome riservato');

/** Bodies and query of the user routes (also checked by the administration pages: the same rules). */
/** Checked for real (check character) by the service: 422 INVALID_CODICE_FISCALE. */
const codiceFiscale = z.string().trim().min(1).max(32);
export const createSchema = z
  .object({ username: usernameSchema, password, tenant: belfiore.nullable(), roles: z.array(z.enum(ROLES)).min(1), groups: groups.default([]), codiceFiscale: codiceFiscale.nullable().optional() })
  .strict();
export const updateSchema = z
  .object({ roles: z.array(z.enum(ROLES)).min(1).optional(), groups: groups.optional(), active: z.boolean().optional(), codiceFiscale: codiceFiscale.nullable().optional() })
  .strict()
  .refine((c) => c.roles !== undefined || c.groups !== undefined || c.active !== undefined || c.codiceFiscale !== undefined, 'indicare almeno uno tra roles, groups, active, codiceFiscale');
export const listSchema = z.object({ tenant: belfiore.optional(), role: z.enum(ROLES).optional(), group: z.string().min(1).max(100).optional(), active: z.enum(['true', 'false']).optional() });
const ownPasswordSchema = z.object({ currentPassword: z.string().min(1).max(200), newPassword: password }).strict();
export const resetSchema = z.object({ password: password.optional() }).strict();

export function userRoutes(services: Services) {
  const router = new Router();
  const users = new UserService(services.orm.em, services.clock);

  router.get('/users', async (ctx) => {
    const q = parseQuery(listSchema, ctx.query);
    const items = await users.list(ctx.state.user, { ...q, active: q.active === undefined ? undefined : q.active === 'true' });
    ctx.body = { items: items.map(userView), total: items.length };
  });
  router.post('/users', async (ctx) => {
    const input = parseBody(createSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = userView(await users.create(ctx.state.user, input));
  });
  router.put('/users/me/password', async (ctx) => {
    const { currentPassword, newPassword } = parseBody(ownPasswordSchema, ctx.request.body);
    await users.changeOwnPassword(ctx.state.user, currentPassword, newPassword);
    ctx.status = 204;
  });
  router.get('/users/me', async (ctx) => {
    ctx.body = userView(await users.self(ctx.state.user));
  });
  router.get('/users/:username', async (ctx) => {
    ctx.body = userView(await users.get(ctx.state.user, ctx.params.username));
  });
  router.patch('/users/:username', async (ctx) => {
    const change = parseBody(updateSchema, ctx.request.body);
    ctx.body = userView(await users.update(ctx.state.user, ctx.params.username, change));
  });
  router.post('/users/:username/reset-password', async (ctx) => {
    const raw = ctx.request.body;
    const { password: chosen } = parseBody(resetSchema, raw === undefined || raw === null ? {} : raw);
    const { user, generated } = await users.resetPassword(ctx.state.user, ctx.params.username, chosen);
    ctx.body = { user: userView(user), ...(generated ? { password: generated } : {}) };
  });
  return router;
}
