/**
 * Issue 11 items 6, 8 (headers) and 13, regression:
 *  - a database error's log line held the SQL and its values (a codice
 *    fiscale, a password hash): now one structured line with request id,
 *    route, user id and error code only;
 *  - an unreachable database answered 500 with the raw error: now 503
 *    DATABASE_UNAVAILABLE with Retry-After;
 *  - security headers on every response, no-store on the API, /health says
 *    only up/down to anonymous callers.
 */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Koa from 'koa';
import Router from '@koa/router';
import pg from 'pg';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { errorMiddleware } from '../../src/api/error-middleware.js';
import { createLogger } from '../../src/shared/logger.js';

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

const CF = 'TCGPMC72D12F205R';
const HASH = '$2b$10$abcdefghijklmnopqrstuv';

/** A small app behind the real error middleware, logging into `lines`. */
async function miniApp(routes: (r: Router) => void) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const koa = new Koa();
  koa.silent = true;
  koa.use(errorMiddleware(createLogger({ destination: sink, level: 'info' })));
  const router = new Router();
  routes(router);
  koa.use(router.routes());
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = koa.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((r) => server.close(r)) };
}

test('a database error is logged as one structured line without SQL, values or driver details', async () => {
  const em = app.services.orm.em;
  const mini = await miniApp((r) => {
    r.post('/users/:id', async (ctx) => {
      ctx.state.user = { id: 'user-42', username: 'u', tenant: null, roles: [], groups: [] };
      // A real PostgreSQL error whose message carries the statement's values.
      await em.fork().getConnection().execute(`insert into no_such_table (codice_fiscale, password_hash) values ('${CF}', '${HASH}')`);
    });
    r.get('/cast', async () => {
      await em.fork().getConnection().execute(`select 1 where 1 = ?::int`, [CF]);
    });
  });
  try {
    const res = await fetch(`${mini.url}/users/abc`, { method: 'POST', headers: { 'x-request-id': 'req-1' } });
    assert.is(res.status, 500);
    const body = await res.text();
    assert.not.ok(body.includes(CF) || body.includes('insert'), body);
    const cast = await fetch(`${mini.url}/cast`);
    assert.is(cast.status, 400, 'a value PostgreSQL refuses as data is a 400');
    assert.not.ok((await cast.text()).includes(CF));
    await new Promise((r) => setTimeout(r, 20));
    assert.is(mini.lines.length, 2, mini.lines.join('\n'));
    const line = JSON.parse(mini.lines[0]);
    assert.is(line.requestId, 'req-1');
    assert.is(line.route, '/users/:id');
    assert.is(line.userId, 'user-42');
    assert.is(line.status, 500);
    assert.is(line.code, 'INTERNAL_ERROR');
    assert.is(line.errorCode, '42P01');
    for (const l of mini.lines) {
      for (const secret of [CF, HASH, '$2b$', 'insert', 'select', 'no_such_table', 'codice_fiscale', '/users/abc']) assert.not.ok(l.toLowerCase().includes(secret.toLowerCase()), `log line holds "${secret}": ${l}`);
    }
  } finally {
    await mini.close();
  }
});

test('an unreachable database answers 503 DATABASE_UNAVAILABLE with Retry-After, not 500', async () => {
  const mini = await miniApp((r) => {
    r.get('/cases', async () => {
      const client = new pg.Client({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'x', connectionTimeoutMillis: 2000 });
      await client.connect();
    });
  });
  try {
    const res = await fetch(`${mini.url}/cases`);
    assert.is(res.status, 503);
    assert.is(res.headers.get('retry-after'), '5');
    const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
    assert.is(body.error.code, 'DATABASE_UNAVAILABLE');
    assert.not.ok(/ECONNREFUSED|127\.0\.0\.1/.test(body.error.message));
  } finally {
    await mini.close();
  }
});

test('the real server: an ORM whose pool is gone answers 503 on the API', async () => {
  // A second server on its own ORM, closed under it (the database "went away").
  const { openDatabase } = await import('../../src/db/orm.js');
  const { buildServices } = await import('../../src/app-context.js');
  const { createApp } = await import('../../src/api/app.js');
  const { silentLogger } = await import('../../src/shared/logger.js');
  const url = app.services.config.databaseUrl;
  if (!url) return; // PGlite: one embedded session, nothing to take away
  const u = new URL(url);
  u.pathname = `/${String((await app.services.orm.em.getConnection().execute('select current_database() as d'))[0].d)}`;
  const orm = await openDatabase({ url: u.toString(), dataDir: 'memory://', poolMax: 2 });
  const services = await buildServices({ ...app.services.config }, { clock: app.clock, orm });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = createApp(services, silentLogger()).listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await orm.close(true);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'x' }) });
    assert.is(login.status, 503, await login.clone().text());
    assert.is(login.headers.get('retry-after'), '5');
    assert.is(((await login.json()) as { error: { code: string } }).error.code, 'DATABASE_UNAVAILABLE');
    const health = await fetch(`${base}/health`);
    assert.is(health.status, 503);
    assert.equal(await health.json(), { status: 'down' });
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('security headers on every response; no-store on the API; /health only up/down to anonymous callers', async () => {
  const health = await fetch(`${app.baseUrl}/health`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { status: 'up' });
  const h = health.headers;
  assert.match(h.get('strict-transport-security') ?? '', /max-age=\d+/);
  assert.is(h.get('x-content-type-options'), 'nosniff');
  const csp = h.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.not.match(csp, /unsafe-inline|unsafe-eval/);
  const admin = await app.admin();
  const me = await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${admin.token}` } });
  assert.is(me.headers.get('cache-control'), 'no-store');
  assert.ok(me.headers.get('x-request-id'));
  const denied = await fetch(`${app.baseUrl}/api/v1/tasks`);
  assert.is(denied.headers.get('cache-control'), 'no-store');
  assert.is(denied.headers.get('x-content-type-options'), 'nosniff');
  const adminHealth = await admin.get('/health');
  assert.is(adminHealth.body.status, 'up');
  assert.is(adminHealth.body.database.ok, true);
});

test.run();
