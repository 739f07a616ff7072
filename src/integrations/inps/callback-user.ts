/**
 * The service account INPS posts outcomes with: role `inps`, no comune, usable
 * only on POST /api/v1/inps/esiti. Created at start-up; with
 * INPS_CALLBACK_PASSWORD its password follows the variable, otherwise one is
 * generated (and printed) on creation. When the in-process simulator needs to
 * know it, the generated password is kept in app_setting
 * (`storedCallbackPassword`), so it stays the same across restarts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { User } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../shared/clock.js';

export interface CallbackUserResult {
  username: string;
  created: boolean;
  /** Set when the password was generated here (print it once). */
  generatedPassword?: string;
}

export async function ensureInpsCallbackUser(
  services: { orm: Orm; clock: Clock },
  opts: { username: string; password: string | null },
): Promise<CallbackUserResult> {
  const em = services.orm.em.fork();
  const user = await em.findOne(User, { username: opts.username });
  const generated = opts.password ? undefined : randomBytes(18).toString('base64url');
  if (!user) {
    em.persist(Object.assign(new User(), { id: randomUUID(), username: opts.username, passwordHash: await hashPassword(opts.password ?? generated!), tenant: null, roles: ['inps'], groups: [], createdAt: services.clock.now() }));
    await em.flush();
    return { username: opts.username, created: true, generatedPassword: generated };
  }
  if (!user.roles.includes('inps') || user.tenant !== null) {
    throw new Error(`L'utente "${opts.username}" esiste ma non è un'utenza di servizio INPS (ruolo inps, nessun comune): scegliere un altro INPS_CALLBACK_USER`);
  }
  if (opts.password) {
    if (!(await verifyPassword(opts.password, user.passwordHash))) user.passwordHash = await hashPassword(opts.password);
  }
  await em.flush();
  return { username: opts.username, created: false };
}

/** The callback password the embedded simulator and the service account share when INPS_CALLBACK_PASSWORD is unset: generated once, then kept. */
export async function storedCallbackPassword(orm: Orm): Promise<string> {
  const conn = orm.em.fork().getConnection();
  await conn.execute(`insert into app_setting (key, value) values ('inps_callback_password', ?) on conflict (key) do nothing`, [randomBytes(18).toString('base64url')]);
  const rows = (await conn.execute(`select value from app_setting where key = 'inps_callback_password'`)) as Array<{ value: string }>;
  return rows[0]!.value;
}
