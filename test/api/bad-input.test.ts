/**
 * Issue 11 item 9, regression: bad input answered 500 (112 × in the review,
 * 7 causes). Each cause below must now be a 4xx with the usual error body,
 * and nothing written. Then a property-based fuzz (fast-check) over the
 * routes' inputs: never a 5xx, and a refusal writes nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { startTestApp, deploy, type Client, type Reply, type TestApp } from '../helpers/harness.js';
import { process as bpmnProcess, twoTasks } from '../helpers/models.js';

const KEY = 'badinput_flow';
let app: TestApp;
let admin: Client;
let op: Client;
let resp: Client;
let tenant: string;
let instanceId: string;
let taskId: string;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  resp = await app.user({ tenant, roles: ['responsabile'], groups: ['g1'] });
  const d = await deploy(admin, { 'badinput.bpmn': twoTasks(KEY) }, tenant);
  assert.is(d.status, 201, JSON.stringify(d.body));
  const s = await op.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey: 'BAD-1', variables: {} });
  assert.is(s.status, 201, JSON.stringify(s.body));
  instanceId = s.body.id;
  taskId = (await op.get(`/api/v1/tasks?processInstanceId=${instanceId}`)).body.items[0].id;
});
test.after(async () => app.close());

const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;

/** Row counts of the tables a request could write to. */
async function snapshot(): Promise<string> {
  const tables = ['app_user', 'tenant', 'deployment', 'process_definition', 'process_instance', 'task', 'external_task', 'history_event', 'job', 'event_subscription', 'incident', 'document', 'subject', 'parameter_set'];
  const rows = await app.services.orm.em.fork().getConnection().execute(`select ${tables.map((t) => `(select count(*) from "${t}") as "${t}"`).join(', ')}`);
  const inst = await app.services.orm.em.fork().getConnection().execute(`select variables::text as v, status from process_instance where id = ?`, [instanceId]);
  return JSON.stringify([rows[0], inst[0]]);
}

