import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process, twoTasks } from '../helpers/models.js';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;

/** A comune with an operatore in group g1 (models may only name groups the comune has). */
async function comune(): Promise<{ code: string; op: Client }> {
  const code = await app.tenant();
  const op = await app.user({ tenant: code, roles: ['operatore'], groups: ['g1'] });
  return { code, op };
}

async function definitions(client: Client, key: string): Promise<Array<{ id: string; key: string; version: number; tenant: string | null }>> {
  const r = await client.get(`/api/v1/process-definitions?key=${encodeURIComponent(key)}`);
  assert.is(r.status, 200, show(r));
  assert.is(r.body.total, r.body.items.length);
  return r.body.items;
}

function assertErrorShape(body: any) {
  assert.type(body, 'object');
  assert.equal(Object.keys(body), ['error']);
  assert.equal(Object.keys(body.error).sort(), ['code', 'details', 'message']);
  assert.type(body.error.code, 'string');
  assert.type(body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

/** The deploy-refusal problems, after checking the 422 envelope. */
function refusal(r: { status: number; body: any }): Array<{ message: string; elementId?: string; line?: number; column?: number; rule?: string; file?: string }> {
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.is(r.body.error.code, 'DEPLOYMENT_INVALID');
  const errors = r.body.error.details.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, show(r));
  for (const e of errors) {
    assert.type(e.message, 'string');
    assert.ok(e.message.length > 0);
  }
  return errors;
}

test('JSON deploy answers 201 with the created definitions', async () => {
  const r = await deploy(admin, { 'deployments-json.bpmn': twoTasks('deployments_json') });
  assert.is(r.status, 201, show(r));
  assert.type(r.body.deploymentId, 'string');
  assert.ok(Array.isArray(r.body.warnings));
  assert.is(r.body.definitions.length, 1);
  const d = r.body.definitions[0];
  assert.is(d.key, 'deployments_json');
  assert.is(d.version, 1);
  assert.is(d.tenant, null);
  assert.is(d.created, true);
  assert.is(d.resourceName, 'deployments-json.bpmn');
  assert.is(d.deploymentId, r.body.deploymentId);
  assert.type(d.id, 'string');

  const detail = await admin.get(`/api/v1/process-definitions/${d.id}`);
  assert.is(detail.status, 200, show(detail));
  assert.is(detail.body.key, 'deployments_json');
  assert.ok(detail.body.elements.some((e: { id: string }) => e.id === 'taskA'));
  const xml = await admin.get(`/api/v1/process-definitions/${d.id}/xml`);
  assert.is(xml.status, 200);
  assert.ok(String(xml.body).includes('id="deployments_json"'));
});

test('JSON deploy for a comune stores the definition on that comune', async () => {
  const { code: tenant } = await comune();
  const r = await deploy(admin, { 'deployments-tenant.bpmn': twoTasks('deployments_tenant') }, tenant);
  assert.is(r.status, 201, show(r));
  assert.is(r.body.definitions[0].tenant, tenant);
  assert.is(r.body.definitions[0].version, 1);
  const list = await definitions(admin, 'deployments_tenant');
  assert.equal(list.map((d) => [d.tenant, d.version]), [[tenant, 1]]);
});

test('JSON deploy for an unknown comune answers 422 UNKNOWN_TENANT', async () => {
  const r = await deploy(admin, { 'deployments-unknown.bpmn': twoTasks('deployments_unknown') }, 'Z999');
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.is(r.body.error.code, 'UNKNOWN_TENANT');
  assert.equal(await definitions(admin, 'deployments_unknown'), []);
});

test('versioning: a changed model is version 2, an unchanged redeploy keeps the version and adds no row', async () => {
  const key = 'deployments_versioning';
  const v1 = await deploy(admin, { 'v.bpmn': twoTasks(key) });
  assert.is(v1.status, 201, show(v1));
  assert.is(v1.body.definitions[0].version, 1);
  assert.is(v1.body.definitions[0].created, true);

  const v2 = await deploy(admin, { 'v.bpmn': twoTasks(key, { label: ' (rev)' }) });
  assert.is(v2.status, 201, show(v2));
  assert.is(v2.body.definitions[0].version, 2);
  assert.is(v2.body.definitions[0].created, true);
  assert.is.not(v2.body.definitions[0].id, v1.body.definitions[0].id);
  assert.equal((await definitions(admin, key)).map((d) => d.version), [2, 1]);

  const again = await deploy(admin, { 'v.bpmn': twoTasks(key, { label: ' (rev)' }) });
  assert.is(again.status, 201, show(again));
  assert.is(again.body.definitions[0].version, 2);
  assert.is(again.body.definitions[0].created, false);
  assert.is(again.body.definitions[0].id, v2.body.definitions[0].id);
  assert.is(again.body.deploymentId, null);
  const after = await definitions(admin, key);
  assert.is(after.length, 2);
  assert.equal(after.map((d) => d.version), [2, 1]);

  const latest = await admin.get(`/api/v1/process-definitions?key=${key}&latest=true`);
  assert.is(latest.status, 200);
  assert.equal(latest.body.items.map((d: { version: number }) => d.version), [2]);
});

test('per-comune fallback: comune A runs its override, comune B the shared default', async () => {
  const key = 'deployments_fallback';
  const { code: a, op: opA } = await comune();
  const { code: b, op: opB } = await comune();
  const shared = await deploy(admin, { 'fb.bpmn': twoTasks(key, { label: ' default' }) });
  assert.is(shared.status, 201, show(shared));
  assert.is(shared.body.definitions[0].tenant, null);
  assert.is(shared.body.definitions[0].version, 1);
  const override = await deploy(admin, { 'fb.bpmn': twoTasks(key, { label: ` ${a}` }) }, a);
  assert.is(override.status, 201, show(override));
  assert.is(override.body.definitions[0].tenant, a);
  assert.is(override.body.definitions[0].version, 1, 'versions count per (key, comune)');
  assert.is.not(override.body.definitions[0].id, shared.body.definitions[0].id);

  const startedA = await opA.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: opA.username } });
  assert.is(startedA.status, 201, show(startedA));
  assert.is(startedA.body.tenant, a);
  assert.is(startedA.body.definitionId, override.body.definitions[0].id);
  assert.is(startedA.body.definitionVersion, 1);
  const defA = await opA.get(`/api/v1/process-definitions/${startedA.body.definitionId}`);
  assert.is(defA.status, 200, show(defA));
  assert.is(defA.body.tenant, a);
  assert.is(startedA.body.openTasks[0].name, `Task A ${a}`);

  const startedB = await opB.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: opB.username } });
  assert.is(startedB.status, 201, show(startedB));
  assert.is(startedB.body.tenant, b);
  assert.is(startedB.body.definitionId, shared.body.definitions[0].id);
  assert.is(startedB.body.definitionVersion, 1);
  const defB = await opB.get(`/api/v1/process-definitions/${startedB.body.definitionId}`);
  assert.is(defB.status, 200, show(defB));
  assert.is(defB.body.tenant, null);
  assert.is(startedB.body.openTasks[0].name, 'Task A default');

  // B sees the shared default but not A's override.
  const seenByB = await definitions(opB, key);
  assert.equal(seenByB.map((d) => d.tenant), [null]);
  const hidden = await opB.get(`/api/v1/process-definitions/${override.body.definitions[0].id}`);
  assert.is(hidden.status, 404, show(hidden));
  assertErrorShape(hidden.body);

  // A newer shared default does not shadow A's override.
  const shared2 = await deploy(admin, { 'fb.bpmn': twoTasks(key, { label: ' default v2' }) });
  assert.is(shared2.body.definitions[0].version, 2);
  const againA = await opA.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: opA.username } });
  assert.is(againA.body.definitionId, override.body.definitions[0].id);
  const againB = await opB.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: opB.username } });
  assert.is(againB.body.definitionId, shared2.body.definitions[0].id);
  assert.is(againB.body.definitionVersion, 2);
});

