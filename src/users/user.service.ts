/**
 * User administration: list (a responsabile sees the users of their comune,
 * an admin all), change roles and groups, disable and re-enable, change one's
 * own password (the current one is required) and reset another's (admin; a
 * generated password is shown once), set the codice fiscale a SPID/CIE
 * sign-in finds the user by (admin). An admin cannot disable themselves or
 * drop their own admin role, so an active admin always remains.
 * Each change is one transaction on the user's row, locked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../shared/errors.js';
import { hasRole, requireRole, tenantScope, type Principal, type Role } from '../auth/principal.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { Tenant, User } from '../db/entities/index.js';
import { revokeUserTokens } from '../auth/revocation.js';
import { validateCodiceFiscale } from '../subjects/codice-fiscale.js';

export const MIN_PASSWORD = 8;

export interface UserView {
  id: string;
  username: string;
  tenant: string | null;
  roles: string[];
  groups: string[];
  active: boolean;
  /** How a SPID/CIE sign-in (OpenID Connect) finds the user; null: password only. */
  codiceFiscale: string | null;
  createdAt: Date;
}

export interface UserQuery {
  tenant?: string;
  role?: Role;
  group?: string;
  active?: boolean;
}

export interface UserChange {
  roles?: Role[];
  groups?: string[];
  active?: boolean;
  /** null removes it (the user can then sign in with a password only). */
  codiceFiscale?: string | null;
}

export interface NewUser {
  username: string;
  password: string;
  tenant: string | null;
  roles: Role[];
  groups: string[];
  codiceFiscale?: string | null;
}

export function userView(u: User): UserView {
  return { id: u.id, username: u.username, tenant: u.tenant, roles: u.roles, groups: u.groups, active: u.active, codiceFiscale: u.codiceFiscale ?? null, createdAt: u.createdAt };
}

/**
 * A user's codice fiscale: the 16-character personal code (upper-cased,
 * check character verified), as SPID and CIE assert it; anything else 422.
 */
export function userCodiceFiscale(input: string): string {
  const check = validateCodiceFiscale(input);
  if (!check.valid || check.info.kind !== 'persona') {
    const message = check.valid ? "Codice fiscale non valido: serve quello di una persona (16 caratteri)" : check.message;
    throw new ValidationError(message, { fields: [{ field: 'codiceFiscale', message }] }, 'INVALID_CODICE_FISCALE');
  }
  return check.info.codice;
}

/** 409 when another user already has this codice fiscale (one person, one user). */
function codiceFiscaleTaken(): ConflictError {
  return new ConflictError('Il codice fiscale è già di un altro utente', 'CODICE_FISCALE_IN_USE');
}

