/**
 * Issue 11 items 2 and 3, regression: usernames could be discovered by timing
 * (unknown 8–14 ms, existing 98–183 ms), 200 wrong logins never got a 429,
 * and bcrypt on the event loop pushed /health from 2 ms to seconds. Now: a
 * dummy hash for a missing user, per-account lockout and per-address limits
 * (429 with Retry-After), Argon2id off the main thread, and bcrypt hashes of
 * existing users still accepted and replaced at their next login.
 */
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { User } from '../../src/db/entities/index.js';
import { ACCOUNT_FAILURES, ADDRESS_FAILURES } from '../../src/auth/login-guard.js';

const PASSWORD = 'password123';
let app: TestApp;
test.before(async () => {
  app = await startTestApp({ config: { trustProxy: true } }); // as behind the reverse proxy: the client address from X-Forwarded-For
});
test.after(async () => app.close());

let seq = 0;
/** A distinct client address per call (the app trusts X-Forwarded-For, as behind its proxy). */
const address = () => `198.51.100.${(++seq % 250) + 1}`;

async function login(username: string, password: string, from = address()) {
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ username, password }) });
  const ms = performance.now() - started;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string } }, ms };
}

async function basic(username: string, password: string, from = address()) {
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, 'x-forwarded-for': from } });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('an unknown user costs what a wrong password costs (login route and HTTP Basic)', async () => {
  const tenant = await app.tenant();
  const known = await app.user({ tenant, roles: ['operatore'] });
  for (const check of [login, basic]) {
    const unknown: number[] = [];
    const existing: number[] = [];
    for (let i = 0; i < 7; i++) {
      unknown.push((await check(`nessuno-${randomUUID()}`, 'sbagliata')).ms);
      existing.push((await check(known.username, `sbagliata-${i}`)).ms);
    }
    const [u, e] = [median(unknown), median(existing)];
    assert.ok(u > e * 0.6, `${check.name}: unknown ${u.toFixed(1)} ms vs existing ${e.toFixed(1)} ms`);
  }
});

test(`an account is locked after ${ACCOUNT_FAILURES} failures from any address: 429 ACCOUNT_LOCKED with Retry-After, even with the right password`, async () => {
  const tenant = await app.tenant();
  const victim = await app.user({ tenant, roles: ['operatore'] });
  for (let i = 0; i < ACCOUNT_FAILURES - 1; i++) assert.is((await login(victim.username, `x${i}`)).status, 401);
  const last = await login(victim.username, 'ancora');
  assert.is(last.status, 429, JSON.stringify(last.body));
  assert.is(last.body.error?.code, 'ACCOUNT_LOCKED');
  assert.ok(Number(last.retryAfter) > 0, `Retry-After ${last.retryAfter}`);
  const right = await login(victim.username, PASSWORD);
  assert.is(right.status, 429, 'locked: the right password waits too');
  assert.is((await basic(victim.username, PASSWORD)).status, 429, 'HTTP Basic shares the lock');
  // Another account is unaffected.
  const other = await app.user({ tenant, roles: ['operatore'] });
  assert.is((await login(other.username, PASSWORD)).status, 200);
});

test(`one address is throttled after ${ADDRESS_FAILURES} failures whatever the usernames: 429 TOO_MANY_LOGIN_ATTEMPTS`, async () => {
  const from = '203.0.113.77';
  const statuses: number[] = [];
  for (let i = 0; i < ADDRESS_FAILURES + 1; i++) statuses.push((await login(`spray-${i}`, 'x', from)).status);
  assert.ok(statuses.slice(0, ADDRESS_FAILURES - 1).every((s) => s === 401), statuses.join());
  const blocked = await login('chiunque', 'x', from);
  assert.is(blocked.status, 429);
  assert.is(blocked.body.error?.code, 'TOO_MANY_LOGIN_ATTEMPTS');
  assert.ok(Number(blocked.retryAfter) > 0);
});

test('hashing stays off the event loop: /health answers quickly while 16 clients send bad logins', async () => {
  const tenant = await app.tenant();
  const users = await Promise.all(Array.from({ length: 4 }, () => app.user({ tenant, roles: ['operatore'] })));
  let running = true;
  const attackers = Array.from({ length: 16 }, async (_, i) => {
    while (running) await login(users[i % 4].username, `no-${Math.random()}`, `192.0.2.${i + 1}`).catch(() => undefined);
  });
  const health: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    await (await fetch(`${app.baseUrl}/health`)).arrayBuffer();
    health.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  running = false;
  await Promise.all(attackers);
  assert.ok(median(health) < 600, `/health median ${median(health).toFixed(1)} ms under login load (${health.map((h) => h.toFixed(0)).join(', ')})`);
});

test('a bcrypt hash of an existing user still works and is replaced by Argon2id at login', async () => {
  const tenant = await app.tenant();
  const legacy = await app.user({ tenant, roles: ['operatore'] });
  const em = app.services.orm.em.fork();
  await em.nativeUpdate(User, { username: legacy.username }, { passwordHash: await bcrypt.hash(PASSWORD, 4) });
  assert.is((await login(legacy.username, PASSWORD)).status, 200);
  const row = await app.services.orm.em.fork().findOneOrFail(User, { username: legacy.username });
  assert.match(row.passwordHash, /^\$argon2id\$/);
  assert.is((await login(legacy.username, PASSWORD)).status, 200);
});

test.run();
