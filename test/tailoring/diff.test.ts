import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn, twoTasks } from '../helpers/models.js';

/** The process key of this file has its own parameter defaults (a processes dir made for this test). */
const KEY = 'df_istruttoria';
const PLAIN = 'df_plain';

let app: TestApp;
let admin: Client;
let dir: string;
test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-diff-'));
  fs.writeFileSync(path.join(dir, `${KEY}.params.json`), JSON.stringify({ giorniIstruttoria: 15, gruppi: { operatori: 'g1', responsabili: 'resp' }, soglie: [1000, 2000] }));
  app = await startTestApp({ config: { processesDir: dir } });
  admin = await app.admin();
});
test.after(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function model(opts: { group: string; condition: string; timer: string; extraTask: boolean }): string {
  const afterA = opts.extraTask ? 'verifica' : 'gw';
  return bpmn(
    KEY,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="taskA" />
    <bpmn:userTask id="taskA" name="Istruttoria" camunda:candidateGroups="${opts.group}" camunda:dueDate="P3D" />
    <bpmn:boundaryEvent id="sollecito" name="Sollecito" attachedToRef="taskA" cancelActivity="false">
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${opts.timer}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="fs" sourceRef="sollecito" targetRef="endSollecito" />
    <bpmn:endEvent id="endSollecito" />
    <bpmn:sequenceFlow id="f2" sourceRef="taskA" targetRef="${afterA}" />
${opts.extraTask ? '    <bpmn:userTask id="verifica" name="Verifica documenti" camunda:candidateGroups="g2" />\n    <bpmn:sequenceFlow id="f2b" sourceRef="verifica" targetRef="gw" />\n' : ''}    <bpmn:exclusiveGateway id="gw" default="toSmall" />
    <bpmn:sequenceFlow id="toBig" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${opts.condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toSmall" sourceRef="gw" targetRef="small" />
    <bpmn:userTask id="big" name="Big" camunda:candidateGroups="g1" />
    <bpmn:userTask id="small" name="Small" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="big" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="small" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

async function comune() {
  const tenant = await app.tenant();
  await app.user({ tenant, roles: ['operatore'], groups: ['g1', 'g2'] });
  const analyst = await app.user({ tenant, roles: ['analista'] });
  return { tenant, analyst };
}

function definitionId(reply: { status: number; body: any }, key: string): string {
  assert.is(reply.status, 201, JSON.stringify(reply.body));
  const def = reply.body.definitions.find((d: { key: string }) => d.key === key);
  assert.ok(def, JSON.stringify(reply.body));
  return def.id;
}

let defaultId: string;
test.before(async () => {
  defaultId = definitionId(await deploy(admin, { 'df.bpmn': model({ group: 'g1', condition: '${importo > 1000}', timer: 'P3D', extraTask: false }) }, null), KEY);
});

test('a comune override against the shared default: added task, changed group, condition, timer, wiring and parameters', async () => {
  const { tenant, analyst } = await comune();
  const put = await analyst.put(`/api/v1/tenants/${tenant}/parameters/${KEY}`, { values: { giorniIstruttoria: 20, gruppi: { operatori: 'g2' } }, comment: 'tempi del comune' });
  assert.is(put.status, 200, JSON.stringify(put.body));
  const overrideId = definitionId(await deploy(analyst, { 'df.bpmn': model({ group: 'g2', condition: '${importo > 2000}', timer: 'P5D', extraTask: true }) }), KEY);

  const r = await analyst.get(`/api/v1/process-definitions/${overrideId}/diff?against=default`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.definition, { id: overrideId, key: KEY, version: 1, tenant, name: KEY });
  assert.equal(r.body.against, { id: defaultId, key: KEY, version: 1, tenant: null, name: KEY });
  assert.equal(r.body.added, [
    { elementId: 'verifica', type: 'bpmn:UserTask', name: 'Verifica documenti' },
    { elementId: 'f2b', type: 'bpmn:SequenceFlow', name: null },
  ]);
  assert.equal(r.body.removed, []);
  const changed = Object.fromEntries(r.body.changed.map((c: { elementId: string; changes: unknown }) => [c.elementId, c.changes]));
  assert.equal(Object.keys(changed).sort(), ['f2', 'sollecito', 'taskA', 'toBig']);
  assert.equal(changed.taskA, [{ property: 'candidateGroups', from: 'g1', to: 'g2' }]);
  assert.equal(changed.toBig, [{ property: 'condition', from: '${importo > 1000}', to: '${importo > 2000}' }]);
  assert.equal(changed.sollecito, [{ property: 'timer', from: 'timeDuration: P3D', to: 'timeDuration: P5D' }]);
  assert.equal(changed.f2, [{ property: 'targetRef', from: 'gw', to: 'verifica' }]);
  assert.equal(r.body.parameters, [
    { path: 'giorniIstruttoria', from: 15, to: 20 },
    { path: 'gruppi.operatori', from: 'g1', to: 'g2' },
  ]);

  // Omitting `against` means the shared default; the other direction swaps added/removed and from/to.
  const implicit = await analyst.get(`/api/v1/process-definitions/${overrideId}/diff`);
  assert.equal(implicit.body.added, r.body.added);
  const reverse = await analyst.get(`/api/v1/process-definitions/${defaultId}/diff?against=${overrideId}`);
  assert.is(reverse.status, 200);
  assert.equal(reverse.body.added, []);
  assert.equal(reverse.body.removed.map((e: { elementId: string }) => e.elementId), ['verifica', 'f2b']);
  assert.equal(reverse.body.parameters[0], { path: 'giorniIstruttoria', from: 20, to: 15 });
});

test('two versions of the same shared definition: parameters compare defaults with defaults (empty); identical models diff empty', async () => {
  const v2 = definitionId(await deploy(admin, { 'df_plain.bpmn': twoTasks(PLAIN, { group: 'g1' }) }, null), PLAIN);
  const v3 = definitionId(await deploy(admin, { 'df_plain.bpmn': twoTasks(PLAIN, { group: 'g1', label: ' (rivisto)' }) }, null), PLAIN);
  const r = await admin.get(`/api/v1/process-definitions/${v3}/diff?against=${v2}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.added, []);
  assert.equal(r.body.removed, []);
  assert.equal(r.body.changed, [{ elementId: 'taskA', type: 'bpmn:UserTask', name: 'Task A (rivisto)', changes: [{ property: 'name', from: 'Task A', to: 'Task A (rivisto)' }] }]);
  assert.equal(r.body.parameters, [], 'a key without parameters has no parameter differences');
  const same = await admin.get(`/api/v1/process-definitions/${v3}/diff?against=default`);
  assert.is(same.body.against.id, v3);
  assert.equal([same.body.added, same.body.removed, same.body.changed, same.body.parameters], [[], [], [], []]);
});

test('visibility: another comune\'s definition answers 404, on either side; bad ids 404/422', async () => {
  const a = await comune();
  const b = await comune();
  const aDef = definitionId(await deploy(a.analyst, { 'df.bpmn': model({ group: 'g2', condition: '${importo > 1500}', timer: 'P3D', extraTask: false }) }), KEY);
  const fromB = await b.analyst.get(`/api/v1/process-definitions/${aDef}/diff?against=default`);
  assert.is(fromB.status, 404);
  assert.is(fromB.body.error.code, 'DEFINITION_NOT_FOUND');
  const againstA = await b.analyst.get(`/api/v1/process-definitions/${defaultId}/diff?against=${aDef}`);
  assert.is(againstA.status, 404);
  assert.is(againstA.body.error.code, 'DEFINITION_NOT_FOUND');
  const operatorA = await app.user({ tenant: a.tenant, roles: ['operatore'] });
  const own = await operatorA.get(`/api/v1/process-definitions/${aDef}/diff?against=default`);
  assert.is(own.status, 200, 'own and shared definitions are visible to the comune');
  assert.equal(own.body.changed.find((c: { elementId: string }) => c.elementId === 'taskA').changes, [{ property: 'candidateGroups', from: 'g1', to: 'g2' }]);
  const bad = await admin.get(`/api/v1/process-definitions/${aDef}/diff?against=latest`);
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'VALIDATION_FAILED');
  const missing = await admin.get('/api/v1/process-definitions/00000000-0000-0000-0000-000000000000/diff');
  assert.is(missing.status, 404);
});

test('no shared default for the key: 404 DEFAULT_DEFINITION_NOT_FOUND', async () => {
  const { analyst } = await comune();
  const id = definitionId(await deploy(analyst, { 'df_only.bpmn': twoTasks('df_only_comune') }), 'df_only_comune');
  const r = await analyst.get(`/api/v1/process-definitions/${id}/diff?against=default`);
  assert.is(r.status, 404);
  assert.is(r.body.error.code, 'DEFAULT_DEFINITION_NOT_FOUND');
});

test.run();