test('multipart deploy with a real FormData and Blob file answers 201', async () => {
  const { code: tenant } = await comune();
  const form = new FormData();
  form.append('name', 'deployments multipart');
  form.append('tenant', tenant);
  form.append('file', new Blob([twoTasks('deployments_multipart')], { type: 'application/xml' }), 'deployments-multipart.bpmn');
  const r = await admin.request('POST', '/api/v1/deployments', form);
  assert.is(r.status, 201, show(r));
  assert.is(r.body.definitions.length, 1);
  assert.is(r.body.definitions[0].key, 'deployments_multipart');
  assert.is(r.body.definitions[0].tenant, tenant);
  assert.is(r.body.definitions[0].version, 1);
  assert.is(r.body.definitions[0].resourceName, 'deployments-multipart.bpmn');
  assert.is(r.body.definitions[0].created, true);

  // Without a tenant field, the shared default; two files in one deployment.
  const form2 = new FormData();
  form2.append('name', 'deployments multipart 2');
  form2.append('files', new Blob([twoTasks('deployments_multipart_x')]), 'x.bpmn');
  form2.append('files', new Blob([twoTasks('deployments_multipart_y')]), 'y.bpmn');
  const r2 = await admin.request('POST', '/api/v1/deployments', form2);
  assert.is(r2.status, 201, show(r2));
  assert.equal(r2.body.definitions.map((d: { key: string; tenant: string | null }) => [d.key, d.tenant]), [['deployments_multipart_x', null], ['deployments_multipart_y', null]]);
});

