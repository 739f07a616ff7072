/**
 * Issue 11 item 1, regression: a task completion could overwrite any case
 * variable (the CAF account set isee: 1, esitoInps, a new richiedente; a form
 * task accepted extra isee, dataDomanda, soggettoId). Now a completion writes
 * only what its form or its model/topic declares, messages only what is
 * declared for them; anything else → 422 VARIABLES_NOT_ALLOWED, nothing written.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deploy, startTestApp, type TestApp } from '../helpers/harness.js';
import { process } from '../helpers/models.js';
import { complete, domanda, instance, message, reiWorld, startRei, taskOf, work, type ReiWorld } from '../scenarios/rei-helpers.js';

const ET = '/engine-rest/external-task';
let app: TestApp;
let milano: ReiWorld;
test.before(async () => {
  app = await startTestApp();
  milano = await reiWorld(app, { tenant: 'F205', files: { 'rei.bpmn': fs.readFileSync('processes/F205/rei.bpmn', 'utf8') } });
});
test.after(async () => app.close());

const typed = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'object' ? { value: JSON.stringify(x), type: 'Json' } : { value: x }]));

async function lockCaf(w: ReiWorld, id: string) {
  const locked = await w.op.post(`${ET}/fetchAndLock`, { workerId: 'caf', maxTasks: 10, topics: [{ topicName: 'caf-controlli', lockDuration: 60_000, processInstanceId: id }] });
  assert.is(locked.status, 200, JSON.stringify(locked.body));
  return (locked.body as Array<{ id: string; processInstanceId: string }>).find((t) => t.processInstanceId === id)!;
}

test('the CAF external task cannot overwrite isee, esitoInps, beneficioErogato, richiedente: 422 naming them, nothing written', async () => {
  const s = await startRei(milano, domanda('MI-POL-1'));
  const task = await lockCaf(milano, s.id);
  const bad = await milano.op.post(`${ET}/${task.id}/complete`, {
    workerId: 'caf',
    variables: typed({ requisiti: { esito: 'ammissibile', motivi: [] }, isee: 1, esitoInps: 'positivo', beneficioErogato: true, richiedente: { nome: 'X' } }),
  });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  assert.is(bad.body.error?.code ?? bad.body.code, 'VARIABLES_NOT_ALLOWED', JSON.stringify(bad.body));
  const inst = await instance(milano, s.id);
  assert.is(inst.variables.isee, 3000);
  assert.is(inst.variables.esitoInps, undefined);
  assert.ok(inst.activeElements.includes('controlliCaf'), 'the task stays open');
  // The declared outputs (requisiti, caf) are accepted.
  const ok = await milano.op.post(`${ET}/${task.id}/complete`, { workerId: 'caf', variables: typed({ requisiti: { esito: 'da_verificare', motivi: ['x'] }, caf: { protocollo: 'CAF-1' } }) });
  assert.is(ok.status, 204, JSON.stringify(ok.body));
});

test('a form task refuses variables outside its form (isee, dataDomanda, soggettoId): 422, nothing written', async () => {
  const s = await startRei(milano, domanda('MI-POL-2'));
  await work(milano, s.id, 'caf-controlli', { requisiti: { esito: 'da_verificare', motivi: ['Anni di residenza non indicati'] } });
  const t = await taskOf(milano, s.id, 'verificaRequisiti');
  const caf = await app.user({ tenant: 'F205', roles: ['operatore'], groups: ['caf-convenzionati'] });
  const r = await caf.post(`/api/v1/tasks/${t.id}/complete`, { variables: { esitoIstruttoria: 'ammissibile', isee: 1, dataDomanda: '2020-01-01', soggettoId: 'x' } });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'VARIABLES_NOT_ALLOWED');
  assert.equal([...r.body.error.details.refused].sort(), ['dataDomanda', 'isee', 'soggettoId']);
  const inst = await instance(milano, s.id);
  assert.is(inst.variables.isee, 3000);
  assert.is(inst.variables.dataDomanda, '2026-03-02');
  assert.is(inst.variables.esitoIstruttoria, undefined);
  await complete(milano, caf, s.id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile', caf: { denominazione: 'CAF Lombardia', protocollo: 'CAF-2026-000001' } });
});

test('messages: declared variables pass (esitoInps), others → 422; undeclared messages cannot carry protected variables', async () => {
  const bad = await message(milano, 'esitoInps', 'MI-NOBODY', { esitoInps: 'positivo', isee: 1 });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  assert.equal(bad.body.error.details.refused, ['isee']);
  const other = await message(milano, 'altro', 'MI-NOBODY', { esitoFinale: 'conclusa' });
  assert.is(other.status, 422, JSON.stringify(other.body));
  const fine = await message(milano, 'esitoInps', 'MI-NOBODY', { esitoInps: 'positivo', motiviInps: [] });
  assert.is(fine.status, 404, 'declared variables pass the check (nobody waits for the message)');
});

test('a user task without a form refuses protected variables; an external task of an undeclared topic accepts none; outputParameter names are accepted', async () => {
  const tenant = await app.tenant();
  const admin = await app.admin();
  const model = process(
    'pol_ext',
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ext" />
    <bpmn:serviceTask id="ext" camunda:type="external" camunda:topic="pol-out">
      <bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="risultato">\${risultato}</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="ext" targetRef="ext2" />
    <bpmn:serviceTask id="ext2" camunda:type="external" camunda:topic="pol-none" />
    <bpmn:sequenceFlow id="f3" sourceRef="ext2" targetRef="work" />
    <bpmn:userTask id="work" camunda:candidateGroups="g" />
    <bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g'] });
  const dep = await deploy(admin, { 'pol_ext.bpmn': model }, tenant);
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  const started = await op.post('/api/v1/process-definitions/pol_ext/start', { variables: {} });
  assert.is(started.status, 201, JSON.stringify(started.body));
  const lock = async (topic: string) => ((await op.post(`${ET}/fetchAndLock`, { workerId: 'w', maxTasks: 1, topics: [{ topicName: topic, lockDuration: 60_000 }] })).body as Array<{ id: string }>)[0];
  const t1 = await lock('pol-out');
  assert.is((await op.post(`${ET}/${t1.id}/complete`, { workerId: 'w', variables: typed({ altro: 1 }) })).status, 422);
  assert.is((await op.post(`${ET}/${t1.id}/complete`, { workerId: 'w', variables: typed({ risultato: 'ok' }) })).status, 204);
  const t2 = await lock('pol-none');
  assert.is((await op.post(`${ET}/${t2.id}/complete`, { workerId: 'w', variables: typed({ x: 1 }) })).status, 422);
  assert.is((await op.post(`${ET}/${t2.id}/complete`, { workerId: 'w' })).status, 204);
  const task = ((await op.get(`/api/v1/tasks?processInstanceId=${started.body.id}`)).body.items as Array<{ id: string }>)[0];
  const refused = await op.post(`/api/v1/tasks/${task.id}/complete`, { variables: { esitoFinale: 'x', nota: 'ok' } });
  assert.is(refused.status, 422);
  assert.equal(refused.body.error.details.refused, ['esitoFinale']);
  assert.is((await op.post(`/api/v1/tasks/${task.id}/complete`, { variables: { nota: 'ok' } })).status, 200);
});

test.run();
