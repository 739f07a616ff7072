/** POST /api/v1/auth/login, POST /api/v1/auth/logout and GET /api/v1/auth/me. */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { checkPassword, loginGuardFor } from '../../auth/credentials.js';
import { currentGeneration, revokeToken } from '../../auth/revocation.js';
import type { VerifiedToken } from '../../auth/tokens.js';
import { parseBody } from '../validation.js';
import type { Services } from '../context.js';
import { toPrincipal } from '../auth-middleware.js';

const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

export function authRoutes(services: Services, authenticated: Middleware) {
  const router = new Router();
  router.post('/auth/login', async (ctx) => {
    const { username, password } = parseBody(loginSchema, ctx.request.body);
    const user = await checkPassword(services.orm, loginGuardFor(services), username, password, ctx.ip);
    const { token, expiresAt } = await services.tokens.issue(user.id, await currentGeneration(services.orm.em.fork(), user.id));
    const p = toPrincipal(user);
    ctx.body = { token, tokenType: 'Bearer', expiresAt, user: { username: p.username, tenant: p.tenant, roles: p.roles, groups: p.groups } };
  });
  // Revokes the token the request carries (HTTP Basic has nothing to revoke).
  router.post('/auth/logout', authenticated, async (ctx) => {
    const token = ctx.state.token as VerifiedToken | undefined;
    if (token) await revokeToken(services.orm.em.fork(), token, services.clock.now());
    ctx.status = 204;
  });
  router.get('/auth/me', authenticated, (ctx) => {
    const p = ctx.state.user;
    ctx.body = { username: p.username, tenant: p.tenant, roles: p.roles, groups: p.groups };
  });
  return router;
}
