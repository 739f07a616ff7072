/**
 * Issue 11, item 5: sign-in with SPID/CIE through OpenID Connect, end to end
 * against a real provider (`oidc-provider`, run here on a random port with
 * its development login pages). The browser flow (authorization code with
 * PKCE, state, nonce) is followed over HTTP with a cookie jar, up to the web
 * session; the API flow exchanges the provider's ID token for this server's
 * token and refuses a wrong audience, an expired token, a bad signature, a
 * person without a user here, a disabled user, a second use.
 * The provider stamps tokens with real time: the OIDC clock starts at real
 * time and the test moves it (never sleeps).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, oidcSettings } from '../../src/config.js';
import { buildServices, type Services } from '../../src/app-context.js';
import type { ManualClock } from '../../src/shared/clock.js';
import { fiscalNumber } from '../../src/auth/oidc.js';
import { User } from '../../src/db/entities/index.js';
import { Client, sharedOrm } from '../helpers/harness.js';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc-provider.js';

let fx: OidcFixture;
let services: Services;
let oidcClock: ManualClock;
let base: string;
let issuer: string;
let rossiUsername: string;

test.before(async () => {
  fx = await startOidcFixture();
  ({ services, oidcClock, base, issuer, rossiUsername } = fx);
});

test.after(async () => fx.close());

/** A browser's cookie jar over fetch: cookies per host (like a browser, ports aside), redirects followed by hand. */
class Browser {
  private readonly jar = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects; returns the last response and its URL. */
  async follow(url: string, init: { form?: Record<string, string> } = {}): Promise<{ res: Response; url: string; hops: string[] }> {
    let res = await this.request(url, init);
    const hops = [url];
    while (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      hops.push(url);
      res = await this.request(url);
    }
    return { res, url, hops };
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  /** Signs in at the provider's development pages as `account` (login, then consent) and comes back to the app. */
  async signInAtProvider(account: string): Promise<{ res: Response; url: string; hops: string[] }> {
    let step = await this.follow(`${base}/accesso/oidc`);
    for (let i = 0; i < 4 && step.url.startsWith(issuer) && /\/interaction\//.test(step.url); i++) {
      const html = await step.res.text();
      const action = new URL(step.url).pathname;
      step = /value="login"/.test(html) ? await this.follow(`${issuer}${action}`, { form: { prompt: 'login', login: account, password: 'qualsiasi' } }) : await this.follow(`${issuer}${action}`, { form: { prompt: 'consent' } });
    }
    return step;
  }
}

const idTokenFor = (account: string, clientId?: string) => fx.idTokenFor(account, clientId);

test('the sign-in page offers "Entra con SPID / CIE" when OIDC is configured', async () => {
  const res = await new Browser().request(`${base}/accesso`);
  const html = await res.text();
  assert.is(res.status, 200);
  assert.match(html, 'Entra con SPID / CIE');
  assert.match(html, 'href="/accesso/oidc"');
});

test('browser: code flow with PKCE, state and nonce through the provider ends in a web session; logout ends it', async () => {
  const browser = new Browser();
  const start = await browser.request(`${base}/accesso/oidc`);
  assert.is(start.status, 302);
  const auth = new URL(start.headers.get('location')!);
  assert.is(auth.origin, issuer);
  assert.equal([auth.searchParams.get('code_challenge_method'), auth.searchParams.get('client_id')], ['S256', 'rei']);
  assert.ok(auth.searchParams.get('state') && auth.searchParams.get('nonce') && auth.searchParams.get('code_challenge'));
  assert.ok(browser.cookie('rei_oidc'), 'the pending sign-in is kept in a cookie');

  const done = await browser.signInAtProvider('rossi');
  assert.ok(done.hops.some((h) => h.startsWith(`${base}/accesso/oidc/callback?`)), `came back to the callback: ${done.hops.join(' → ')}`);
  assert.is(done.url.startsWith(base), true);
  assert.is(done.res.status, 200, `${done.url}: ${(await done.res.text()).slice(0, 300)}`);
  assert.ok(browser.cookie('rei_sessione'), 'web session cookie set');
  assert.not.ok(browser.cookie('rei_oidc'), 'pending sign-in cleared');

  const me = await browser.request(`${base}/api/v1/auth/me`);
  assert.is(me.status, 200);
  assert.is(((await me.json()) as { username: string }).username, rossiUsername);

  // Logout (the header's form, with its CSRF token) ends the session like a password one.
  const page = await (await browser.follow(`${base}/`)).res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(csrf, 'a page with the logout form');
  const session = browser.cookie('rei_sessione')!;
  await browser.request(`${base}/uscita`, { form: { _csrf: csrf! } });
  const after = await fetch(`${base}/api/v1/auth/me`, { headers: { cookie: `rei_sessione=${session}` } });
  assert.is(after.status, 401);
});

test('browser: a person without a user here is told so, no account is created; a disabled user and a tampered state are refused', async () => {
  const before = await services.orm.em.fork().count(User, {});
  const unknown = await new Browser().signInAtProvider('verdi');
  assert.is(unknown.res.status, 403);
  assert.match(await unknown.res.text(), 'Nessun utente di questo servizio corrisponde');
  assert.is(await services.orm.em.fork().count(User, {}), before, 'nobody created');

  const disabled = await new Browser().signInAtProvider('bianchi');
  assert.is(disabled.res.status, 403);
  assert.match(await disabled.res.text(), 'disattivato');

  const service = await new Browser().signInAtProvider('gallo');
  assert.is(service.res.status, 403);

  // A callback without the browser's pending sign-in (another browser, or forged): refused.
  const stranger = await new Browser().follow(`${base}/accesso/oidc/callback?code=abc&state=xyz`);
  assert.is(stranger.res.status, 401);
  assert.match(await stranger.res.text(), 'scaduta');
});

test('API: the provider ID token is exchanged once for a bearer token; that token works and is revoked on logout', async () => {
  const api = new Client(base, '');
  const r = await api.post('/api/v1/auth/oidc/token', { id_token: await idTokenFor('rossi') });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.user.username, rossiUsername);
  api.token = r.body.token as string;
  assert.is((await api.get('/api/v1/auth/me')).status, 200);
  assert.is((await api.post('/api/v1/auth/logout')).status, 204);
  assert.is((await api.get('/api/v1/auth/me')).status, 401, 'revoked on logout');

  const token = await idTokenFor('rossi');
  assert.is((await new Client(base, '').post('/api/v1/auth/oidc/token', { id_token: token })).status, 200);
  const again = await new Client(base, '').post('/api/v1/auth/oidc/token', { id_token: token });
  assert.equal([again.status, again.body.error.code], [401, 'ID_TOKEN_REUSED']);
});

