/**
 * Authentication of INPS on the WaaS pull API, as PDND does it: a bearer JWT
 * (the PDND voucher) signed RS256 with a key of the configured public key set
 * (a JWKS file), with the configured issuer and audience, not expired.
 *
 * WAAS_AUDIENCE may contain `{belfiore}` (e.g.
 * `https://rei.example.it/waas/{belfiore}/v1`): the audience then differs per
 * comune, and a voucher issued for one comune's e-service is refused by
 * every other. Without the placeholder one audience covers every comune the
 * server hosts.
 *
 * Package: jose (JWT/JWS/JWKS verification, no native code).
 */
import fs from 'node:fs';
import { createLocalJWKSet, jwtVerify, errors as joseErrors, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';

export interface WaasSettings {
  jwksFile: string | null;
  issuer: string | null;
  audience: string | null;
}

export class WaasAuthError extends DomainError {
  constructor(message: string, code = 'WAAS_TOKEN_INVALID') {
    super(code, message, 401);
  }
}

/** Seconds of clock skew tolerated on exp/nbf/iat (PDND vouchers are short-lived). */
const CLOCK_TOLERANCE_S = 30;

export class WaasAuth {
  private constructor(
    private readonly keys: ReturnType<typeof createLocalJWKSet>,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly clock: Clock,
  ) {}

  /**
   * The verifier of the configured settings, or why there is none (then the
   * WaaS endpoints answer 503 and the server says so at start).
   */
  static fromSettings(s: WaasSettings, clock: Clock): { auth: WaasAuth; reason: null } | { auth: null; reason: string } {
    const missing = [!s.jwksFile && 'WAAS_JWKS_FILE', !s.issuer && 'WAAS_ISSUER', !s.audience && 'WAAS_AUDIENCE'].filter(Boolean);
    if (missing.length) return { auth: null, reason: `API WaaS SIUSS non configurata: mancano ${missing.join(', ')}` };
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(fs.readFileSync(s.jwksFile!, 'utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw new Error('nessuna chiave in "keys"');
      if (!jwks.keys.some((k) => k.kty === 'RSA')) throw new Error('nessuna chiave RSA (serve RS256)');
    } catch (err) {
      return { auth: null, reason: `API WaaS SIUSS non configurata: WAAS_JWKS_FILE ${s.jwksFile} non è un JWKS leggibile (${(err as Error).message})` };
    }
    return { auth: new WaasAuth(createLocalJWKSet(jwks), s.issuer!, s.audience!, clock), reason: null };
  }

  /** The audience a voucher for this comune must carry. */
  audienceFor(belfiore: string): string {
    return this.audience.replaceAll('{belfiore}', belfiore);
  }

  /** The claims of a valid voucher for this comune; WaasAuthError (401) otherwise. */
  async verify(authorization: string, belfiore: string): Promise<JWTPayload> {
    const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/.exec(authorization);
    if (!m) throw new WaasAuthError('Serve un token PDND (Authorization: Bearer <JWT>)', 'WAAS_TOKEN_MISSING');
    try {
      const { payload } = await jwtVerify(m[1]!, this.keys, {
        algorithms: ['RS256'],
        issuer: this.issuer,
        audience: this.audienceFor(belfiore),
        currentDate: this.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'iat'],
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new WaasAuthError('Token PDND scaduto', 'WAAS_TOKEN_EXPIRED');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        const claim = err.claim;
        if (claim === 'aud') throw new WaasAuthError(`Token PDND non destinato a questo comune (audience attesa ${this.audienceFor(belfiore)})`, 'WAAS_TOKEN_AUDIENCE');
        if (claim === 'iss') throw new WaasAuthError('Token PDND di un emittente non riconosciuto', 'WAAS_TOKEN_ISSUER');
        throw new WaasAuthError(`Token PDND non valido (${claim})`);
      }
      if (err instanceof joseErrors.JOSEError) throw new WaasAuthError('Token PDND non valido: firma, chiave o algoritmo non accettati');
      throw err;
    }
  }
}
