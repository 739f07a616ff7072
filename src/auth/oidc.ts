/**
 * Sign-in with SPID/CIE through an OpenID Connect provider (issue 11, item 5),
 * with `openid-client` (discovery, authorization code flow with PKCE, state
 * and nonce, ID token and userinfo checks) and `jose` (ID tokens a client
 * brings to POST /api/v1/auth/oidc/token). The provider asserts the person's
 * codice fiscale in a claim (OIDC_FISCAL_CLAIM, default `fiscal_number`; SPID
 * writes it `TINIT-<codice>`); the user with that codice fiscale signs in.
 * Nobody is created here: a person without a user is refused, as are a
 * disabled user and a service account. Passwords stay for development and
 * service accounts.
 *
 * Time: the provider stamps its tokens with real time, so they are checked
 * against `clock` — the wall clock in the server (not CLOCK_OFFSET's demo
 * time), a clock the tests move.
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcSettings } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import { DomainError, ForbiddenError, UnauthorizedError } from '../shared/errors.js';
import { User } from '../db/entities/index.js';
import { validateCodiceFiscale } from '../subjects/codice-fiscale.js';
import { SERVICE_ROLES, type Role } from './principal.js';

/** How long a browser has to come back from the provider (minutes). */
export const PENDING_LOGIN_MINUTES = 10;

/** What the browser keeps (cookie) between leaving for the provider and coming back. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** When the sign-in started (ms since epoch, the OIDC clock). */
  startedAt: number;
}

export class OidcUnavailableError extends DomainError {
  readonly retryAfterSeconds = 30;
  constructor(message: string) {
    super('OIDC_PROVIDER_UNAVAILABLE', message, 503);
  }
}

interface Discovered {
  server: client.ServerMetadata;
  jwks: ReturnType<typeof createRemoteJWKSet>;
}

export class OidcSignIn {
  private discovered: Promise<Discovered> | null = null;
  private jwksCache: client.ExportedJWKSCache | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly orm: Orm,
    private readonly clock: Clock,
  ) {}

  /** Reads the provider's discovery document (at start-up; again after a failure). Throws a clear error when it cannot. */
  async discover(): Promise<void> {
    await this.metadata();
  }

  /** Where to send the browser, and what it must bring back (kept in a cookie by the web layer). */
  async authorizationRequest(): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.configuration();
    const pending: PendingLogin = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier(), startedAt: this.clock.now().getTime() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /**
   * The browser came back to the redirect URI with `query`: code exchanged
   * (PKCE verifier, state and nonce checked), ID token verified, codice
   * fiscale from the ID token or else from userinfo; returns the user.
   */
  async completeCodeFlow(query: string, pending: PendingLogin | null): Promise<User> {
    if (!pending || this.clock.now().getTime() - pending.startedAt > PENDING_LOGIN_MINUTES * 60_000 || pending.startedAt > this.clock.now().getTime() + 60_000) {
      throw new UnauthorizedError('La procedura di accesso è scaduta o è stata aperta in un altro browser: riprovare', 'OIDC_LOGIN_EXPIRED');
    }
    const config = await this.configuration();
    const currentUrl = new URL(this.settings.redirectUri);
    currentUrl.search = query;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (err) {
      throw codeFlowError(err);
    } finally {
      this.jwksCache = client.getJwksCache(config) ?? this.jwksCache;
    }
    const claims = tokens.claims();
    if (!claims) throw new UnauthorizedError('Il provider non ha restituito un ID token', 'OIDC_SIGN_IN_FAILED');
    let fiscal = claims[this.settings.fiscalClaim];
    if (fiscal === undefined && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        fiscal = info[this.settings.fiscalClaim];
      } catch (err) {
        throw codeFlowError(err);
      }
    }
    return this.userFor(fiscal);
  }

  /**
   * An ID token a client obtained from the provider (POST /api/v1/auth/oidc/token):
   * signature (the provider's JWKS), issuer, audience (OIDC_API_AUDIENCES),
   * expiry and the codice fiscale claim; each ID token is accepted once.
   */
  async exchangeIdToken(idToken: string): Promise<User> {
    const { server, jwks } = await this.metadata();
    const now = this.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: server.issuer,
        audience: this.settings.apiAudiences,
        currentDate: now,
        clockTolerance: 30,
        requiredClaims: ['sub', 'iat', 'exp'],
        algorithms: (server.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => a !== 'none'),
      }));
    } catch (err) {
      if (err instanceof OidcUnavailableError) throw err;
      throw idTokenError(err);
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && (typeof payload.azp !== 'string' || !this.settings.apiAudiences.includes(payload.azp))) {
      throw new UnauthorizedError('ID token non valido: destinatario (aud/azp) non accettato da questo server', 'INVALID_ID_TOKEN');
    }
    const user = await this.userFor(payload[this.settings.fiscalClaim]);
    // Once only: a copied ID token cannot be exchanged again (kept until it expires, with the revoked tokens).
    const jti = `oidc:${createHash('sha256').update(idToken).digest('base64url')}`.slice(0, 64);
    const conn = this.orm.em.fork().getConnection();
    const inserted = (await conn.execute('insert into revoked_token (jti, user_id, expires_at) values (?, ?, ?) on conflict (jti) do nothing returning jti', [jti, user.id, new Date((payload.exp ?? 0) * 1000 + 60_000)])) as unknown[];
    if (!inserted.length) throw new UnauthorizedError('ID token già usato: ottenerne uno nuovo dal provider', 'ID_TOKEN_REUSED');
    return user;
  }

  /** The active, non-service user whose codice fiscale the provider asserted. */
  private async userFor(claim: unknown): Promise<User> {
    if (typeof claim !== 'string' || !claim.trim()) {
      throw new ForbiddenError(`Il provider non ha comunicato il codice fiscale (attributo ${this.settings.fiscalClaim}): impossibile riconoscere l'utente`, 'FISCAL_NUMBER_MISSING');
    }
    const codiceFiscale = fiscalNumber(claim);
    if (!codiceFiscale) throw new ForbiddenError('Il codice fiscale comunicato dal provider non è valido', 'FISCAL_NUMBER_INVALID');
    const user = await this.orm.em.fork().findOne(User, { codiceFiscale });
    if (!user) throw new ForbiddenError("Nessun utente di questo servizio corrisponde all'identità SPID/CIE: chiedere all'amministratore di abilitare il proprio codice fiscale", 'OIDC_USER_UNKNOWN');
    if (!user.active) throw new ForbiddenError("L'utente è disattivato: rivolgersi all'amministratore", 'USER_DISABLED');
    if (user.roles.some((r) => SERVICE_ROLES.includes(r as Role))) throw new ForbiddenError('Le utenze di servizio non accedono con SPID/CIE', 'SERVICE_ACCOUNT');
    return user;
  }

  /** A Configuration for this call: the provider's metadata, the client, the clock's offset from real time. */
  private async configuration(): Promise<client.Configuration> {
    const { server } = await this.metadata();
    const skewSeconds = Math.round((this.clock.now().getTime() - Date.now()) / 1000);
    const config = new client.Configuration(server, this.settings.clientId, { [client.clockSkew]: skewSeconds, ...(this.settings.clientSecret ? { client_secret: this.settings.clientSecret } : {}) });
    if (isPlainHttp(this.settings.issuer)) client.allowInsecureRequests(config);
    if (this.jwksCache) client.setJwksCache(config, this.jwksCache);
    return config;
  }

  private metadata(): Promise<Discovered> {
    this.discovered ??= (async () => {
      let config: client.Configuration;
      try {
        config = await client.discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret ?? undefined, undefined, isPlainHttp(this.settings.issuer) ? { execute: [client.allowInsecureRequests] } : undefined);
      } catch (err) {
        throw new OidcUnavailableError(`Provider OIDC ${this.settings.issuer} non raggiungibile o configurato male (discovery non riuscita: ${describe(err)}): controllare OIDC_ISSUER`);
      }
      const server = config.serverMetadata();
      if (!server.jwks_uri || !server.authorization_endpoint || !server.token_endpoint) {
        throw new OidcUnavailableError(`Provider OIDC ${this.settings.issuer}: la discovery non indica jwks_uri, authorization_endpoint e token_endpoint`);
      }
      return { server, jwks: createRemoteJWKSet(new URL(server.jwks_uri)) };
    })();
    this.discovered.catch(() => {
      this.discovered = null; // try again at the next sign-in
    });
    return this.discovered;
  }
}