test('API: wrong audience, expired token, bad signature → 401 INVALID_ID_TOKEN with the reason', async () => {
  const anon = new Client(base, '');
  const wrongAudience = await anon.post('/api/v1/auth/oidc/token', { id_token: await idTokenFor('rossi', 'altra-app') });
  assert.equal([wrongAudience.status, wrongAudience.body.error.code], [401, 'INVALID_ID_TOKEN']);
  assert.match(wrongAudience.body.error.message, 'destinatario');

  const [h, p, s] = (await idTokenFor('rossi')).split('.') as [string, string, string];
  const flipped = (s[5] === 'A' ? 'B' : 'A');
  const badSignature = await anon.post('/api/v1/auth/oidc/token', { id_token: `${h}.${p}.${s.slice(0, 5)}${flipped}${s.slice(6)}` });
  assert.equal([badSignature.status, badSignature.body.error.code], [401, 'INVALID_ID_TOKEN']);
  assert.match(badSignature.body.error.message, 'firma');

  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), fiscal_number: 'VRDGPP70C15L219C' })).toString('base64url');
  assert.is((await anon.post('/api/v1/auth/oidc/token', { id_token: `${h}.${forged}.${s}` })).status, 401, 'claims changed after signing');

  const soon = await idTokenFor('rossi');
  oidcClock.advance(2 * 3600_000); // the ID token lives one hour
  try {
    const expired = await anon.post('/api/v1/auth/oidc/token', { id_token: soon });
    assert.equal([expired.status, expired.body.error.code], [401, 'INVALID_ID_TOKEN']);
    assert.match(expired.body.error.message, 'scaduto');
  } finally {
    oidcClock.advance(-2 * 3600_000);
  }
});

test('API: a person without a user here, a disabled user, a service account → 403, nobody created', async () => {
  const anon = new Client(base, '');
  const before = await services.orm.em.fork().count(User, {});
  const unknown = await anon.post('/api/v1/auth/oidc/token', { id_token: await idTokenFor('verdi') });
  assert.equal([unknown.status, unknown.body.error.code], [403, 'OIDC_USER_UNKNOWN']);
  assert.is(await services.orm.em.fork().count(User, {}), before);
  const disabled = await anon.post('/api/v1/auth/oidc/token', { id_token: await idTokenFor('bianchi') });
  assert.equal([disabled.status, disabled.body.error.code], [403, 'USER_DISABLED']);
  const service = await anon.post('/api/v1/auth/oidc/token', { id_token: await idTokenFor('gallo') });
  assert.equal([service.status, service.body.error.code], [403, 'SERVICE_ACCOUNT']);
  const garbage = await anon.post('/api/v1/auth/oidc/token', { id_token: 'non-un-jwt' });
  assert.is(garbage.status, 422);
});

test('configuration: all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_REDIRECT_URI or none; https except on this machine; the fiscal claim with SPID prefix', async () => {
  assert.is(oidcSettings({}), null);
  assert.throws(() => oidcSettings({ OIDC_ISSUER: 'https://idp.example.it' }), /OIDC_CLIENT_ID, OIDC_REDIRECT_URI/);
  assert.throws(() => oidcSettings({ OIDC_ISSUER: 'http://idp.example.it', OIDC_CLIENT_ID: 'x', OIDC_REDIRECT_URI: 'https://rei.example.it/accesso/oidc/callback' }), /https/);
  const s = oidcSettings({ OIDC_ISSUER: 'https://idp.example.it', OIDC_CLIENT_ID: 'x', OIDC_REDIRECT_URI: 'https://rei.example.it/accesso/oidc/callback', OIDC_FISCAL_CLAIM: 'https://attributes.eid.gov.it/fiscal_number' })!;
  assert.equal([s.fiscalClaim, s.scopes, s.apiAudiences], ['https://attributes.eid.gov.it/fiscal_number', 'openid profile', ['x']]);
  assert.is(fiscalNumber('TINIT-rssmra80a01h501u'), 'RSSMRA80A01H501U');
  assert.is(fiscalNumber('RSSMRA80A01H501X'), null);
  // A provider that cannot be reached: a clear error naming OIDC_ISSUER (the server refuses to start with it).
  const orm = await sharedOrm();
  const broken = await buildServices({ ...loadConfig({}), databaseUrl: process.env.DATABASE_URL || null, oidc: oidcSettings({ OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'x', OIDC_REDIRECT_URI: 'http://127.0.0.1/accesso/oidc/callback' }) }, { orm });
  try {
    await broken.oidc!.discover();
    assert.unreachable('discovery should fail');
  } catch (err) {
    assert.match((err as Error).message, /OIDC_ISSUER/);
  }
});

test.run();
