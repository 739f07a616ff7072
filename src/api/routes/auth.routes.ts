/**
 * POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me and
 * POST /api/v1/auth/oidc/token (a SPID/CIE provider's ID token exchanged for
 * this server's token: src/auth/oidc.ts).
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { checkPassword, loginGuardFor } from '../../auth/credentials.js';
import { currentGeneration, revokeToken } from '../../auth/revocation.js';
import type { VerifiedToken } from '../../auth/tokens.js';
import { parseBody } from '../validation.js';
import type { Services } from '../context.js';
import { toPrincipal } from '../../auth/principal.js';
import { DomainError } from '../../shared/errors.js';
import type { User } from '../../db/entities/index.js';

const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });
const oidcTokenSchema = z.object({ id_token: z.string().min(1).max(16_384).regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'atteso un JWT firmato (header.payload.firma)') }).strict();

export function authRoutes(services: Services, authenticated: Middleware) {
  const router = new Router();
  const issue = async (user: User) => {
    const { token, expiresAt } = await services.tokens.issue(user.id, await currentGeneration(services.orm.em.fork(), user.id));
    const p = toPrincipal(user);
    return { token, tokenType: 'Bearer', expiresAt, user: { username: p.username, tenant: p.tenant, roles: p.roles, groups: p.groups } };
  };
  router.post('/auth/login', async (ctx) => {
    const { username, password } = parseBody(loginSchema, ctx.request.body);
    const user = await checkPassword(services.orm, loginGuardFor(services), username, password, ctx.ip);
    ctx.body = await issue(user);
  });
  // SPID/CIE: the provider's ID token (audience OIDC_API_AUDIENCES, not expired, signed by the provider, used once) for this server's token.
  router.post('/auth/oidc/token', async (ctx) => {
    if (!services.oidc) throw new DomainError('OIDC_NOT_CONFIGURED', 'Accesso OIDC (SPID/CIE) non configurato su questo server', 404);
    const { id_token: idToken } = parseBody(oidcTokenSchema, ctx.request.body);
    const user = await services.oidc.exchangeIdToken(idToken);
    ctx.state.user = toPrincipal(user); // the request log line names who signed in
    ctx.body = await issue(user);
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
