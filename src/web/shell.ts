/**
 * What every page shares: the signed-in user of the request (or a redirect to
 * /accesso), the layout model (comune in the header, the comune switch of a
 * metropolitan user, the CSRF token, the one-time message), the role check
 * (403 page) and the start page of each role.
 */
import type { Context } from 'koa';
import { comuniOf } from './cache.js';
import { hasRole, type Principal, type Role } from '../auth/principal.js';
import { ForbiddenError } from '../shared/errors.js';
import type { Services } from '../api/context.js';
import { sessionUser, type SessionUser } from './web-auth.js';
import { navFor, type LayoutModel } from './render.js';
import type { Flash } from './session.service.js';

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'amministratore',
  analista: 'analista',
  responsabile: 'responsabile',
  operatore: 'operatore',
  assistente_sociale: 'assistente sociale',
  inps: 'utenza INPS',
};

/** Roles that work on cases and tasks (the inbox, the task page). */
export const CASE_ROLES: Role[] = ['operatore', 'assistente_sociale', 'responsabile', 'admin'];

/** Thrown by a page when nobody is signed in: the web middleware redirects to /accesso. */
export class SignInRequired extends Error {}

export async function requireUser(services: Services, ctx: Context): Promise<SessionUser> {
  const s = await sessionUser(services, ctx);
  if (!s) throw new SignInRequired();
  return s;
}

/** 403 page unless the user has one of the roles. */
export function requirePageRole(p: Principal, roles: readonly Role[]): void {
  if (!hasRole(p, ...roles)) throw new ForbiddenError('Questa pagina non è prevista per il tuo ruolo.', 'ROLE_REQUIRED');
}

/** Where `/` sends a signed-in user: the first section of the header their roles see. */
export function startPage(p: Principal): string {
  return navFor(p.roles, '/')[0]?.href ?? '/accessibilita';
}

/** The layout model of a signed-in page; shows (and clears) the session's pending message. */
export async function layoutFor(services: Services, ctx: Context, s: SessionUser, page: { title: string; breadcrumbs?: LayoutModel['breadcrumbs']; flash?: Flash | null }): Promise<LayoutModel> {
  const tenants = (await comuniOf(services)).list;
  const code = s.principal.tenant;
  const comune = code ? tenants.find((t) => t.code === code) : undefined;
  const metropolitan = s.user.tenant === null;
  let flash = page.flash ?? null;
  if (s.session.flash) {
    flash ??= s.session.flash;
    await services.sessions.setFlash(s.session.id, null);
  }
  ctx.set('Cache-Control', 'no-store');
  return {
    title: page.title,
    path: ctx.path,
    user: { username: s.user.username, roles: s.principal.roles.map((r) => ROLE_LABELS[r] ?? r).join(', '), metropolitan, caseWork: hasRole(s.principal, ...CASE_ROLES), roleKeys: [...s.principal.roles] },
    comune: comune ? { code: comune.code, name: comune.name } : null,
    comuni: metropolitan ? tenants.map((t) => ({ code: t.code, name: t.name, selected: t.code === code })) : [],
    csrf: s.session.csrfToken,
    breadcrumbs: page.breadcrumbs,
    flash,
  };
}
