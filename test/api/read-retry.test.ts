/**
 * Issue 11 item 13, regression: a connection dropped under a request (a
 * PostgreSQL restart) answered 503 even for a read that a second attempt
 * would have served. Now a GET/HEAD whose query meets a connection error is
 * run once more after a short delay (API and pages alike); a second failure
 * answers 503 with Retry-After; a write is never run twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp, type Client } from '../helpers/harness.js';
import { SESSION_COOKIE } from '../../src/web/session.service.js';
import { Tenant, User } from '../../src/db/entities/index.js';

let app: TestApp;
let admin: Client;
let operatore: Client;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  const tenant = await app.tenant();
  operatore = await app.user({ tenant, roles: ['operatore'], username: `op-retry-${tenant.toLowerCase()}` });
});
test.after(async () => app.close());

/**
 * The next `times` statements whose SQL matches `sql` fail as pg fails when
 * the server goes away (other statements, e.g. the job executor's, pass).
 * Returns how many statements were refused so far.
 */
function dropConnection(times: number, sql: RegExp): { refused: () => number; restore: () => void } {
  const conn = app.services.orm.em.getConnection() as unknown as { execute: (...args: unknown[]) => Promise<unknown> };
  const original = conn.execute;
  let refused = 0;
  conn.execute = async function (this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String(args[0]);
    if (refused < times && sql.test(text)) {
      refused++;
      throw new Error('Connection terminated unexpectedly');
    }
    return original.apply(this, args);
  };
  return { refused: () => refused, restore: () => void (conn.execute = original) };
}

test('a GET that meets a dropped connection is run again and answers 200', async () => {
  const drop = dropConnection(1, /from app_user/); // the bearer check's statement (tokenHolder), the request's first read
  try {
    const r = await operatore.get('/api/v1/auth/me');
    assert.is(drop.refused(), 1, 'the failure was injected');
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.is(r.body.username, operatore.username);
  } finally {
    drop.restore();
  }
});

test('a database that stays unreachable: one retry, then 503 with Retry-After', async () => {
  const drop = dropConnection(10, /"app_user"/);
  try {
    const r = await admin.get('/api/v1/users');
    assert.is(r.status, 503, JSON.stringify(r.body));
    assert.is(r.body.error.code, 'DATABASE_UNAVAILABLE');
    assert.is(drop.refused(), 2, 'two attempts, not more');
  } finally {
    drop.restore();
  }
});

test('a write is not retried: POST answers 503 at the first failure and writes nothing', async () => {
  const drop = dropConnection(1, /"tenant"/);
  try {
    const r = await admin.post('/api/v1/tenants', { code: 'Y777', name: 'Comune mai creato' });
    assert.is(r.status, 503, JSON.stringify(r.body));
    assert.is(drop.refused(), 1);
  } finally {
    drop.restore();
  }
  assert.is(await app.services.orm.em.fork().count(Tenant, { code: 'Y777' }), 0);
});

test('a page read is retried too; a page whose database stays away is the 503 page with Retry-After', async () => {
  const user = await app.services.orm.em.fork().findOneOrFail(User, { username: operatore.username });
  const { token } = await app.services.sessions.create(user.id, null);
  const cookie = `${SESSION_COOKIE}=${token}`;
  let drop = dropConnection(1, /from web_session s join/);
  try {
    const r = await fetch(`${app.baseUrl}/attivita`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    assert.is(drop.refused(), 1);
    assert.is(r.status, 200);
    assert.match(await r.text(), /Le mie attività/);
  } finally {
    drop.restore();
  }
  drop = dropConnection(10, /from web_session s join/);
  try {
    const r = await fetch(`${app.baseUrl}/attivita`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    assert.is(r.status, 503);
    assert.is(r.headers.get('retry-after'), '5');
    assert.match(r.headers.get('content-type') ?? '', /html/);
  } finally {
    drop.restore();
  }
});

test.run();
