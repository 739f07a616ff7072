/**
 * Issue 11 item 4, regression: the JWT secret was stored in clear in the
 * database (anyone reading it could mint tokens), tokens lived 12 h and could
 * not be revoked. Now: Ed25519 keys out of the database (a 0600 key file in
 * the data directory, or the environment), rotation with the old keys still
 * verifying, 60-minute tokens, logout and revocation of all a user's tokens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { KEY_FILE, keysDir, loadSigningKeys, rotateSigningKey } from '../../src/auth/signing-keys.js';
import { TokenService } from '../../src/auth/tokens.js';
import { revokeUserTokens } from '../../src/auth/revocation.js';
import { User } from '../../src/db/entities/index.js';
import { ManualClock } from '../../src/shared/clock.js';

let app: TestApp;
let tenant: string;
test.before(async () => {
  app = await startTestApp();
  tenant = await app.tenant();
});
test.after(async () => app.close());

test('no signing secret in the database; the key file is Ed25519, mode 0600; tokens are EdDSA with a kid', async () => {
  const rows = await app.services.orm.em.fork().getConnection().execute(`select count(*)::int as n from app_setting where key = 'jwt_secret'`);
  assert.is(rows[0].n, 0);
  const file = path.join(keysDir(app.services.config.dataDir), KEY_FILE);
  assert.ok(fs.existsSync(file));
  assert.is(fs.statSync(file).mode & 0o777, 0o600);
  const u = await app.user({ tenant, roles: ['operatore'] });
  const header = decodeProtectedHeader(u.token!);
  assert.is(header.alg, 'EdDSA');
  assert.type(header.kid, 'string');
  // A token signed with the old kind of secret (HS256) is refused.
  const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('a'.repeat(64)));
  const r = await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${forged}` } });
  assert.is(r.status, 401);
});

test('a token lives 60 minutes', async () => {
  const u = await app.user({ tenant, roles: ['operatore'] });
  const login = await app.anonymous().post('/api/v1/auth/login', { username: u.username, password: 'password123' });
  assert.is(new Date(login.body.expiresAt).getTime() - app.clock.now().getTime(), 60 * 60_000);
  app.clock.advance(59 * 60_000);
  assert.is((await u.get('/api/v1/auth/me')).status, 200);
  app.clock.advance(2 * 60_000);
  assert.is((await u.get('/api/v1/auth/me')).status, 401);
});

test('logout revokes the token it is called with, and only that one', async () => {
  const u = await app.user({ tenant, roles: ['operatore'] });
  const other = await app.anonymous().post('/api/v1/auth/login', { username: u.username, password: 'password123' });
  const out = await u.post('/api/v1/auth/logout');
  assert.is(out.status, 204);
  const again = await u.get('/api/v1/auth/me');
  assert.is(again.status, 401);
  assert.is(again.body.error.code, 'INVALID_TOKEN');
  const r = await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${other.body.token}` } });
  assert.is(r.status, 200, 'another session of the same user stays valid');
});

test('revokeUserTokens (password change, deactivation) revokes every token of the user; a new login works', async () => {
  const u = await app.user({ tenant, roles: ['operatore'] });
  const second = await app.anonymous().post('/api/v1/auth/login', { username: u.username, password: 'password123' });
  const row = await app.services.orm.em.fork().findOneOrFail(User, { username: u.username });
  await revokeUserTokens(app.services.orm.em.fork(), row.id);
  assert.is((await u.get('/api/v1/auth/me')).status, 401);
  assert.is((await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${second.body.token}` } })).status, 401);
  await u.refresh();
  assert.is((await u.get('/api/v1/auth/me')).status, 200);
  // Deactivation: the token stops working at once.
  await app.services.orm.em.fork().nativeUpdate(User, { id: row.id }, { active: false });
  assert.is((await u.get('/api/v1/auth/me')).status, 401);
});

test('rotation: tokens signed with the previous key still verify; new ones use the new key; JWT_PRIVATE_KEY overrides the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-keys-'));
  try {
    const clock = new ManualClock('2026-03-02T08:00:00.000Z');
    const before = new TokenService(loadSigningKeys({ dataDir: dir }), clock);
    const old = await before.issue('11111111-1111-1111-1111-111111111111');
    const oldKid = decodeProtectedHeader(old.token).kid;
    const newKid = rotateSigningKey(dir, clock.now());
    assert.is.not(newKid, oldKid);
    const after = new TokenService(loadSigningKeys({ dataDir: dir }), clock);
    assert.is((await after.verify(old.token)).userId, '11111111-1111-1111-1111-111111111111');
    const fresh = await after.issue('22222222-2222-2222-2222-222222222222');
    assert.is(decodeProtectedHeader(fresh.token).kid, newKid);
    const pem = fs.readFileSync(path.join(keysDir(dir), KEY_FILE), 'utf8');
    const fromEnv = new TokenService(loadSigningKeys({ dataDir: path.join(dir, 'unused'), privateKeyPem: pem }), clock);
    assert.is((await fromEnv.verify(fresh.token)).userId, '22222222-2222-2222-2222-222222222222');
    assert.not.ok(fs.existsSync(path.join(dir, 'unused')), 'with the key in the environment no file is written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a token verified once is remembered only as long as it is valid: expiry, a retired key and a forged signature still fail', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-keys-'));
  const refused = async (token: string, why: string) => {
    const err = await tokens.verify(token).then(() => null, (e: unknown) => e);
    assert.is((err as { code?: string } | null)?.code, 'INVALID_TOKEN', why);
  };
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  const keys = loadSigningKeys({ dataDir: dir });
  const tokens = new TokenService(keys, clock);
  try {
    const { token } = await tokens.issue('33333333-3333-3333-3333-333333333333');
    assert.is((await tokens.verify(token)).userId, '33333333-3333-3333-3333-333333333333');
    assert.is((await tokens.verify(token)).userId, '33333333-3333-3333-3333-333333333333', 'second time: remembered');
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await refused(forged, 'same claims, another signature');
    const kid = decodeProtectedHeader(token).kid as string;
    const key = keys.verification.get(kid)!;
    keys.verification.delete(kid);
    await refused(token, 'its key retired');
    keys.verification.set(kid, key);
    assert.is((await tokens.verify(token)).userId, '33333333-3333-3333-3333-333333333333');
    clock.advance(60 * 60_000);
    await refused(token, 'expired');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
