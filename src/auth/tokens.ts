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

  async verify(token: string): Promise<VerifiedToken> {
    try {
      const { kid } = decodeProtectedHeader(token);
      const key = typeof kid === 'string' ? this.keys.verification.get(kid) : undefined;
      if (!key) throw new Error('unknown key');
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: this.clock.now() });
      if (!payload.sub || !payload.jti || typeof payload.exp !== 'number') throw new Error('incomplete token');
      return { userId: payload.sub, jti: payload.jti, generation: typeof payload.gen === 'number' ? payload.gen : 0, expiresAt: new Date(payload.exp * 1000) };
    } catch {
      throw new UnauthorizedError('Token non valido o scaduto', 'INVALID_TOKEN');
    }
  }
}
