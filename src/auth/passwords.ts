/**
 * Password hashing with Argon2id (@node-rs/argon2: native, runs on libuv's
 * thread pool, so hashing never blocks the event loop). bcrypt hashes of
 * existing users stay verifiable (bcryptjs) and are replaced by Argon2id at
 * their next successful login (needsRehash). A missing user is checked
 * against a dummy hash, so "no such user" costs what a wrong password costs.
 */
import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** Argon2id, OWASP's minimum (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string): Promise<string> {
  return argon2Hash(plain, ARGON2);
}

export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  try {
    if (hash.startsWith('$argon2')) return await argon2Verify(hash, plain);
    if (/^\$2[aby]\$/.test(hash)) return await bcrypt.compare(plain, hash);
    return false;
  } catch {
    return false;
  }
}

/** True for a hash that is not Argon2id with the current parameters (rehash it at the next login). */
export function needsRehash(hash: string): boolean {
  return !hash.startsWith(`$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`);
}

let dummy: Promise<string> | null = null;
/** A hash of a random secret nobody knows: what a missing user's password is checked against. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummy;
}
