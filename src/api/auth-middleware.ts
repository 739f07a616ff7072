/** Resolves the Bearer token (or HTTP basic credentials) to an active user. */
import type { Context, Next } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.js';
import { isServiceAccount, toPrincipal, type Principal } from '../auth/principal.js';
import { checkPassword, loginGuardFor } from '../auth/credentials.js';
import { isSafeString } from './input-guard.js';
import { tokenHolder } from '../auth/revocation.js';
import type { Services } from './context.js';
import { checkCsrf, hasSessionCookie, sessionUser } from '../web/web-auth.js';

/** `serviceAccounts`: the route is one of the few a service account (role `inps`) may call; elsewhere they get 403. */
export function authenticate(services: Services, opts: { serviceAccounts?: boolean } = {}) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    let principal: Principal | null = null;
    if (/^Bearer\s+/i.test(header)) {
      const token = await services.tokens.verify(header.replace(/^Bearer\s+/i, '').trim());
      // The user and the token's revocation state in one statement: one round trip per request.
      const holder = await tokenHolder(services.orm.em.fork(), token.userId, token.jti);
      // Logged out, revoked with all the user's tokens (password change, deactivation), or the user is gone: refused like an expired one.
      if (!holder || holder.revoked || holder.generation !== token.generation) throw new UnauthorizedError('Token non valido o scaduto', 'INVALID_TOKEN');
      principal = holder.principal;
      ctx.state.token = token;
    } else if (/^Basic\s+/i.test(header)) {
      const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep <= 0 || !isSafeString(decoded)) throw new UnauthorizedError('Credenziali non valide', 'INVALID_CREDENTIALS');
      // Same guard and timing as the login route (brute-force limits, dummy hash for a missing user).
      const user = await checkPassword(services.orm, loginGuardFor(services), decoded.slice(0, sep), decoded.slice(sep + 1), ctx.ip);
      principal = user && toPrincipal(user);
    } else if (hasSessionCookie(ctx)) {
      // The browser application calls the API with its session cookie: CSRF token required on writes.
      const s = await sessionUser(services, ctx);
      if (!s) throw new UnauthorizedError('Sessione scaduta: accedere di nuovo', 'SESSION_EXPIRED');
      checkCsrf(ctx, s.session);
      if (isServiceAccount(s.principal)) throw new ForbiddenError('Utenza di servizio: può chiamare solo gli endpoint a lei riservati', 'SERVICE_ACCOUNT');
      ctx.state.user = s.principal;
      await next();
      return;
    } else {
      throw new UnauthorizedError('Autenticazione richiesta: usare Authorization: Bearer <token>', 'AUTH_REQUIRED');
    }
    if (!principal) throw new UnauthorizedError('Credenziali non valide', 'INVALID_CREDENTIALS');
    if (!opts.serviceAccounts && isServiceAccount(principal)) throw new ForbiddenError('Utenza di servizio: può chiamare solo gli endpoint a lei riservati', 'SERVICE_ACCOUNT');
    ctx.state.user = principal;
    await next();
  };
}
