/**
 * Issue 10 item 16: users can be changed — roles and groups, disabled and
 * re-enabled, own password changed (with the current one), reset by an admin;
 * a responsabile lists only the users of their comune; a lost password is
 * recoverable from the command line (npm run admin -- reset-password <user>).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestApp, Client, type TestApp } from '../helpers/harness.js';
import { runAdminCommand, type CliIo } from '../../src/cli/admin.js';

let app: TestApp;
let admin: Client;
let tenant: string;
let other: string;
let resp: Client;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant();
  other = await app.tenant();
  resp = await app.user({ tenant, roles: ['responsabile'] });
});
test.after(async () => app.close());

async function login(username: string, password: string): Promise<number> {
  return (await new Client(app.baseUrl, username).post('/api/v1/auth/login', { username, password })).status;
}

async function newUser(t: string | null, roles: string[] = ['operatore'], groups: string[] = []): Promise<string> {
  const username = `usr-${Math.random().toString(36).slice(2, 8)}`;
  const r = await admin.post('/api/v1/users', { username, password: 'password-iniziale', tenant: t, roles, groups });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return username;
}

test('a responsabile lists the users of their comune only; an admin sees all', async () => {
  const mine = await newUser(tenant);
  const theirs = await newUser(other);
  const r = await resp.get('/api/v1/users');
  assert.is(r.status, 200, JSON.stringify(r.body));
  const names = r.body.items.map((u: { username: string }) => u.username);
  assert.ok(names.includes(mine) && names.includes(resp.username));
  assert.not.ok(names.includes(theirs));
  assert.ok(r.body.items.every((u: { tenant: string }) => u.tenant === tenant));
  assert.is((await resp.get(`/api/v1/users/${theirs}`)).status, 404, "another comune's user does not exist for them");
  assert.is((await resp.get(`/api/v1/users?tenant=${other}`)).status, 403);
  assert.is((await resp.get(`/api/v1/users/${mine}`)).body.username, mine);
  const all = await admin.get(`/api/v1/users?tenant=${other}`);
  assert.equal(all.body.items.map((u: { username: string }) => u.username), [theirs]);
  const op = await app.user({ tenant, roles: ['operatore'] });
  assert.is((await op.get('/api/v1/users')).status, 403);
  assert.is((await resp.request('PATCH', `/api/v1/users/${mine}`, { groups: ['x'] })).status, 403, 'only an admin changes users');
});

test('admin changes roles and groups; disables (login and token refused) and re-enables', async () => {
  const u = await newUser(tenant, ['operatore'], ['g1']);
  const client = new Client(app.baseUrl, u);
  assert.is((await client.post('/api/v1/auth/login', { username: u, password: 'password-iniziale' })).status, 200);
  client.token = (await client.post('/api/v1/auth/login', { username: u, password: 'password-iniziale' })).body.token;

  const changed = await admin.request('PATCH', `/api/v1/users/${u}`, { roles: ['assistente_sociale', 'operatore'], groups: ['g2', 'g3'] });
  assert.is(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.roles, ['assistente_sociale', 'operatore']);
  assert.equal(changed.body.groups, ['g2', 'g3']);
  assert.is((await client.get('/api/v1/auth/me')).status, 401, 'a change of roles revokes the tokens issued with the old ones');
  client.token = (await client.post('/api/v1/auth/login', { username: u, password: 'password-iniziale' })).body.token;
  assert.equal((await client.get('/api/v1/auth/me')).body.groups, ['g2', 'g3'], 'effective at once');

  const off = await admin.request('PATCH', `/api/v1/users/${u}`, { active: false });
  assert.is(off.body.active, false);
  assert.is((await client.get('/api/v1/auth/me')).status, 401, 'a disabled user’s token stops working');
  assert.is(await login(u, 'password-iniziale'), 401);
  assert.ok((await admin.get(`/api/v1/users?active=false&tenant=${tenant}`)).body.items.some((x: { username: string }) => x.username === u));

  assert.is((await admin.request('PATCH', `/api/v1/users/${u}`, { active: true })).body.active, true);
  assert.is(await login(u, 'password-iniziale'), 200);

  const bad = await admin.request('PATCH', `/api/v1/users/${u}`, { roles: ['capo'], colore: 'blu' });
  assert.is(bad.status, 422);
  assert.equal(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort(), ['colore', 'roles.0']);
  assert.is((await admin.request('PATCH', `/api/v1/users/${u}`, {})).status, 422);
  assert.is((await admin.request('PATCH', '/api/v1/users/nessuno-cosi', { active: false })).status, 404);
});

test('an admin cannot lock themselves out', async () => {
  const self = await admin.request('PATCH', `/api/v1/users/${admin.username}`, { active: false });
  assert.is(self.status, 409);
  assert.is(self.body.error.code, 'SELF_LOCKOUT');
  assert.is((await admin.request('PATCH', `/api/v1/users/${admin.username}`, { roles: ['operatore'] })).body.error.code, 'SELF_LOCKOUT');
});

test('a user changes their own password with the current one', async () => {
  const u = await newUser(tenant);
  const client = new Client(app.baseUrl, u);
  await client.login('password-iniziale');
  const wrong = await client.put('/api/v1/users/me/password', { currentPassword: 'sbagliata', newPassword: 'nuova-password-1' });
  assert.is(wrong.status, 401);
  assert.is(wrong.body.error.code, 'WRONG_PASSWORD');
  const short = await client.put('/api/v1/users/me/password', { currentPassword: 'password-iniziale', newPassword: 'corta' });
  assert.is(short.status, 422);
  assert.is(short.body.error.details.fields[0].field, 'newPassword');
  assert.is((await client.put('/api/v1/users/me/password', { currentPassword: 'password-iniziale', newPassword: 'nuova-password-1' })).status, 204);
  assert.is((await client.get('/api/v1/users/me')).status, 401, 'a password change revokes the old tokens');
  await client.login('nuova-password-1');
  const me = await client.get('/api/v1/users/me');
  assert.is(me.status, 200, 'any role reads its own user');
  assert.is(me.body.username, u);
  assert.is(await login(u, 'password-iniziale'), 401);
  assert.is(await login(u, 'nuova-password-1'), 200);
  assert.is((await admin.post('/api/v1/users', { username: 'me', password: 'password-iniziale', tenant, roles: ['operatore'] })).status, 422, '"me" is reserved');
});

test('an admin resets a password: generated (shown once) or chosen', async () => {
  const u = await newUser(tenant);
  const gen = await admin.post(`/api/v1/users/${u}/reset-password`);
  assert.is(gen.status, 200, JSON.stringify(gen.body));
  assert.type(gen.body.password, 'string');
  assert.is(await login(u, gen.body.password), 200);
  const chosen = await admin.post(`/api/v1/users/${u}/reset-password`, { password: 'scelta-dall-admin' });
  assert.is(chosen.body.password, undefined);
  assert.is(await login(u, 'scelta-dall-admin'), 200);
  assert.is((await resp.post(`/api/v1/users/${u}/reset-password`)).status, 403);
});

function io(env: Record<string, string> = {}, stdin = ''): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { env, readStdin: async () => stdin, out: (l) => lines.push(l), err: (l) => errors.push(l), lines, errors };
}

test('command line: reset-password prints a generated one, or takes NEW_PASSWORD or stdin; re-enables the user', async () => {
  const u = await newUser(null, ['admin']);
  await admin.request('PATCH', `/api/v1/users/${u}`, { active: false });
  const gen = io();
  assert.is(await runAdminCommand(app.services.orm, ['reset-password', u], gen), 0);
  assert.match(gen.lines[0]!, 'riattivato');
  const printed = /Nuova password: (\S+)/.exec(gen.lines.join('\n'))?.[1];
  assert.ok(printed);
  assert.is(await login(u, printed!), 200);

  const env = io({ NEW_PASSWORD: 'da-ambiente-123' });
  assert.is(await runAdminCommand(app.services.orm, ['reset-password', u], env), 0);
  assert.not.match(env.lines.join('\n'), 'da-ambiente-123', 'a chosen password is not printed');
  assert.is(await login(u, 'da-ambiente-123'), 200);

  assert.is(await runAdminCommand(app.services.orm, ['reset-password', u, '--stdin'], io({}, 'da-stdin-4567\n')), 0);
  assert.is(await login(u, 'da-stdin-4567'), 200);

  const missing = io();
  assert.is(await runAdminCommand(app.services.orm, ['reset-password', 'nessuno-cosi'], missing), 1);
  assert.match(missing.errors[0]!, 'non trovato');
  assert.is(await runAdminCommand(app.services.orm, ['boh'], io()), 2);
  assert.is(await runAdminCommand(app.services.orm, ['reset-password', u], io({ NEW_PASSWORD: 'corta' })), 2);
});

test('codice fiscale (SPID/CIE sign-in): set at creation or by PATCH (admin), checked, unique, removable; also from the command line', async () => {
  const username = `cf-${Math.random().toString(36).slice(2, 8)}`;
  const created = await admin.post('/api/v1/users', { username, password: 'password-iniziale', tenant, roles: ['operatore'], codiceFiscale: 'nrelcu90t10a010s' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.is(created.body.codiceFiscale, 'NRELCU90T10A010S', 'upper-cased');
  const bad = await admin.request('PATCH', `/api/v1/users/${username}`, { codiceFiscale: 'NRELCU90T10A010X' });
  assert.equal([bad.status, bad.body.error.code], [422, 'INVALID_CODICE_FISCALE']);
  const other = await newUser(tenant);
  const taken = await admin.request('PATCH', `/api/v1/users/${other}`, { codiceFiscale: 'NRELCU90T10A010S' });
  assert.equal([taken.status, taken.body.error.code], [409, 'CODICE_FISCALE_IN_USE']);
  const dup = await admin.post('/api/v1/users', { username: `${username}-2`, password: 'password-iniziale', tenant, roles: ['operatore'], codiceFiscale: 'NRELCU90T10A010S' });
  assert.is(dup.status, 409);
  assert.is((await resp.request('PATCH', `/api/v1/users/${other}`, { codiceFiscale: 'BNCLRA85M41F205C' })).status, 403, 'admin only');
  const removed = await admin.request('PATCH', `/api/v1/users/${username}`, { codiceFiscale: null });
  assert.equal([removed.status, removed.body.codiceFiscale], [200, null]);
  const set = io();
  assert.is(await runAdminCommand(app.services.orm, ['set-codice-fiscale', other, 'NRELCU90T10A010S'], set), 0, set.errors.join());
  assert.is((await admin.get(`/api/v1/users/${other}`)).body.codiceFiscale, 'NRELCU90T10A010S');
  assert.is(await runAdminCommand(app.services.orm, ['set-codice-fiscale', username, 'NRELCU90T10A010S'], io()), 1, 'taken');
  assert.is(await runAdminCommand(app.services.orm, ['set-codice-fiscale', other, 'NONVALIDO'], io()), 2);
  assert.is(await runAdminCommand(app.services.orm, ['set-codice-fiscale', other, '-'], io()), 0);
  assert.is((await admin.get(`/api/v1/users/${other}`)).body.codiceFiscale, null);
});

test('command line: `npm run admin -- reset-password` as a process on the same database', async () => {
  const url = app.services.orm.config.get('clientUrl');
  if (!process.env.DATABASE_URL || !url) return; // PGlite in memory: no second process can open it
  const u = await newUser(tenant);
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/admin.ts', 'reset-password', u], { env: { ...process.env, DATABASE_URL: url, NEW_PASSWORD: 'da-processo-890' } });
  assert.match(stdout, `Password di ${u} reimpostata`);
  assert.is(await login(u, 'da-processo-890'), 200);
});

test.run();