test('multipart deploy of an invalid model answers 422 like JSON', async () => {
  const form = new FormData();
  form.append('name', 'deployments multipart bad');
  form.append('file', new Blob(['<bpmn:definitions']), 'deployments-multipart-bad.bpmn');
  const errors = refusal(await admin.request('POST', '/api/v1/deployments', form));
  assert.ok(errors.some((e) => e.file === 'deployments-multipart-bad.bpmn'));
});

test('invalid model: a service task with no implementation → 422 with elementId and line', async () => {
  const key = 'deployments_noimpl';
  const xml = process(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="svc" />
    <bpmn:serviceTask id="svc" name="Senza implementazione" />
    <bpmn:sequenceFlow id="f2" sourceRef="svc" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  const before = await definitions(admin, key);
  const errors = refusal(await deploy(admin, { 'noimpl.bpmn': xml }));
  const e = errors.find((x) => x.elementId === 'svc');
  assert.ok(e, JSON.stringify(errors));
  assert.is(e!.line, xml.split('\n').findIndex((l) => l.includes('id="svc"')) + 1);
  assert.is(e!.file, 'noimpl.bpmn');
  assert.match(e!.message, /svc|Senza implementazione/);
  assert.equal(await definitions(admin, key), before);
  assert.equal(before, []);
});

test('invalid model: an unknown delegateExpression handler → 422 naming the handler', async () => {
  const key = 'deployments_unknownhandler';
  const xml = process(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="svcUnknown" />
    <bpmn:serviceTask id="svcUnknown" name="Handler ignoto" camunda:delegateExpression="\${unknownHandler}" />
    <bpmn:sequenceFlow id="f2" sourceRef="svcUnknown" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  const errors = refusal(await deploy(admin, { 'unknownhandler.bpmn': xml }));
  const e = errors.find((x) => x.elementId === 'svcUnknown');
  assert.ok(e, JSON.stringify(errors));
  assert.match(e!.message, /unknownHandler/);
  assert.is(e!.line, xml.split('\n').findIndex((l) => l.includes('id="svcUnknown"')) + 1);
  assert.equal(await definitions(admin, key), []);
});

test('invalid model: XML that does not parse → 422 with the line', async () => {
  const key = 'deployments_badxml';
  const good = twoTasks(key);
  const lines = good.split('\n');
  const broken = lines.findIndex((l) => l.includes('id="taskA"'));
  lines[broken] = lines[broken].replace(' />', '>'); // unclosed userTask: mismatched end tag later
  const errors = refusal(await deploy(admin, { 'badxml.bpmn': lines.join('\n') }));
  const e = errors.find((x) => typeof x.line === 'number');
  assert.ok(e, JSON.stringify(errors));
  assert.ok(e!.line! >= broken + 1 && e!.line! <= lines.length, `line ${e!.line}`);
  assert.is(e!.file, 'badxml.bpmn');
  assert.equal(await definitions(admin, key), []);
});

test('a deployment with one bad file stores nothing, not even the good files', async () => {
  const good = 'deployments_atomic_good';
  const bad = 'deployments_atomic_bad';
  const badXml = process(bad, `    <bpmn:startEvent id="start" />\n    <bpmn:serviceTask id="svc" />`);
  const before = (await admin.get('/api/v1/process-definitions')).body.total;
  const errors = refusal(await deploy(admin, { 'good.bpmn': twoTasks(good), 'bad.bpmn': badXml }));
  assert.ok(errors.every((e) => e.file === 'bad.bpmn'), JSON.stringify(errors));
  assert.equal(await definitions(admin, good), []);
  assert.equal(await definitions(admin, bad), []);
  assert.is((await admin.get('/api/v1/process-definitions')).body.total, before);
});

test('roles: operatore cannot deploy (403)', async () => {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const r = await deploy(op, { 'op.bpmn': twoTasks('deployments_operatore') });
  assert.is(r.status, 403, show(r));
  assertErrorShape(r.body);
  assert.is(r.body.error.code, 'ROLE_REQUIRED');
  assert.equal(await definitions(admin, 'deployments_operatore'), []);
});

test('roles: a comune analista cannot deploy for another comune (403)', async () => {
  const { code: own } = await comune();
  const { code: other } = await comune();
  const analyst = await app.user({ tenant: own, roles: ['analista'] });
  const r = await deploy(analyst, { 'other.bpmn': twoTasks('deployments_othercomune') }, other);
  assert.is(r.status, 403, show(r));
  assertErrorShape(r.body);
  assert.is(r.body.error.code, 'TENANT_MISMATCH');
  assert.equal(await definitions(admin, 'deployments_othercomune'), []);
});

test("roles: a comune analista's deployment lands on its own comune", async () => {
  const { code: own } = await comune();
  const analyst = await app.user({ tenant: own, roles: ['analista'] });
  const implicit = await deploy(analyst, { 'own.bpmn': twoTasks('deployments_analyst_own') });
  assert.is(implicit.status, 201, show(implicit));
  assert.is(implicit.body.definitions[0].tenant, own);
  const explicitNull = await deploy(analyst, { 'own2.bpmn': twoTasks('deployments_analyst_null') }, null);
  assert.is(explicitNull.status, 201, show(explicitNull));
  assert.is(explicitNull.body.definitions[0].tenant, own, 'a comune analista cannot write the shared default');
  const explicitOwn = await deploy(analyst, { 'own3.bpmn': twoTasks('deployments_analyst_explicit') }, own);
  assert.is(explicitOwn.status, 201, show(explicitOwn));
  assert.is(explicitOwn.body.definitions[0].tenant, own);
  const rows = await definitions(admin, 'deployments_analyst_own');
  assert.equal(rows.map((d) => d.tenant), [own]);
  assert.equal((await definitions(admin, 'deployments_analyst_null')).map((d) => d.tenant), [own]);
});

test('roles: a metropolitan analista may deploy the shared default', async () => {
  const analyst = await app.user({ tenant: null, roles: ['analista'] });
  const r = await deploy(analyst, { 'metro.bpmn': twoTasks('deployments_metro') });
  assert.is(r.status, 201, show(r));
  assert.is(r.body.definitions[0].tenant, null);
});

test.run();
