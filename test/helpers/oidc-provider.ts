/**
 * A real OpenID Connect provider (`oidc-provider`, development login pages)
 * on a random port, and this application configured to sign in through it
 * (OIDC_* settings, its own HTTP server): the fixture of the SPID/CIE tests.
 * The provider stamps tokens with real time: `oidcClock` starts there and the
 * tests move it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import { loadConfig, oidcSettings } from '../../src/config.js';
import { buildServices, type Services } from '../../src/app-context.js';
import { createApp } from '../../src/api/app.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ManualClock } from '../../src/shared/clock.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { Tenant, User } from '../../src/db/entities/index.js';
import { sharedOrm } from './harness.js';

/** Accounts at the provider: id → codice fiscale asserted (SPID style for one of them). */
export const PEOPLE: Record<string, string> = {
  rossi: 'TINIT-RSSMRA80A01H501U', // has a user here (operatore)
  bianchi: 'BNCLRA85M41F205C', // has a user here, disabled
  verdi: 'VRDGPP70C15L219C', // no user here
  gallo: 'GLLSRA75E55F205Y', // the INPS service account's code (must not sign in)
};

export interface OidcFixture {
  services: Services;
  provider: Provider;
  oidcClock: ManualClock;
  /** The application's base URL and the provider's issuer. */
  base: string;
  issuer: string;
  /** The user the provider's account `rossi` maps to. */
  rossiUsername: string;
  /** An ID token signed by the provider for `clientId` about `account`. */
  idTokenFor(account: string, clientId?: string): Promise<string>;
  close(): Promise<void>;
}

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** A server on a random port whose handler is set later (the app and the provider need each other's address). */
async function listenLater(): Promise<{ server: http.Server; url: string; handle(h: Listener): void }> {
  let handler: Listener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handle: (h) => (handler = h) };
}

export async function startOidcFixture(): Promise<OidcFixture> {
  const app = await listenLater();
  const idp = await listenLater();
  const base = app.url;
  const issuer = idp.url;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'rei', client_secret: 'segreto-di-prova-rei', redirect_uris: [`${base}/accesso/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'] },
      { client_id: 'altra-app', client_secret: 'segreto-di-prova-altra', redirect_uris: ['http://127.0.0.1/cb'], response_types: ['code'], grant_types: ['authorization_code'] },
    ],
    claims: { openid: ['sub'], profile: ['fiscal_number', 'name'] },
    findAccount: (_ctx, id) => (PEOPLE[id] ? { accountId: id, claims: () => ({ sub: id, fiscal_number: PEOPLE[id], name: id }) } : undefined),
    cookies: { keys: ['chiave-cookie-di-prova'] },
    jwks: { keys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as { kty: 'RSA' }] },
    ttl: { IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  idp.handle(provider.callback());

  const orm = await sharedOrm();
  const oidcClock = new ManualClock(new Date());
  const config = {
    ...loadConfig({}),
    databaseUrl: process.env.DATABASE_URL || null,
    oidc: oidcSettings({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'rei', OIDC_CLIENT_SECRET: 'segreto-di-prova-rei', OIDC_REDIRECT_URI: `${base}/accesso/oidc/callback` }),
  };
  const services = await buildServices(config, { clock: new ManualClock('2026-03-02T08:00:00.000Z'), orm, oidcClock });
  await services.oidc!.discover();
  app.handle(createApp(services, silentLogger()).callback());

  // The people's users; a codice fiscale belongs to one user, so an earlier fixture's users (same test process) give theirs up.
  const em = orm.em.fork();
  await em.getConnection().execute(`update app_user set codice_fiscale = null where codice_fiscale in ('RSSMRA80A01H501U', 'BNCLRA85M41F205C', 'GLLSRA75E55F205Y')`);
  const tenant = `O${String(Date.now() % 1000).padStart(3, '0')}`;
  if (!(await em.findOne(Tenant, { code: tenant }))) await em.persist(Object.assign(new Tenant(), { code: tenant, name: 'Comune OIDC', createdAt: new Date() })).flush();
  const hash = await hashPassword(randomUUID());
  const user = (username: string, codiceFiscale: string, roles: string[], active = true) =>
    Object.assign(new User(), { id: randomUUID(), username, passwordHash: hash, tenant: roles.includes('inps') ? null : tenant, roles, groups: [], active, codiceFiscale, createdAt: new Date() });
  const rossiUsername = `rossi-${randomUUID().slice(0, 6)}`;
  em.persist(user(rossiUsername, 'RSSMRA80A01H501U', ['operatore']));
  em.persist(user(`bianchi-${randomUUID().slice(0, 6)}`, 'BNCLRA85M41F205C', ['operatore'], false));
  em.persist(user(`inps-${randomUUID().slice(0, 6)}`, 'GLLSRA75E55F205Y', ['inps']));
  await em.flush();

  return {
    services,
    provider,
    oidcClock,
    base,
    issuer,
    rossiUsername,
    async idTokenFor(account, clientId = 'rei') {
      const client = await provider.Client.find(clientId);
      const token = new provider.IdToken({ sub: account, fiscal_number: PEOPLE[account] ?? 'RSSMRA80A01H501U' }, { client: client! });
      (token as unknown as { scope: string }).scope = 'openid profile';
      token.set('nonce', randomUUID()); // as a client's sign-in would carry: two tokens of the same second differ (signatures are deterministic)
      return token.issue({ use: 'idtoken' });
    },
    async close() {
      await new Promise<void>((resolve) => app.server.close(() => resolve()));
      await new Promise<void>((resolve) => idp.server.close(() => resolve()));
    },
  };
}
