import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn, twoTasks } from '../helpers/models.js';
import { compileBpmn } from '../../src/engine/definitions/compile.js';
import { runCommand } from '../../src/engine/execution/runtime.js';
import { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { ManualClock } from '../../src/shared/clock.js';
import { rewriteState, runningElements } from '../../src/tailoring/migration/state-rewrite.js';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

async function comune() {
  const tenant = await app.tenant();
  const operator = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const analyst = await app.user({ tenant, roles: ['analista'] });
  return { tenant, operator, analyst };
}

function definitionId(reply: { status: number; body: any }, key: string): string {
  assert.is(reply.status, 201, JSON.stringify(reply.body));
  const def = reply.body.definitions.find((d: { key: string }) => d.key === key);
  assert.ok(def?.created, JSON.stringify(reply.body));
  return def.id;
}

/** The comune's version: taskA is now taskA2 and is followed by a new task; taskB is gone. */
function renamed(key: string): string {
  return bpmn(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="taskA2" />
    <bpmn:userTask id="taskA2" name="Task A (comune)" camunda:candidateGroups="g1" camunda:dueDate="P10D" />
    <bpmn:sequenceFlow id="f2" sourceRef="taskA2" targetRef="taskNew" />
    <bpmn:userTask id="taskNew" name="Nuova verifica" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="taskNew" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  ).replace('id="defs"', 'id="Definitions_comune"');
}

async function start(op: Client, key: string, businessKey: string) {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { businessKey, variables: { owner: op.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; definitionId: string };
}

async function openTask(op: Client, instanceId: string) {
  const r = await op.get(`/api/v1/tasks?processInstanceId=${instanceId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.total, 1, JSON.stringify(r.body));
  return r.body.items[0];
}

test('dry run, then migration with a renamed element; the migrated task continues on the target model', async () => {
  const key = 'mg_rename';
  const { tenant, operator, analyst } = await comune();
  const sourceId = definitionId(await deploy(admin, { 'mg.bpmn': twoTasks(key) }, null), key);

  // inst1 waits in taskA (claimed: the assignee must survive); inst2 has moved on to taskB.
  const inst1 = await start(operator, key, 'PRATICA-1');
  const task1 = await openTask(operator, inst1.id);
  assert.is((await operator.post(`/api/v1/tasks/${task1.id}/claim`)).status, 200);
  const inst2 = await start(operator, key, 'PRATICA-2');
  const t2 = await openTask(operator, inst2.id);
  assert.is((await operator.post(`/api/v1/tasks/${t2.id}/complete`, {})).status, 200);

  const targetId = definitionId(await deploy(analyst, { 'mg.bpmn': renamed(key) }), key);
  const body = { sourceDefinitionId: sourceId, targetDefinitionId: targetId, mapping: { taskA: 'taskA2' } };

  const dry = await analyst.post('/api/v1/migrations', body);
  assert.is(dry.status, 200, JSON.stringify(dry.body));
  assert.is(dry.body.dryRun, true);
  assert.is(dry.body.total, 2);
  assert.is(dry.body.migratable, 1);
  const byId = Object.fromEntries(dry.body.instances.map((i: { processInstanceId: string }) => [i.processInstanceId, i]));
  assert.equal(byId[inst1.id], { processInstanceId: inst1.id, businessKey: 'PRATICA-1', tenant, activeElements: ['taskA'], canMigrate: true, reasons: [] });
  assert.is(byId[inst2.id].canMigrate, false);
  assert.is(byId[inst2.id].reasons.length, 1);
  assert.ok(byId[inst2.id].reasons[0].includes('"taskB"'), byId[inst2.id].reasons[0]);
  const untouched = await operator.get(`/api/v1/process-instances/${inst1.id}`);
  assert.is(untouched.body.definitionId, sourceId, 'a dry run changes nothing');

  const run = await analyst.post('/api/v1/migrations', { ...body, dryRun: false, batchSize: 1 });
  assert.is(run.status, 200, JSON.stringify(run.body));
  assert.is(run.body.migrated, 1);
  assert.equal(run.body.migratedIds, [inst1.id]);
  assert.equal(run.body.failed.map((f: { processInstanceId: string }) => f.processInstanceId), [inst2.id]);
  assert.ok(run.body.failed[0].reason.includes('"taskB"'));

  // The instance now runs the comune's version; its task kept id, assignee and due date.
  const moved = await operator.get(`/api/v1/process-instances/${inst1.id}`);
  assert.is(moved.body.definitionId, targetId);
  assert.is(moved.body.definitionVersion, 1);
  assert.equal(moved.body.activeElements, ['taskA2']);
  const task = await openTask(operator, inst1.id);
  assert.is(task.id, task1.id);
  assert.is(task.elementId, 'taskA2');
  assert.is(task.assignee, operator.username);
  assert.is(task.dueAt, task1.dueAt);
  const history = await operator.get(`/api/v1/process-instances/${inst1.id}/history?detail=engine`);
  const migrated = history.body.items.find((e: { type: string }) => e.type === 'process.migrated');
  assert.ok(migrated, JSON.stringify(history.body.items.map((e: { type: string }) => e.type)));
  assert.is(migrated.user, analyst.username);
  assert.equal(migrated.details, {
    from: { definitionId: sourceId, version: 1, tenant: null },
    to: { definitionId: targetId, version: 1, tenant },
    mapping: { taskA: 'taskA2' },
  });

  // Completing the migrated task follows the TARGET model: taskNew, then the end (never taskB).
  const done = await operator.post(`/api/v1/tasks/${task.id}/complete`, { variables: { esito: 'ok' } });
  assert.is(done.status, 200, JSON.stringify(done.body));
  const next = await openTask(operator, inst1.id);
  assert.is(next.elementId, 'taskNew');
  assert.is(next.name, 'Nuova verifica');
  assert.is((await operator.post(`/api/v1/tasks/${next.id}/complete`, {})).status, 200);
  const finished = await operator.get(`/api/v1/process-instances/${inst1.id}`);
  assert.is(finished.body.status, 'completed');
  const path = (await operator.get(`/api/v1/process-instances/${inst1.id}/history?detail=engine`)).body.items
    .filter((e: { type: string }) => e.type === 'element.entered')
    .map((e: { elementId: string }) => e.elementId);
  assert.equal(path, ['start', 'taskA', 'taskNew', 'end']);

  // The instance that could not move is untouched and still runs the old model.
  const stayed = await operator.get(`/api/v1/process-instances/${inst2.id}`);
  assert.is(stayed.body.definitionId, sourceId);
  const tb = await openTask(operator, inst2.id);
  assert.is(tb.elementId, 'taskB');
  assert.is((await operator.post(`/api/v1/tasks/${tb.id}/complete`, {})).status, 200);
  assert.is((await operator.get(`/api/v1/process-instances/${inst2.id}`)).body.status, 'completed');
});

test('a waiting receive task renamed by the mapping: the subscription follows, the message is delivered on the target', async () => {
  const key = 'mg_message';
  const { operator, analyst } = await comune();
  const waitModel = (waitId: string, after: string) =>
    bpmn(
      key,
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="${waitId}" />
    <bpmn:receiveTask id="${waitId}" name="Attesa esito" messageRef="msgEsito" />
    <bpmn:sequenceFlow id="f2" sourceRef="${waitId}" targetRef="${after}" />
    <bpmn:userTask id="${after}" name="Dopo" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="${after}" targetRef="end" />
    <bpmn:endEvent id="end" />`,
      `\n  <bpmn:message id="msgEsito" name="esito" />`,
    );
  const sourceId = definitionId(await deploy(admin, { 'mgm.bpmn': waitModel('wait', 'after') }, null), key);
  const inst = await start(operator, key, 'MSG-1');
  const targetId = definitionId(await deploy(analyst, { 'mgm.bpmn': waitModel('attesaInps', 'valutazione') }), key);
  const run = await analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetId, mapping: { wait: 'attesaInps' }, dryRun: false });
  assert.is(run.status, 200, JSON.stringify(run.body));
  assert.is(run.body.migrated, 1, JSON.stringify(run.body));
  const delivered = await operator.post('/api/v1/messages', { name: 'esito', processInstanceId: inst.id, variables: { esito: 'positivo' } });
  assert.is(delivered.status, 200, JSON.stringify(delivered.body));
  assert.equal(delivered.body.delivered[0].activeElements, ['valutazione']);
  const task = await openTask(operator, inst.id);
  assert.is(task.elementId, 'valutazione');
});

