/**
 * Password sign-in, shared by POST /auth/login and HTTP Basic: the
 * brute-force guard first, then the user and its password — a missing user
 * is checked against a dummy hash so both cost the same — then a rehash of a
 * legacy (bcrypt) hash to Argon2id after a successful check.
 */
import type { MikroORM } from '@mikro-orm/core';
import { UnauthorizedError } from '../shared/errors.js';
import { User } from '../db/entities/index.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { LoginGuard } from './login-guard.js';

const guards = new WeakMap<object, LoginGuard>();

/** One guard per application (services object): tests with their own app start clean. */
export function loginGuardFor(owner: object): LoginGuard {
  let guard = guards.get(owner);
  if (!guard) guards.set(owner, (guard = new LoginGuard()));
  return guard;
}

export async function checkPassword(orm: MikroORM, guard: LoginGuard, username: string, password: string, address: string): Promise<User> {
  await guard.check(username, address);
  const em = orm.em.fork();
  const user = await em.findOne(User, { username, active: true });
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) {
    await guard.fail(username, address);
    throw new UnauthorizedError('Nome utente o password errati', 'INVALID_CREDENTIALS');
  }
  await guard.succeed(username);
  if (needsRehash(user.passwordHash)) {
    user.passwordHash = await hashPassword(password);
    await em.flush();
  }
  return user;
}
