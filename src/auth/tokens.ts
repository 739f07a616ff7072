/**
 * Bearer tokens: JWT (HS256, via jose) carrying the user id; the signing
 * secret is generated once and kept in the database so every server and
 * worker process accepts the same tokens across restarts.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Clock } from '../shared/clock.js';
import { UnauthorizedError } from '../shared/errors.js';

export const TOKEN_TTL_SECONDS = 12 * 3600;

export class TokenService {
  private readonly key: Uint8Array;
  constructor(secret: string, private readonly clock: Clock) {
    this.key = new TextEncoder().encode(secret);
  }

  static newSecret(): string {
    return randomBytes(48).toString('base64url');
  }

  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + TOKEN_TTL_SECONDS;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt(iat).setExpirationTime(exp).sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: this.clock.now() });
      if (!payload.sub) throw new Error('no subject');
      return payload.sub;
    } catch {
      throw new UnauthorizedError('Token non valido o scaduto', 'INVALID_TOKEN');
    }
  }
}
