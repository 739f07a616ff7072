/**
 * Browser sessions, kept on the server: the cookie carries a random token, the
 * web_session row its SHA-256 (a stolen table dump opens nothing), the user,
 * the comune a metropolitan user works on, and the CSRF token of the session.
 * A session ends on logout (row deleted), after `idleMinutes` without a
 * request, or 12 hours after sign-in.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';

export const SESSION_COOKIE = 'rei_sessione';
const MAX_AGE_MS = 12 * 3600_000;
/** last_seen_at is written at most this often (a page view is not a write each time). */
const TOUCH_EVERY_MS = 60_000;

export interface Flash {
  kind: 'success' | 'danger' | 'info' | 'warning';
  message: string;
}

/** The signed-in user as the session row's join gives it (active users only). */
export interface SessionAccount {
  id: string;
  username: string;
  tenant: string | null;
  roles: string[];
  groups: string[];
}

export interface WebSession {
  id: string;
  userId: string;
  tenant: string | null;
  csrfToken: string;
  /** The inbox filters of the session (kept here, not in the URL: they may hold a name or a codice fiscale). */
  inboxFilter: Record<string, string> | null;
  /** A message for the next page (after a redirect), shown once. */
  flash: Flash | null;
}

export class SessionService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly idleMinutes: number,
  ) {}

  /** A new session for the user; returns the cookie value (never stored as such). */
  async create(userId: string, tenant: string | null): Promise<{ token: string; session: WebSession }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const id = hash(token);
    const conn = this.em.fork().getConnection();
    await conn.execute(`delete from web_session where expires_at < ? or last_seen_at < ?`, [now, new Date(now.getTime() - this.idleMs())]);
    await conn.execute(`insert into web_session (id, user_id, tenant, csrf_token, created_at, last_seen_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)`, [id, userId, tenant, csrfToken, now, now, new Date(now.getTime() + MAX_AGE_MS)]);
    return { token, session: { id, userId, tenant, csrfToken, inboxFilter: null, flash: null } };
  }

  /** The live session of a cookie value with its (active) user, or null (unknown, logged out, idle too long, too old). */
  async resolve(token: string): Promise<{ session: WebSession; account: SessionAccount } | null> {
    if (!token || token.length > 100) return null;
    const now = this.clock.now();
    const conn = this.em.fork().getConnection();
    const [row] = (await conn.execute(
      `select s.id, s.user_id as "userId", s.tenant, s.csrf_token as "csrfToken", s.inbox_filter as "inboxFilter", s.flash, s.last_seen_at as "lastSeenAt", s.expires_at as "expiresAt",
              u.username, u.tenant as "userTenant", u.roles, u.groups
         from web_session s join app_user u on u.id = s.user_id and u.active
        where s.id = ?`,
      [hash(token)],
    )) as Array<WebSession & { lastSeenAt: Date | string; expiresAt: Date | string; username: string; userTenant: string | null; roles: string[]; groups: string[] }>;
    if (!row) return null;
    const lastSeen = new Date(row.lastSeenAt).getTime();
    if (new Date(row.expiresAt).getTime() <= now.getTime() || now.getTime() - lastSeen > this.idleMs()) {
      await conn.execute(`delete from web_session where id = ?`, [row.id]);
      return null;
    }
    if (now.getTime() - lastSeen > TOUCH_EVERY_MS) await conn.execute(`update web_session set last_seen_at = ? where id = ?`, [now, row.id]);
    return {
      session: { id: row.id, userId: row.userId, tenant: row.tenant, csrfToken: row.csrfToken, inboxFilter: json(row.inboxFilter), flash: json(row.flash) },
      account: { id: row.userId, username: row.username, tenant: row.userTenant, roles: row.roles, groups: row.groups },
    };
  }

  async setInboxFilter(sessionId: string, filter: Record<string, string> | null): Promise<void> {
    await this.em.fork().getConnection().execute(`update web_session set inbox_filter = ?::jsonb where id = ?`, [filter ? JSON.stringify(filter) : null, sessionId]);
  }

  /** Sets the message for the next page; null clears it (once shown). */
  async setFlash(sessionId: string, flash: Flash | null): Promise<void> {
    await this.em.fork().getConnection().execute(`update web_session set flash = ?::jsonb where id = ?`, [flash ? JSON.stringify(flash) : null, sessionId]);
  }

  async setTenant(sessionId: string, tenant: string | null): Promise<void> {
    await this.em.fork().getConnection().execute(`update web_session set tenant = ? where id = ?`, [tenant, sessionId]);
  }

  async destroy(sessionId: string): Promise<void> {
    await this.em.fork().getConnection().execute(`delete from web_session where id = ?`, [sessionId]);
  }

  private idleMs(): number {
    return this.idleMinutes * 60_000;
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: WebSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || !submitted) return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

function json<T>(v: T | string | null): T | null {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