/** A random password of 16 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export class UserService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** Admin: every user (or one comune's); responsabile: the users of their comune only. */
  async list(p: Principal, q: UserQuery): Promise<User[]> {
    requireRole(p, 'admin', 'responsabile');
    const where: FilterQuery<User> & Record<string, unknown> = {};
    const scope = listScope(p);
    if (scope !== undefined) {
      if (q.tenant && q.tenant !== scope) throw new ForbiddenError(`L'utente appartiene al comune ${scope}`, 'TENANT_MISMATCH');
      where.tenant = scope;
    } else if (q.tenant) where.tenant = q.tenant;
    if (q.role) where.roles = { $overlap: [q.role] };
    if (q.group) where.groups = { $overlap: [q.group] };
    if (q.active !== undefined) where.active = q.active;
    return this.em.fork().find(User, where, { orderBy: { username: 'asc' } });
  }

  async get(p: Principal, username: string): Promise<User> {
    requireRole(p, 'admin', 'responsabile');
    const scope = listScope(p);
    const user = await this.em.fork().findOne(User, { username, ...(scope !== undefined ? { tenant: scope } : {}) });
    if (!user) throw new NotFoundError('Utente', username, 'USER_NOT_FOUND');
    return user;
  }

  /** The caller's own user (any role). */
  async self(p: Principal): Promise<User> {
    const user = await this.em.fork().findOne(User, { id: p.id });
    if (!user) throw new NotFoundError('Utente', p.username, 'USER_NOT_FOUND');
    return user;
  }

  async create(p: Principal, input: NewUser): Promise<User> {
    requireRole(p, 'admin');
    const em = this.em.fork();
    if (input.tenant && !(await em.findOne(Tenant, { code: input.tenant }))) throw new ValidationError(`Comune ${input.tenant} inesistente`, { fields: [{ field: 'tenant', message: 'comune inesistente' }] }, 'UNKNOWN_TENANT');
    if (await em.findOne(User, { username: input.username })) throw new ConflictError(`L'utente ${input.username} esiste già`, 'USER_EXISTS');
    const codiceFiscale = input.codiceFiscale ? userCodiceFiscale(input.codiceFiscale) : null;
    if (codiceFiscale && (await em.findOne(User, { codiceFiscale }))) throw codiceFiscaleTaken();
    const user = Object.assign(new User(), { id: randomUUID(), username: input.username, passwordHash: await hashPassword(input.password), tenant: input.tenant, roles: input.roles, groups: input.groups, codiceFiscale, createdAt: this.clock.now() });
    await em.persist(user).flush().catch((err: unknown) => {
      if (err instanceof UniqueConstraintViolationException) throw codiceFiscale && String((err as Error).message).includes('codice_fiscale') ? codiceFiscaleTaken() : new ConflictError(`L'utente ${input.username} esiste già`, 'USER_EXISTS');
      throw err;
    });
    return user;
  }

  /** Admin: roles, groups, active, codice fiscale. */
  async update(p: Principal, username: string, change: UserChange): Promise<User> {
    requireRole(p, 'admin');
    const codiceFiscale = change.codiceFiscale ? userCodiceFiscale(change.codiceFiscale) : change.codiceFiscale;
    return this.onUser(p, username, async (em, user) => {
      const losesAdmin = user.roles.includes('admin') && ((change.roles && !change.roles.includes('admin')) || change.active === false);
      if (losesAdmin && user.username === p.username) {
        throw new ConflictError('Non puoi togliere a te stesso il ruolo admin né disattivarti: chiedilo a un altro amministratore', 'SELF_LOCKOUT');
      }
      if (change.roles) user.roles = [...new Set(change.roles)];
      if (change.groups) user.groups = [...new Set(change.groups)];
      if (change.active !== undefined) user.active = change.active;
      if (codiceFiscale !== undefined && codiceFiscale !== user.codiceFiscale) {
        if (codiceFiscale && (await em.findOne(User, { codiceFiscale, id: { $ne: user.id } }))) throw codiceFiscaleTaken();
        user.codiceFiscale = codiceFiscale;
      }
      if (change.roles || change.active === false) await revokeUserTokens(em, user.id); // the old tokens carried the old rights
      return user;
    });
  }

  /** The caller's own password; the current one must be given. */
  async changeOwnPassword(p: Principal, current: string, next: string): Promise<void> {
    await this.onUser(p, p.username, async (em, user) => {
      if (!(await verifyPassword(current, user.passwordHash))) throw new UnauthorizedError('La password attuale non è corretta', 'WRONG_PASSWORD');
      if (current === next) throw new ValidationError('La nuova password deve essere diversa da quella attuale', { fields: [{ field: 'newPassword', message: 'uguale alla password attuale' }] }, 'PASSWORD_UNCHANGED');
      user.passwordHash = await hashPassword(next);
      await revokeUserTokens(em, user.id);
      return user;
    });
  }

  /** Admin: sets a new password (the given one, or a generated one returned once). */
  async resetPassword(p: Principal, username: string, password?: string): Promise<{ user: User; generated: string | null }> {
    requireRole(p, 'admin');
    const plain = password ?? generatePassword();
    const user = await this.onUser(p, username, async (em, u) => {
      u.passwordHash = await hashPassword(plain);
      await revokeUserTokens(em, u.id);
      return u;
    });
    return { user, generated: password ? null : plain };
  }

  private async onUser(p: Principal, username: string, change: (em: EntityManager, user: User) => Promise<User>): Promise<User> {
    const scope = tenantScope(p);
    return this.em.fork().transactional(async (em) => {
      const user = await em.findOne(User, { username }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user || (scope && user.tenant !== scope && user.username !== p.username)) throw new NotFoundError('Utente', username, 'USER_NOT_FOUND');
      return change(em, user);
    });
  }
}

/** The comune whose users the caller may see; undefined for all (a metropolitan admin). */
function listScope(p: Principal): string | null | undefined {
  const scope = tenantScope(p);
  if (hasRole(p, 'admin') && !scope) return undefined;
  return scope;
}
