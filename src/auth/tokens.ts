/**
 * Bearer tokens: JWT signed with Ed25519 (EdDSA, via jose) by a key kept out
 * of the database (src/auth/signing-keys.ts), named by `kid` so rotated keys
 * still verify. A token lives TOKEN_TTL_SECONDS (60 min), carries its own id
 * (`jti`, revoked at logout) and the user's token generation (`gen`, raised
 * to revoke all of a user's tokens: src/auth/revocation.ts).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../shared/clock.js';
import { UnauthorizedError } from '../shared/errors.js';
import type { SigningKeys } from './signing-keys.js';

export const TOKEN_TTL_SECONDS = 60 * 60;
/** Verified tokens remembered per process (see TokenService.verify). */
const VERIFIED_TOKENS_MAX = 10_000;

export interface VerifiedToken {
  userId: string;
  jti: string;
  generation: number;
  expiresAt: Date;
}

export class TokenService {
  constructor(private readonly keys: SigningKeys, private readonly clock: Clock) {}

  async issue(userId: string, generation = 0): Promise<{ token: string; expiresAt: Date; jti: string }> {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const token = await new SignJWT({ gen: generation })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keys.current.kid })
      .setSubject(userId)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.keys.current.privateKey);
    return { token, expiresAt: new Date(exp * 1000), jti };
  }

  /**
   * Tokens whose signature this process has already checked, by their exact text: a client sends the same token
   * with every request, and an Ed25519 verification costs ≈ 0.5 ms of CPU. A hit still needs the token unexpired
   * and its key still trusted (a retired key fails its tokens at once); revocation is checked by the caller, in
   * the database, on every request. Bounded: emptied when full.
   */
  private readonly verified = new Map<string, VerifiedToken & { kid: string }>();

  async verify(token: string): Promise<VerifiedToken> {
    const now = this.clock.now();
    const hit = this.verified.get(token);
    if (hit && now < hit.expiresAt && this.keys.verification.has(hit.kid)) return { userId: hit.userId, jti: hit.jti, generation: hit.generation, expiresAt: hit.expiresAt };
    try {
      const { kid } = decodeProtectedHeader(token);
      const key = typeof kid === 'string' ? this.keys.verification.get(kid) : undefined;
      if (!key) throw new Error('unknown key');
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: now });
      if (!payload.sub || !payload.jti || typeof payload.exp !== 'number') throw new Error('incomplete token');
      const result: VerifiedToken = { userId: payload.sub, jti: payload.jti, generation: typeof payload.gen === 'number' ? payload.gen : 0, expiresAt: new Date(payload.exp * 1000) };
      if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.clear();
      this.verified.set(token, { ...result, kid: kid as string });
      return result;
    } catch {
      this.verified.delete(token);
      throw new UnauthorizedError('Token non valido o scaduto', 'INVALID_TOKEN');
    }
  }
}
