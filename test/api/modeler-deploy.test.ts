/**
 * Deploying from Camunda Modeler (Camunda 7 target) to /engine-rest: the
 * request is built the way the Modeler builds it (client/src/plugins/
 * camunda-plugin/shared/CamundaAPI.js + RestAPI.js): multipart FormData with
 * deployment-name, deployment-source "Camunda Modeler", the duplicate-filter
 * flag (deploy-changed-only in older releases, enable-duplicate-filtering in
 * newer ones), optional tenant-id, the diagram as a text/xml Blob whose part
 * name is the file name, attachments (e.g. .form) likewise; headers
 * `accept: application/json` and `authorization: Basic base64(user:pass)` or
 * `Bearer <token>`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn, twoTasks } from '../helpers/models.js';

const PASSWORD = 'password123'; // the harness's password for every test user

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

interface ModelerDeploy {
  name: string;
  diagram: { name: string; contents: string };
  attachments?: Array<{ name: string; contents: string }>;
  tenantId?: string;
  auth?: { username: string; password: string } | { token: string };
  /** Older Modeler releases send deploy-changed-only, newer ones enable-duplicate-filtering. */
  duplicateFlag?: 'deploy-changed-only' | 'enable-duplicate-filtering';
}

async function modelerDeploy(opts: ModelerDeploy): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('deployment-name', opts.name);
  form.append('deployment-source', 'Camunda Modeler');
  form.append(opts.duplicateFlag ?? 'deploy-changed-only', 'true');
  if (opts.tenantId) form.append('tenant-id', opts.tenantId);
  form.append(opts.diagram.name, new Blob([opts.diagram.contents], { type: 'text/xml' }), opts.diagram.name);
  for (const file of opts.attachments ?? []) form.append(file.name, new Blob([file.contents]), file.name);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.auth && 'token' in opts.auth) headers.authorization = `Bearer ${opts.auth.token}`;
  else if (opts.auth) headers.authorization = `Basic ${btoa(`${opts.auth.username}:${opts.auth.password}`)}`;
  const res = await fetch(`${app.baseUrl}/engine-rest/deployment/create`, { method: 'POST', body: form, headers });
  return { status: res.status, body: await res.json() };
}

const basic = (c: Client) => ({ username: c.username, password: PASSWORD });

async function comuneWithAnalyst() {
  const tenant = await app.tenant();
  // The comune's candidate groups come from its users: give it one with g1.
  await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const analyst = await app.user({ tenant, roles: ['analista'] });
  return { tenant, analyst };
}

test('GET /engine-rest/version answers anonymously, as Camunda 7.21', async () => {
  const res = await fetch(`${app.baseUrl}/engine-rest/version`, { headers: { accept: 'application/json' } });
  assert.is(res.status, 200);
  assert.equal(await res.json(), { version: '7.21.0' });
});

test('connection check GET /deployment?maxResults=0 needs credentials; 401 in Camunda shape', async () => {
  const { analyst } = await comuneWithAnalyst();
  const ok = await fetch(`${app.baseUrl}/engine-rest/deployment?maxResults=0`, { headers: { accept: 'application/json', authorization: `Basic ${btoa(`${analyst.username}:${PASSWORD}`)}` } });
  assert.is(ok.status, 200);
  assert.equal(await ok.json(), []);

  const anonymous = await fetch(`${app.baseUrl}/engine-rest/deployment?maxResults=0`, { headers: { accept: 'application/json' } });
  assert.is(anonymous.status, 401);
  const body = await anonymous.json();
  assert.is(body.type, 'AuthenticationException');
  assert.type(body.message, 'string');
  assert.is(body.error, undefined, 'no {error:{...}} envelope under /engine-rest');

  const wrong = await modelerDeploy({ name: 'x', diagram: { name: 'md_wrong.bpmn', contents: twoTasks('md_wrong') }, auth: { username: analyst.username, password: 'not-the-password' } });
  assert.is(wrong.status, 401);
  assert.is(wrong.body.type, 'AuthenticationException');
});

test('Modeler deploy with Basic auth: 200 in Camunda shape, for the analyst\'s comune; redeploying unchanged deploys nothing', async () => {
  const { tenant, analyst } = await comuneWithAnalyst();
  const xml = twoTasks('md_basic');
  const form = JSON.stringify({ id: 'md-nota', type: 'default', schemaVersion: 16, components: [{ type: 'textfield', key: 'nota', label: 'Nota' }] });
  const r = await modelerDeploy({ name: 'md_basic', diagram: { name: 'md_basic.bpmn', contents: xml }, attachments: [{ name: 'md-nota.form', contents: form }], auth: basic(analyst) });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.name, 'md_basic');
  assert.is(r.body.source, 'Camunda Modeler');
  assert.is(r.body.tenantId, tenant, 'a comune analyst without tenant-id deploys for its comune');
  assert.match(r.body.deploymentTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/);
  assert.equal(r.body.links, []);
  assert.is(r.body.deployedCaseDefinitions, null);
  assert.is(r.body.deployedDecisionDefinitions, null);
  assert.is(r.body.deployedDecisionRequirementsDefinitions, null);
  const entries = Object.entries(r.body.deployedProcessDefinitions as Record<string, any>);
  assert.is(entries.length, 1);
  const [mapKey, def] = entries[0];
  assert.is(mapKey, `md_basic:1:${def.id}`);
  assert.equal(def, {
    id: def.id,
    key: 'md_basic',
    category: 'http://bpmn.io/schema/bpmn',
    description: null,
    name: 'md_basic',
    version: 1,
    resource: 'md_basic.bpmn',
    deploymentId: r.body.id,
    diagram: null,
    suspended: false,
    tenantId: tenant,
    versionTag: null,
    historyTimeToLive: null,
    startableInTasklist: true,
  });

  // The definition is a normal one of the comune, visible through /api/v1.
  const seen = await analyst.get(`/api/v1/process-definitions/${def.id}`);
  assert.is(seen.status, 200);
  assert.is(seen.body.tenant, tenant);

  // deploy-changed-only: the same diagram again deploys nothing (Modeler shows no new definition).
  const again = await modelerDeploy({ name: 'md_basic', diagram: { name: 'md_basic.bpmn', contents: xml }, auth: basic(analyst) });
  assert.is(again.status, 200, JSON.stringify(again.body));
  assert.is(again.body.deployedProcessDefinitions, null);
  assert.is(again.body.id, r.body.id, 'the existing deployment is returned');
  const list = await analyst.get('/api/v1/process-definitions?key=md_basic');
  assert.is(list.body.total, 1);
});