test('an analyst of another comune is refused; case officers 403; an instanceIds filter never reaches other comuni', async () => {
  const key = 'mg_scope';
  const a = await comune();
  const b = await comune();
  const sourceId = definitionId(await deploy(admin, { 'mgs.bpmn': twoTasks(key) }, null), key);
  const instA = await start(a.operator, key, 'A-1');
  const instB = await start(b.operator, key, 'B-1');
  const targetA = definitionId(await deploy(a.analyst, { 'mgs.bpmn': renamed(key) }), key);

  // B's analyst cannot even see A's definition.
  const refused = await b.analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetA, mapping: { taskA: 'taskA2' }, dryRun: false });
  assert.is(refused.status, 404, JSON.stringify(refused.body));
  assert.is(refused.body.error.code, 'DEFINITION_NOT_FOUND');
  // Case officers may not migrate at all.
  const officer = await a.operator.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetA, mapping: { taskA: 'taskA2' } });
  assert.is(officer.status, 403);
  assert.is(officer.body.error.code, 'ROLE_REQUIRED');

  // A's analyst sees only A's instances; naming B's instance reports it as not found, and B's stays where it was.
  const dry = await a.analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetA, mapping: { taskA: 'taskA2' } });
  assert.equal(dry.body.instances.map((i: { processInstanceId: string }) => i.processInstanceId), [instA.id]);
  const run = await a.analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetA, mapping: { taskA: 'taskA2' }, dryRun: false, instanceIds: [instA.id, instB.id] });
  assert.is(run.status, 200, JSON.stringify(run.body));
  assert.is(run.body.migrated, 1);
  assert.equal(run.body.failed.map((f: { processInstanceId: string }) => f.processInstanceId), [instB.id]);
  assert.is((await b.operator.get(`/api/v1/process-instances/${instB.id}`)).body.definitionId, sourceId);

  // An admin moving B's instance to A's definition: refused per instance (the target belongs to another comune).
  const cross = await admin.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetA, mapping: { taskA: 'taskA2' } });
  assert.is(cross.status, 200);
  assert.is(cross.body.instances.length, 1);
  assert.is(cross.body.instances[0].processInstanceId, instB.id);
  assert.is(cross.body.instances[0].canMigrate, false);
  assert.ok(cross.body.instances[0].reasons[0].includes(a.tenant), cross.body.instances[0].reasons[0]);
});

