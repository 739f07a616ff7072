/**
 * Who a browser request comes from: the session cookie resolved to an active
 * user, and the CSRF rule for every state-changing request that carries the
 * cookie (pages and the API routes the pages call): the session's token in
 * the `_csrf` form field or the `X-CSRF-Token` header, else 403 CSRF_INVALID.
 */
import type { Context } from 'koa';
import { ForbiddenError } from '../shared/errors.js';
import { toPrincipal, type Principal } from '../auth/principal.js';
import type { Services } from '../api/context.js';
import { SESSION_COOKIE, csrfMatches, type SessionAccount, type WebSession } from './session.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionUser {
  session: WebSession;
  user: SessionAccount;
  principal: Principal;
}

/** The session of the request's cookie with its user, or null when there is none (or it ended). */
export async function sessionUser(services: Services, ctx: Context): Promise<SessionUser | null> {
  const token = ctx.cookies.get(SESSION_COOKIE);
  if (!token) return null;
  const resolved = await services.sessions.resolve(token);
  if (!resolved) return null;
  const { session, account: user } = resolved;
  // A metropolitan user works on the comune chosen in the header (none chosen: all of them).
  const principal: Principal = { ...toPrincipal(user), tenant: user.tenant ?? session.tenant };
  return { session, user, principal };
}

export function hasSessionCookie(ctx: Context): boolean {
  return Boolean(ctx.cookies.get(SESSION_COOKIE));
}

/** 403 CSRF_INVALID unless a state-changing request carries the session's CSRF token. */
export function checkCsrf(ctx: Context, session: WebSession): void {
  if (SAFE_METHODS.has(ctx.method)) return;
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const submitted = ctx.get('x-csrf-token') || (body && typeof body === 'object' ? body._csrf : undefined);
  if (!csrfMatches(session, submitted)) throw new ForbiddenError('Richiesta non valida: la pagina è scaduta, ricaricarla e riprovare', 'CSRF_INVALID');
}