function expect4xx(r: Reply, what: string) {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: ${show(r)}`);
  const body = r.body as { error?: { code?: unknown }; type?: unknown };
  assert.ok(typeof body?.error?.code === 'string' || typeof body?.type === 'string', `${what}: error body ${show(r)}`);
}

test('NUL characters in body, query and path → 400, nothing written', async () => {
  const before = await snapshot();
  expect4xx(await app.anonymous().post('/api/v1/auth/login', { username: 'a\u0000b', password: 'x' }), 'login NUL');
  expect4xx(await op.get('/api/v1/tasks?businessKey=a%00b'), 'query NUL');
  expect4xx(await op.post('/api/v1/decisions/%00/evaluate', { variables: {} }), 'path NUL');
  expect4xx(await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { nota: 'a\u0000b' } }), 'variable NUL');
  expect4xx(await op.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey: 'x\u0000', variables: {} }), 'business key NUL');
  assert.is(await snapshot(), before);
});

test('a lone UTF-16 surrogate in variables → 400, nothing written', async () => {
  const before = await snapshot();
  const raw = `{"variables":{"nota":"\\ud800x"}}`;
  const r = await op.request('POST', `/api/v1/tasks/${taskId}/complete`, raw);
  expect4xx(r, 'lone surrogate');
  assert.is((r.body as { error: { code: string } }).error.code, 'INVALID_CHARACTERS');
  expect4xx(await op.request('POST', `/api/v1/process-definitions/${KEY}/start`, `{"variables":{"\\udc00":1}}`), 'lone surrogate key');
  assert.is(await snapshot(), before);
});

test('offset=1e20 on every list and firstResult under /engine-rest → 4xx', async () => {
  for (const path of ['/api/v1/tasks', '/api/v1/process-instances', '/api/v1/incidents', '/api/v1/subjects']) {
    expect4xx(await resp.get(`${path}?offset=1e20`), `${path} offset`);
    expect4xx(await resp.get(`${path}?offset=99999999999999999999`), `${path} offset digits`);
  }
  expect4xx(await op.get('/engine-rest/external-task?firstResult=1e20'), 'external-task firstResult');
  expect4xx(await op.get('/engine-rest/external-task?maxResults=99999999999999999999'), 'external-task maxResults');
  expect4xx(await op.get('/engine-rest/external-task?priorityHigherThanOrEquals=1e20'), 'external-task priority');
  expect4xx(await admin.get('/engine-rest/deployment?firstResult=99999999999999999999'), 'deployment firstResult');
});

test('dates are strict ISO-8601: the JavaScript limit and SQL-looking text are refused', async () => {
  for (const v of ['-271821-04-20T00:00:00Z', "' OR '1'='1", '2026-02-30', '+275760-09-13T00:00:00Z', '1', 'March 2, 2026', '2026-03-02T25:00:00Z']) {
    const r = await op.get(`/api/v1/tasks?dueAfter=${encodeURIComponent(v)}`);
    assert.is(r.status, 422, `dueAfter=${v}: ${show(r)}`);
    expect4xx(await resp.get(`/api/v1/sla/summary?from=${encodeURIComponent(v)}`), `sla from=${v}`);
  }
  for (const v of ['2026-03-02', '2026-03-02T08:00:00Z', '2026-03-02T08:00:00.123+01:00', '2026-03-02T08:00']) {
    const r = await op.get(`/api/v1/tasks?dueAfter=${encodeURIComponent(v)}`);
    assert.is(r.status, 200, `dueAfter=${v}: ${show(r)}`);
  }
});

test('POST /process-instances/abc/cancel → 404', async () => {
  const r = await resp.post('/api/v1/process-instances/abc/cancel', {});
  assert.is(r.status, 404, show(r));
});

test('truncated or boundary-less multipart → 400', async () => {
  const before = await snapshot();
  const noBoundary = await admin.request('POST', '/api/v1/deployments', 'xxx', { 'content-type': 'multipart/form-data' });
  expect4xx(noBoundary, 'deployments without boundary');
  const truncated = '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.bpmn"\r\nContent-Type: text/xml\r\n\r\n<bpmn';
  expect4xx(await admin.request('POST', '/api/v1/deployments', truncated, { 'content-type': 'multipart/form-data; boundary=XyZ' }), 'deployments truncated');
  expect4xx(await admin.request('POST', '/engine-rest/deployment/create', truncated, { 'content-type': 'multipart/form-data; boundary=XyZ' }), 'engine-rest truncated');
  expect4xx(await admin.request('POST', '/engine-rest/deployment/create', 'xxx', { 'content-type': 'multipart/form-data' }), 'engine-rest without boundary');
  assert.is(await snapshot(), before);
});

test('a camunda:priority evaluating to 1e20 does not break the start (default priority, problem recorded)', async () => {
  const model = bpmnProcess(
    'badinput_prio',
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Lavoro" camunda:candidateGroups="g1" camunda:priority="\${prio}" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  const d = await deploy(admin, { 'badinput-prio.bpmn': model }, tenant);
  assert.is(d.status, 201, JSON.stringify(d.body));
  const r = await op.post('/api/v1/process-definitions/badinput_prio/start', { variables: { prio: 1e20 } });
  assert.ok(r.status < 500, show(r));
  if (r.status === 201) {
    const t = (await op.get(`/api/v1/tasks?processInstanceId=${r.body.id}`)).body.items[0];
    assert.is(t.priority, 50);
  }
});

// ------------------------------------------------------------------ fuzz

/** Percent-encodes every UTF-8 byte (a lone surrogate becomes U+FFFD, as a client would send it). */
const enc = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udc00x', '1e20', '-1', '99999999999999999999', "' OR '1'='1", '-271821-04-20T00:00:00Z', '%00', '../..', 'null', '{}', '[]', ' ', '', 'NaN', 'Infinity'),
);
const jsonish = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(nasty, nasty, { maxKeys: 3 }));

type Call = { method: string; path: (v: string) => string; body?: (v: unknown, s: string) => unknown; who: () => Client };
const CALLS: Call[] = [
  { method: 'GET', path: (v) => `/api/v1/tasks?businessKey=${enc(v)}&dueAfter=${enc(v)}`, who: () => op },
  { method: 'GET', path: (v) => `/api/v1/tasks?offset=${enc(v)}&limit=${enc(v)}`, who: () => op },
  { method: 'GET', path: (v) => `/api/v1/tasks/${enc(v)}`, who: () => op },
  { method: 'GET', path: (v) => `/api/v1/process-instances?businessKey=${enc(v)}&offset=${enc(v)}`, who: () => resp },
  { method: 'GET', path: (v) => `/api/v1/process-instances/${enc(v)}`, who: () => resp },
  { method: 'POST', path: (v) => `/api/v1/process-instances/${enc(v)}/cancel`, body: (b) => ({ reason: b }), who: () => resp },
  { method: 'GET', path: (v) => `/api/v1/subjects?q=${enc(v)}&cf=${enc(v)}`, who: () => resp },
  { method: 'GET', path: (v) => `/api/v1/sla/summary?from=${enc(v)}&to=${enc(v)}`, who: () => resp },
  { method: 'GET', path: (v) => `/api/v1/incidents?offset=${enc(v)}`, who: () => resp },
  { method: 'POST', path: (v) => `/api/v1/decisions/${enc(v)}/evaluate`, body: (b) => ({ variables: { x: b } }), who: () => op },
  { method: 'POST', path: () => `/api/v1/tasks/${taskId}/complete`, body: (b, s) => ({ variables: { [s || 'x']: b } }), who: () => resp },
  { method: 'POST', path: () => `/api/v1/tasks/${taskId}/assign`, body: (b) => ({ user: b }), who: () => op },
  { method: 'POST', path: (v) => `/api/v1/process-definitions/${enc(v)}/start`, body: (b, s) => ({ businessKey: s, variables: b }), who: () => op },
  { method: 'POST', path: () => '/api/v1/messages', body: (b, s) => ({ name: s, businessKey: s, variables: { v: b } }), who: () => op },
  { method: 'POST', path: () => '/api/v1/auth/login', body: (b, s) => ({ username: s, password: b }), who: () => app.anonymous() },
  { method: 'GET', path: (v) => `/engine-rest/external-task?firstResult=${enc(v)}&activityId=${enc(v)}`, who: () => op },
  { method: 'POST', path: () => '/engine-rest/external-task/fetchAndLock', body: (b, s) => ({ workerId: s, maxTasks: b, topics: [{ topicName: s, lockDuration: b }] }), who: () => op },
  { method: 'POST', path: (v) => `/engine-rest/external-task/${enc(v)}/complete`, body: (b, s) => ({ workerId: s, variables: { x: { value: b } } }), who: () => op },
];

test('fuzz: no route answers 5xx, and a refusal writes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: CALLS.length - 1 }), nasty, jsonish, async (i, s, b) => {
      const call = CALLS[i];
      const body = call.body ? JSON.stringify(call.body(b, s)) : undefined;
      const baseline = call.method === 'POST' ? await snapshot() : null;
      const r = await call.who().request(call.method, call.path(s), body);
      if (r.status >= 500) throw new Error(`${call.method} ${call.path(s)} ${body ?? ''} → ${show(r)}`);
      if (r.status >= 400 && baseline) assert.is(await snapshot(), baseline, `${call.method} ${call.path(s)} refused but wrote`);
      return true;
    }),
    { numRuns: 300, seed: 11 },
  );
});

test.run();
