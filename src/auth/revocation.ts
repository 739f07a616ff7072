/**
 * Token revocation: logout revokes one token (its jti, kept until the token
 * would have expired anyway); revokeUserTokens() revokes every token of a
 * user by raising the user's token generation — call it on password change,
 * deactivation or a change of roles.
 */
import type { EntityManager } from '@mikro-orm/core';
import { toPrincipal, type Principal } from './principal.js';

/** Revokes every token issued so far to the user (inside the caller's transaction when `em` is one). */
export async function revokeUserTokens(em: EntityManager, userId: string): Promise<void> {
  await em.getConnection().execute('update app_user set token_generation = token_generation + 1 where id = ?', [userId], 'run', em.getTransactionContext());
}

/** Revokes one token (logout); drops revocations of tokens that have expired meanwhile. */
export async function revokeToken(em: EntityManager, token: { jti: string; userId: string; expiresAt: Date }, now: Date): Promise<void> {
  const conn = em.getConnection();
  const ctx: unknown = em.getTransactionContext();
  await conn.execute('insert into revoked_token (jti, user_id, expires_at) values (?, ?, ?) on conflict (jti) do nothing', [token.jti, token.userId, token.expiresAt], 'run', ctx);
  await conn.execute('delete from revoked_token where expires_at < ?', [now], 'run', ctx);
}

/**
 * A bearer token's holder, read with its revocation state in one statement: the user (active only) as a principal,
 * their current token generation, and whether this token id was revoked. null: no such active user.
 */
export async function tokenHolder(em: EntityManager, userId: string, jti: string): Promise<{ principal: Principal; generation: number; revoked: boolean } | null> {
  const [row] = (await em.getConnection().execute(
    `select id, username, tenant, roles, groups, token_generation as generation, exists (select 1 from revoked_token where jti = ?) as revoked
       from app_user where id = ? and active`,
    [jti, userId],
  )) as Array<{ id: string; username: string; tenant: string | null; roles: string[]; groups: string[]; generation: number; revoked: boolean }>;
  if (!row) return null;
  return {
    principal: toPrincipal(row),
    generation: Number(row.generation),
    revoked: !!row.revoked,
  };
}

/** The generation a new token of this user carries. */
export async function currentGeneration(em: EntityManager, userId: string): Promise<number> {
  const [row] = (await em.getConnection().execute('select token_generation from app_user where id = ?', [userId])) as Array<{ token_generation: number }>;
  return row?.token_generation ?? 0;
}