test('request validation: unknown mapping ids 422, same source and target 422, different type reported', async () => {
  const key = 'mg_valid';
  const { operator, analyst } = await comune();
  const sourceId = definitionId(await deploy(admin, { 'mgv.bpmn': twoTasks(key) }, null), key);
  await start(operator, key, 'V-1');
  const targetId = definitionId(await deploy(analyst, { 'mgv.bpmn': renamed(key) }), key);
  const unknown = await analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetId, mapping: { nonEsiste: 'taskA2', taskA: 'nemmeno' } });
  assert.is(unknown.status, 422);
  assert.is(unknown.body.error.code, 'MIGRATION_MAPPING_INVALID');
  assert.equal(unknown.body.error.details.fields.map((f: { field: string }) => f.field), ['mapping.nonEsiste', 'mapping.taskA']);
  const same = await analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: sourceId });
  assert.is(same.status, 422);
  assert.is(same.body.error.code, 'MIGRATION_SAME_DEFINITION');
  const typed = await analyst.post('/api/v1/migrations', { sourceDefinitionId: sourceId, targetDefinitionId: targetId, mapping: { taskA: 'end' } });
  assert.is(typed.status, 200);
  assert.is(typed.body.instances[0].canMigrate, false);
  assert.ok(typed.body.instances[0].reasons[0].includes('bpmn:EndEvent'), typed.body.instances[0].reasons[0]);
  const badBody = await analyst.post('/api/v1/migrations', { sourceDefinitionId: 'x', targetDefinitionId: targetId, dryRun: 'no' });
  assert.is(badBody.status, 422);
  assert.is(badBody.body.error.code, 'VALIDATION_FAILED');
});

test('state rewrite: element ids, execution-id prefixes and the definitions id change; process variables do not', async () => {
  const compiled = await compileBpmn(twoTasks('mg_unit'), { handlerNames: new Set() });
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  const ctx = { definitionId: 'mg-unit', process: compiled.processes[0], instanceId: 'i-unit', tenant: 'X000', businessKey: null, params: {}, handlers: new HandlerRegistry(), clock };
  const started = await runCommand(ctx, null, { type: 'start', variables: { owner: 'u', pratica: { id: 'taskA', note: 'taskA_1234567890' } } });
  const [waiting] = runningElements(started.state);
  assert.is(waiting.id, 'taskA');
  const { state, executionIds } = rewriteState(started.state, { elementIds: new Map([['taskA', 'taskA2']]), definitions: { from: 'defs', to: 'Definitions_x' } });
  assert.is(executionIds.get(waiting.executionId!), waiting.executionId!.replace(/^taskA_/, 'taskA2_'));
  assert.equal(runningElements(state), [{ id: 'taskA2', type: 'bpmn:UserTask', executionId: executionIds.get(waiting.executionId!)! }]);
  const json = JSON.stringify(state);
  assert.not.ok(json.includes(waiting.executionId!), 'no old execution id is left');
  const stale: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'environment' || k === 'variables') continue;
      if ((k === 'id' || k === 'targetId') && v === 'taskA') stale.push(`${path}.${k}`);
      walk(v, `${path}.${k}`);
    }
  };
  walk(state, '');
  assert.equal(stale, [], 'no reference to the old element id outside user data');
  assert.ok(json.includes('"targetId":"taskA2"'));
  assert.ok(json.includes('"id":"Definitions_x"'));
  const vars = (state as any).definitions[0].environment.variables;
  assert.equal(vars.pratica, { id: 'taskA', note: 'taskA_1234567890' }, 'process variables are user data, never rewritten');
});

test.run();