/** The codice fiscale of a claim value: SPID's `TINIT-` prefix dropped, upper-cased; null unless a valid personal code. */
export function fiscalNumber(claim: string): string | null {
  const code = claim.trim().toUpperCase().replace(/^TINIT-/, '');
  const check = validateCodiceFiscale(code);
  return check.valid && check.info.kind === 'persona' ? check.info.codice : null;
}

function isPlainHttp(url: string): boolean {
  return url.startsWith('http:');
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  return [e.code, e.cause?.code, typeof e.message === 'string' ? e.message.slice(0, 200) : null].filter((x) => typeof x === 'string' && x).join(': ') || String(err);
}

function idTokenError(err: unknown): DomainError {
  if (err instanceof joseErrors.JWTExpired) return new UnauthorizedError('ID token scaduto: ottenerne uno nuovo dal provider', 'INVALID_ID_TOKEN');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const what = err.claim === 'aud' ? 'destinatario (aud) errato: non è stato emesso per questo servizio' : err.claim === 'iss' ? 'emittente (iss) diverso dal provider configurato' : `attributo ${err.claim} non valido`;
    return new UnauthorizedError(`ID token non valido: ${what}`, 'INVALID_ID_TOKEN');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) return new UnauthorizedError('ID token non valido: firma non verificabile con le chiavi del provider', 'INVALID_ID_TOKEN');
  if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) return new OidcUnavailableError('Chiavi del provider OIDC non raggiungibili: riprovare tra poco');
  return new UnauthorizedError('ID token non valido', 'INVALID_ID_TOKEN');
}

function codeFlowError(err: unknown): DomainError {
  if (err instanceof client.AuthorizationResponseError) return new UnauthorizedError(err.error === 'access_denied' ? 'Accesso annullato o negato presso il provider SPID/CIE' : 'Il provider SPID/CIE ha rifiutato la richiesta di accesso', 'OIDC_SIGN_IN_FAILED');
  if (err instanceof TypeError && /fetch/i.test(err.message)) return new OidcUnavailableError('Provider OIDC non raggiungibile: riprovare tra poco');
  return new UnauthorizedError('Accesso con SPID/CIE non riuscito: risposta del provider non valida', 'OIDC_SIGN_IN_FAILED');
}
