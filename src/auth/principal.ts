/**
 * Who is calling: username, comune (null = metropolitan level), roles and
 * candidate groups. Role checks and the tenant scope derive from here.
 */
import { ForbiddenError } from '../shared/errors.js';

export const ROLES = ['admin', 'analista', 'responsabile', 'operatore', 'assistente_sociale', 'inps'] as const;
export type Role = (typeof ROLES)[number];

/** Roles of service accounts (INPS posting outcomes): they may call only the routes made for them. */
export const SERVICE_ROLES: readonly Role[] = ['inps'];

export function isServiceAccount(p: Principal): boolean {
  return p.roles.some((r) => SERVICE_ROLES.includes(r));
}

export interface Principal {
  id: string;
  username: string;
  tenant: string | null;
  roles: Role[];
  groups: string[];
}

/** A user (entity or row) as the principal of a request. */
export function toPrincipal(user: { id: string; username: string; tenant: string | null; roles: readonly string[]; groups: string[] }): Principal {
  return { id: user.id, username: user.username, tenant: user.tenant, roles: user.roles as Role[], groups: user.groups };
}

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.some((r) => roles.includes(r));
}

export function requireRole(p: Principal, ...roles: Role[]): void {
  if (!hasRole(p, ...roles)) throw new ForbiddenError(`Serve uno dei ruoli: ${roles.join(', ')}`, 'ROLE_REQUIRED', { required: roles });
}

/** The tenant filter for reads: a comune user sees only its comune; metropolitan users see all. */
export function tenantScope(p: Principal): string | null {
  return p.tenant;
}

/**
 * The comune a write acts on. A comune user may only act on its own comune
 * (another comune answers 403); metropolitan users must name one when needed.
 */
export function actingTenant(p: Principal, requested: string | null | undefined): string | null {
  if (p.tenant) {
    if (requested && requested !== p.tenant) throw new ForbiddenError(`L'utente appartiene al comune ${p.tenant}`, 'TENANT_MISMATCH');
    return p.tenant;
  }
  return requested ?? null;
}
