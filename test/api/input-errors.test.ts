import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type Reply, type TestApp } from '../helpers/harness.js';
import { messageAndExternal, twoTasks } from '../helpers/models.js';

const KEY = 'inputerrors_flow';
const MSG_KEY = 'inputerrors_msg';

let app: TestApp;
let admin: Client;
let tenant: string;
let op: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const d = await deploy(admin, { 'inputerrors.bpmn': twoTasks(KEY), 'inputerrors-msg.bpmn': messageAndExternal(MSG_KEY) });
  assert.is(d.status, 201, JSON.stringify(d.body));
});
test.after(async () => app.close());

const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body).slice(0, 500)}`;

/** Exactly {error: {code, message, details}}: nothing more, nothing less. */
function assertErrorShape(r: Reply) {
  const body = r.body;
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `not a JSON object: ${show(r)}`);
  assert.equal(Object.keys(body), ['error'], show(r));
  assert.equal(Object.keys(body.error).sort(), ['code', 'details', 'message'], show(r));
  assert.type(body.error.code, 'string');
  assert.match(body.error.code, /^[A-Z][A-Z_]+$/);
  assert.type(body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.ok(body.error.details === null || typeof body.error.details === 'object', show(r));
}

function expectError(r: Reply, status: number | number[], code?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(r.status), `expected ${statuses.join('/')}, got ${show(r)}`);
  assertErrorShape(r);
  if (code) assert.is(r.body.error.code, code, show(r));
}

/** A 400/422 whose details say which fields are wrong. */
function expectInvalid(r: Reply, ...fields: string[]) {
  expectError(r, [400, 422]);
  assert.ok(r.body.error.details, `details expected: ${show(r)}`);
  const reported: string[] = (r.body.error.details.fields ?? []).map((f: { field: string }) => f.field);
  for (const f of r.body.error.details.fields ?? []) {
    assert.type(f.message, 'string');
    assert.ok(f.message.length > 0);
  }
  for (const field of fields) assert.ok(reported.includes(field), `field "${field}" not reported: ${show(r)}`);
}

async function openTask(): Promise<string> {
  const started = await op.post(`/api/v1/process-definitions/${KEY}/start`, { variables: { owner: op.username } });
  assert.is(started.status, 201, show(started));
  const taskId = started.body.openTasks[0].id;
  assert.is((await op.post(`/api/v1/tasks/${taskId}/claim`)).status, 200);
  return taskId;
}

async function taskStatus(taskId: string): Promise<string> {
  const r = await op.get(`/api/v1/tasks/${taskId}`);
  assert.is(r.status, 200, show(r));
  return r.body.status;
}

test('malformed JSON bodies → 400 MALFORMED_JSON', async () => {
  const bad = '{"name":';
  expectError(await app.anonymous().post('/api/v1/auth/login', bad), 400, 'MALFORMED_JSON');
  expectError(await admin.post('/api/v1/deployments', bad), 400, 'MALFORMED_JSON');
  expectError(await admin.post('/api/v1/tenants', bad), 400, 'MALFORMED_JSON');
  expectError(await admin.post('/api/v1/users', bad), 400, 'MALFORMED_JSON');
  expectError(await op.post(`/api/v1/process-definitions/${KEY}/start`, bad), 400, 'MALFORMED_JSON');
  expectError(await op.post('/api/v1/messages', bad), 400, 'MALFORMED_JSON');
  const taskId = await openTask();
  expectError(await op.post(`/api/v1/tasks/${taskId}/complete`, bad), 400, 'MALFORMED_JSON');
  assert.is(await taskStatus(taskId), 'open');
  expectError(await op.post(`/api/v1/tasks/${taskId}/complete`, '{"variables": {"a": 1,}}'), 400, 'MALFORMED_JSON');
  assert.is(await taskStatus(taskId), 'open');
});

test('top-level JSON scalars and null → 400', async () => {
  for (const body of ['42', '"text"', 'null', 'true']) {
    const r = await app.anonymous().post('/api/v1/auth/login', body);
    expectError(r, 400);
  }
});

test('an array as body → 400 INVALID_BODY', async () => {
  expectError(await app.anonymous().post('/api/v1/auth/login', []), 400, 'INVALID_BODY');
  expectError(await admin.post('/api/v1/tenants', [{ code: 'Z100', name: 'x' }]), 400, 'INVALID_BODY');
  expectError(await admin.post('/api/v1/users', []), 400, 'INVALID_BODY');
  expectError(await admin.post('/api/v1/deployments', [{ name: 'x.bpmn', content: twoTasks('inputerrors_array') }]), 400, 'INVALID_BODY');
  expectError(await op.post(`/api/v1/process-definitions/${KEY}/start`, []), 400, 'INVALID_BODY');
  expectError(await op.post('/api/v1/messages', [{ name: 'esito' }]), 400, 'INVALID_BODY');
  const taskId = await openTask();
  expectError(await op.post(`/api/v1/tasks/${taskId}/complete`, [{ variables: {} }]), 400, 'INVALID_BODY');
  assert.is(await taskStatus(taskId), 'open', 'an array body must not complete the task');
  expectError(await op.post(`/api/v1/tasks/${taskId}/assign`, []), 400, 'INVALID_BODY');
});

test('login: missing fields and wrong types → 422 with field details', async () => {
  const anon = app.anonymous();
  expectInvalid(await anon.post('/api/v1/auth/login', {}), 'username', 'password');
  expectInvalid(await anon.post('/api/v1/auth/login', { username: 'someone' }), 'password');
  expectInvalid(await anon.post('/api/v1/auth/login', { username: 42, password: ['x'] }), 'username', 'password');
  expectInvalid(await anon.post('/api/v1/auth/login', { username: '', password: '' }), 'username', 'password');
  expectInvalid(await anon.request('POST', '/api/v1/auth/login'), 'username', 'password');
  // Wrong credentials are a 401, not a validation error.
  expectError(await anon.post('/api/v1/auth/login', { username: op.username, password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');
  expectError(await anon.post('/api/v1/auth/login', { username: 'inputerrors-nobody', password: 'password123' }), 401, 'INVALID_CREDENTIALS');
});

test('tenants: missing fields, wrong types, bad code, unknown fields → 422', async () => {
  expectInvalid(await admin.post('/api/v1/tenants', {}), 'code', 'name');
  expectInvalid(await admin.post('/api/v1/tenants', { code: 205, name: 'Milano' }), 'code');
  expectInvalid(await admin.post('/api/v1/tenants', { code: 'f205', name: 'Milano' }), 'code');
  expectInvalid(await admin.post('/api/v1/tenants', { code: 'Z901', name: '   ' }), 'name');
  expectInvalid(await admin.post('/api/v1/tenants', { code: 'Z901', name: 'x', extra: true }));
  const list = await admin.get('/api/v1/tenants');
  assert.not.ok(list.body.items.some((t: { code: string }) => t.code === 'Z901'));
  // Non-admins are refused before validation.
  expectError(await op.post('/api/v1/tenants', {}), 403, 'ROLE_REQUIRED');
});

test('users: missing fields and wrong types → 422 with field details', async () => {
  expectInvalid(await admin.post('/api/v1/users', {}), 'username', 'password', 'tenant', 'roles');
  const base = { username: 'inputerrors-user', password: 'password123', tenant, roles: ['operatore'] };
  expectInvalid(await admin.post('/api/v1/users', { ...base, roles: 'operatore' }), 'roles');
  expectInvalid(await admin.post('/api/v1/users', { ...base, roles: [] }), 'roles');
  expectInvalid(await admin.post('/api/v1/users', { ...base, roles: ['superuser'] }), 'roles.0');
  expectInvalid(await admin.post('/api/v1/users', { ...base, password: 'short' }), 'password');
  expectInvalid(await admin.post('/api/v1/users', { ...base, username: 'has space' }), 'username');
  expectInvalid(await admin.post('/api/v1/users', { ...base, tenant: 'nope' }), 'tenant');
  expectInvalid(await admin.post('/api/v1/users', { ...base, groups: 'g1' }), 'groups');
  const unknown = await admin.post('/api/v1/users', { ...base, tenant: 'Z998' });
  expectError(unknown, 422, 'UNKNOWN_TENANT');
  assert.ok(unknown.body.error.details);
  const users = await admin.get('/api/v1/users');
  assert.not.ok(users.body.items.some((u: { username: string }) => u.username === 'inputerrors-user'));
});

test('deployments: missing fields and wrong types → 422 with field details', async () => {
  const file = { name: 'inputerrors-dep.bpmn', content: twoTasks('inputerrors_dep') };
  expectInvalid(await admin.post('/api/v1/deployments', {}), 'name', 'files');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x' }), 'files');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', files: [] }), 'files');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', files: 'a.bpmn' }), 'files');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', files: [{ name: 'a.bpmn' }] }), 'files.0.content');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', files: [{ name: 'a.bpmn', content: 42 }] }), 'files.0.content');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 42, files: [file] }), 'name');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', tenant: 'milano', files: [file] }), 'tenant');
  expectInvalid(await admin.post('/api/v1/deployments', { name: 'x', files: [file], extra: 1 }));
  const defs = await admin.get('/api/v1/process-definitions?key=inputerrors_dep');
  assert.is(defs.body.total, 0);
  // A non-BPMN file alone: nothing executable to deploy.
  const txt = await admin.post('/api/v1/deployments', { name: 'x', files: [{ name: 'notes.txt', content: 'hello' }] });
  expectError(txt, 422);
  assert.ok(Array.isArray(txt.body.error.details.errors) && txt.body.error.details.errors.length > 0, show(txt));
});

test('start: wrong types and unknown fields → 422; metropolitan user without tenant → 422', async () => {
  const url = `/api/v1/process-definitions/${KEY}/start`;
  expectInvalid(await op.post(url, { variables: [1, 2] }), 'variables');
  expectInvalid(await op.post(url, { variables: 'owner=me' }), 'variables');
  expectInvalid(await op.post(url, { variables: { 'not a name': 1 } }));
  expectInvalid(await op.post(url, { businessKey: 42 }), 'businessKey');
  expectInvalid(await op.post(url, { tenant: 'x1' }), 'tenant');
  expectInvalid(await op.post(url, { unknown: true }));
  expectInvalid(await admin.post(url, { variables: {} }), 'tenant');
  const list = await op.get(`/api/v1/process-instances?key=${KEY}&businessKey=42`);
  assert.is(list.body.total, 0);
  expectError(await op.post('/api/v1/process-definitions/inputerrors_missing/start', {}), 404, 'DEFINITION_NOT_FOUND');
});

test('task complete: wrong types → 422 and the task stays open', async () => {
  const taskId = await openTask();
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: 'ok' }), 'variables');
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: [{ name: 'a', value: 1 }] }), 'variables');
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { '1bad': true } }));
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/complete`, { vars: {} }));
  assert.is(await taskStatus(taskId), 'open');
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/assign`, {}), 'user');
  expectInvalid(await op.post(`/api/v1/tasks/${taskId}/assign`, { user: 7 }), 'user');
  // Unknown or malformed task ids are 404, not 500.
  expectError(await op.post('/api/v1/tasks/not-a-uuid/complete', {}), 404);
  expectError(await op.post('/api/v1/tasks/00000000-0000-4000-8000-000000000000/complete', {}), 404);
  // Still completes with a valid body (an empty body means no variables).
  const done = await op.request('POST', `/api/v1/tasks/${taskId}/complete`);
  assert.is(done.status, 200, show(done));
});

test('messages: missing fields and wrong types → 422 with field details', async () => {
  expectInvalid(await op.post('/api/v1/messages', {}), 'name');
  expectInvalid(await op.post('/api/v1/messages', { name: 'esito' }), 'businessKey');
  expectInvalid(await op.post('/api/v1/messages', { name: 42, businessKey: 'x' }), 'name');
  expectInvalid(await op.post('/api/v1/messages', { name: 'esito', processInstanceId: 'nope' }), 'processInstanceId');
  expectInvalid(await op.post('/api/v1/messages', { name: 'esito', businessKey: 'x', variables: [] }), 'variables');
  expectInvalid(await op.post('/api/v1/messages', { name: 'esito', businessKey: 'x', extra: 1 }));
});

test('query strings with wrong values → 422 with field details', async () => {
  expectInvalid(await op.get('/api/v1/tasks?limit=0'), 'limit');
  expectInvalid(await op.get('/api/v1/tasks?dueBefore=yesterday'), 'dueBefore');
  expectInvalid(await op.get('/api/v1/process-instances?status=running'), 'status');
  expectInvalid(await op.get('/api/v1/process-definitions?tenant=milano'), 'tenant');
});

test('unknown routes → 404 error body; wrong method → 405 error body', async () => {
  expectError(await app.anonymous().get('/api/v1/inputerrors-nowhere'), 404, 'NOT_FOUND');
  expectError(await admin.get('/api/v1/inputerrors-nowhere'), 404, 'NOT_FOUND');
  expectError(await admin.get('/inputerrors-nowhere'), 404, 'NOT_FOUND');
  expectError(await admin.post('/api/v2/deployments', {}), 404, 'NOT_FOUND');
  expectError(await admin.get('/api/v1/process-instances/not-a-uuid'), 404);
  expectError(await admin.get('/api/v1/process-definitions/not-a-uuid'), 404);
  expectError(await admin.request('DELETE', '/api/v1/deployments'), 405, 'METHOD_NOT_ALLOWED');
  expectError(await app.anonymous().request('PUT', '/api/v1/auth/login', {}), 405, 'METHOD_NOT_ALLOWED');
});

test('no Authorization header → 401 error body on every secured route', async () => {
  const anon = app.anonymous();
  for (const [method, path] of [
    ['GET', '/api/v1/auth/me'],
    ['GET', '/api/v1/tasks'],
    ['GET', '/api/v1/process-definitions'],
    ['GET', '/api/v1/process-instances'],
    ['GET', '/api/v1/tenants'],
    ['POST', '/api/v1/deployments'],
    ['POST', `/api/v1/process-definitions/${KEY}/start`],
    ['POST', '/api/v1/messages'],
  ] as const) {
    const r = await anon.request(method, path, method === 'POST' ? {} : undefined);
    expectError(r, 401, 'AUTH_REQUIRED');
  }
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, { authorization: 'Token abc' }), 401, 'AUTH_REQUIRED');
});

test('bad token, wrong basic credentials, expired token → 401 error body', async () => {
  const anon = app.anonymous();
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, { authorization: 'Bearer not-a-jwt' }), 401, 'INVALID_TOKEN');
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, { authorization: 'Bearer ' }), 401);
  // A token signed with another secret.
  const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.c2lnbmF0dXJl';
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, { authorization: `Bearer ${forged}` }), 401, 'INVALID_TOKEN');
  // A tampered token (valid header and payload, signature changed).
  const real = op.token!;
  const tampered = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, { authorization: `Bearer ${tampered}` }), 401, 'INVALID_TOKEN');
  const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(s).toString('base64')}` });
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, basic(`${op.username}:wrong-password`)), 401, 'INVALID_CREDENTIALS');
  expectError(await anon.request('GET', '/api/v1/tasks', undefined, basic('no-colon')), 401, 'INVALID_CREDENTIALS');
  assert.is((await anon.request('GET', '/api/v1/tasks', undefined, basic(`${op.username}:password123`))).status, 200);

  // Expiry follows the application clock: 13 hours later the token is refused.
  const late = await startTestApp();
  try {
    const user = await late.user({ tenant, roles: ['operatore'], groups: ['g1'] });
    assert.is((await user.get('/api/v1/auth/me')).status, 200);
    late.clock.advance(13 * 3600_000);
    expectError(await user.get('/api/v1/auth/me'), 401, 'INVALID_TOKEN');
  } finally {
    await late.close();
  }
});

test.run();
