/**
 * Task drafts (PUT/GET/DELETE /api/v1/tasks/{id}/draft): stored per task,
 * returned with the form, refused to a user who may not complete the task,
 * invisible to another comune (404), discarded when the task completes. And
 * the inbox queries the pages use: tab counts, claimable tasks, text on the
 * protocollo or the applicant.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { application, MARIO } from '../applications/fixtures.js';

const FORM = { id: 'drafttest', type: 'default', schemaVersion: 16, components: [{ type: 'number', id: 'n', key: 'importo', label: 'Importo', validate: { required: true, min: 0 } }] };
const MODEL = bpmn(
  'rei',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria" camunda:candidateGroups="operatori-rei" camunda:formKey="drafttest" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

let app: TestApp;
let op: Client;
let other: Client;
let outsider: Client;
let taskId: string;

test.before(async () => {
  app = await startTestApp();
  const admin = await app.admin();
  const tenant = await app.tenant();
  assert.is((await deploy(admin, { 'rei.bpmn': MODEL, 'drafttest.form': JSON.stringify(FORM) }, tenant)).status, 201);
  op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  other = await app.user({ tenant, roles: ['operatore'], groups: ['altro-gruppo'] });
  const t2 = await app.tenant();
  outsider = await app.user({ tenant: t2, roles: ['operatore'], groups: ['operatori-rei'] });
  assert.is((await op.post('/api/v1/applications', application('DRAFT/0001'))).status, 201);
  taskId = (await op.get('/api/v1/tasks?businessKey=DRAFT%2F0001')).body.items[0].id;
});
test.after(async () => app.close());

test('a draft is saved, read back, returned with the form, and replaced by the next save', async () => {
  assert.is((await op.get(`/api/v1/tasks/${taskId}/draft`)).status, 404);
  const saved = await op.put(`/api/v1/tasks/${taskId}/draft`, { data: { importo: -5 } });
  assert.is(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.data, { importo: -5 }, 'a draft is not validated');
  assert.is((await op.put(`/api/v1/tasks/${taskId}/draft`, { data: { importo: 12 } })).status, 200);
  const read = await op.get(`/api/v1/tasks/${taskId}/draft`);
  assert.equal([read.body.data, read.body.updatedBy], [{ importo: 12 }, op.username]);
  const form = await op.get(`/api/v1/tasks/${taskId}/form`);
  assert.equal(form.body.draft.data, { importo: 12 });
});

test('who may not complete the task may not save its draft; another comune gets 404; bad bodies 422', async () => {
  assert.is((await other.put(`/api/v1/tasks/${taskId}/draft`, { data: { importo: 1 } })).body.error.code, 'NOT_A_CANDIDATE');
  assert.is((await outsider.get(`/api/v1/tasks/${taskId}/draft`)).status, 404);
  assert.is((await outsider.put(`/api/v1/tasks/${taskId}/draft`, { data: {} })).status, 404);
  assert.is((await op.put(`/api/v1/tasks/${taskId}/draft`, { data: [1] })).status, 422);
  assert.is((await op.put(`/api/v1/tasks/${taskId}/draft`, { dati: {} })).status, 422);
});

test('inbox queries of the pages: counts per tab, claimable tasks, text on protocollo, codice fiscale or surname', async () => {
  const p = { id: 'x', username: op.username, tenant: (await op.get(`/api/v1/tasks/${taskId}`)).body.tenant, roles: ['operatore' as const], groups: ['operatori-rei'] };
  assert.equal(await app.services.inbox.counts(p), { mine: 0, claimable: 1, all: 1 });
  assert.equal(await app.services.inbox.counts({ ...p, username: other.username, groups: ['altro-gruppo'] }), { mine: 0, claimable: 0, all: 1 });
  assert.equal(await app.services.inbox.counts(p, { exact: 'mine', cap: 0 }), { mine: 0, claimable: 1, all: 1 }, 'capped tabs: cap + 1 = "more than cap"');
  const ids = async (q: Record<string, unknown>) => (await app.services.inbox.listWithContext(p, { limit: 10, offset: 0, ...q })).items.map((i) => i.task.id);
  assert.equal(await ids({ claimable: true }), [taskId]);
  assert.equal(await ids({ text: 'draft/00' }), [taskId]);
  assert.equal(await ids({ text: MARIO.toLowerCase() }), [taskId]);
  assert.equal(await ids({ text: 'rossi' }), [taskId]);
  assert.equal(await ids({ text: 'Rossi Mario' }), [taskId]);
  assert.equal(await ids({ text: 'bianchi' }), [], 'a household member is not the applicant');
  assert.equal(await ids({ text: '100%' }), []);
  assert.is((await op.post(`/api/v1/tasks/${taskId}/claim`)).status, 200);
  assert.equal(await app.services.inbox.counts(p), { mine: 1, claimable: 0, all: 1 });
});

test('completing the task discards its draft; DELETE on a closed task is 409', async () => {
  const done = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { importo: 12 } });
  assert.is(done.status, 200, JSON.stringify(done.body));
  assert.is((await op.get(`/api/v1/tasks/${taskId}/draft`)).status, 404);
  assert.is((await op.request('DELETE', `/api/v1/tasks/${taskId}/draft`)).status, 409);
});

test.run();