test('newer Modeler (enable-duplicate-filtering) with Bearer token and tenant-id; a metropolitan admin deploys the shared default', async () => {
  const { tenant, analyst } = await comuneWithAnalyst();
  const r = await modelerDeploy({ name: 'md_bearer', diagram: { name: 'md_bearer.bpmn', contents: twoTasks('md_bearer') }, tenantId: tenant, auth: { token: analyst.token! }, duplicateFlag: 'enable-duplicate-filtering' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.tenantId, tenant);
  assert.is(Object.values(r.body.deployedProcessDefinitions as Record<string, any>)[0].version, 1);

  const admin = await app.admin();
  const shared = await modelerDeploy({ name: 'md_shared', diagram: { name: 'md_shared.bpmn', contents: twoTasks('md_shared') }, auth: basic(admin) });
  assert.is(shared.status, 200, JSON.stringify(shared.body));
  assert.is(shared.body.tenantId, null);
  const def = Object.values(shared.body.deployedProcessDefinitions as Record<string, any>)[0];
  assert.is(def.tenantId, null);
  assert.is(def.key, 'md_shared');
});

test('an invalid model answers 400 ParseException with problems per resource (what the Modeler displays)', async () => {
  const { analyst } = await comuneWithAnalyst();
  const bad = bpmn(
    'md_invalid',
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="svc" />
    <bpmn:serviceTask id="svc" name="Senza implementazione" />
    <bpmn:sequenceFlow id="f2" sourceRef="svc" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  const r = await modelerDeploy({ name: 'md_invalid', diagram: { name: 'md_invalid.bpmn', contents: bad }, auth: basic(analyst) });
  assert.is(r.status, 400, JSON.stringify(r.body));
  assert.is(r.body.type, 'ParseException');
  assert.ok(r.body.message.startsWith('ENGINE-09005 Could not parse BPMN process.'), r.body.message);
  assert.ok(r.body.message.includes('md_invalid.bpmn'));
  const resource = r.body.details['md_invalid.bpmn'];
  assert.ok(resource, JSON.stringify(r.body.details));
  assert.is(resource.errors.length, 1);
  const [problem] = resource.errors;
  assert.is(problem.mainElementId, 'svc');
  assert.equal(problem.elementIds, ['svc']);
  assert.is(problem.line, bad.split('\n').findIndex((l) => l.includes('id="svc"')) + 1);
  assert.type(problem.column, 'number');
  assert.ok(/service task/i.test(problem.message), problem.message);
  assert.ok(Array.isArray(resource.warnings));
  assert.is(r.body.error, undefined);
  const none = await analyst.get('/api/v1/process-definitions?key=md_invalid');
  assert.is(none.body.total, 0, 'nothing stored');
});

test('roles and comuni: case officers 403, another comune\'s tenant-id 403, unknown comune 400 — all in Camunda shape', async () => {
  const { tenant, analyst } = await comuneWithAnalyst();
  const other = await app.tenant();
  const xml = twoTasks('md_roles');
  const foreign = await modelerDeploy({ name: 'md_roles', diagram: { name: 'md_roles.bpmn', contents: xml }, tenantId: other, auth: basic(analyst) });
  assert.is(foreign.status, 403, JSON.stringify(foreign.body));
  assert.is(foreign.body.type, 'AuthorizationException');

  const operator = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const denied = await modelerDeploy({ name: 'md_roles', diagram: { name: 'md_roles.bpmn', contents: xml }, auth: basic(operator) });
  assert.is(denied.status, 403);
  assert.is(denied.body.type, 'AuthorizationException');

  const admin = await app.admin();
  const unknown = await modelerDeploy({ name: 'md_roles', diagram: { name: 'md_roles.bpmn', contents: xml }, tenantId: 'Z999', auth: basic(admin) });
  assert.is(unknown.status, 400, JSON.stringify(unknown.body));
  assert.is(unknown.body.type, 'InvalidRequestException');
  const malformed = await modelerDeploy({ name: 'md_roles', diagram: { name: 'md_roles.bpmn', contents: xml }, tenantId: 'milano', auth: basic(admin) });
  assert.is(malformed.status, 400);
  assert.is(malformed.body.type, 'InvalidRequestException');

  const list = await admin.get('/api/v1/process-definitions?key=md_roles');
  assert.is(list.body.total, 0);
});

test('a JSON body is not a Modeler deployment: 400 InvalidRequestException', async () => {
  const { analyst } = await comuneWithAnalyst();
  const r = await analyst.request('POST', '/engine-rest/deployment/create', { name: 'x' });
  assert.is(r.status, 400);
  assert.is(r.body.type, 'InvalidRequestException');
});

test.run();
