/**
 * External service tasks (work items in table external_task, completed through
 * the engine service) and message correlation through POST /api/v1/messages:
 * by business key or by instance id, variables merged, uncorrelated messages
 * and other comuni answering 404.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { messageAndExternal, process } from '../helpers/models.js';
import { EventSubscription, ExternalTask } from '../../src/db/entities/index.js';

/** start → intermediate message catch ("documenti") → userTask → end */
const catchModel = process(
  'msg_catch',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="attesaDocumenti" />
    <bpmn:intermediateCatchEvent id="attesaDocumenti" name="Documenti ricevuti">
      <bpmn:messageEventDefinition id="med1" messageRef="msgDocumenti" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="attesaDocumenti" targetRef="esame" />
    <bpmn:userTask id="esame" name="Esame documenti" camunda:candidateGroups="msg-g" />
    <bpmn:sequenceFlow id="f3" sourceRef="esame" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  `
  <bpmn:message id="msgDocumenti" name="documenti" />`,
);

let app: TestApp;
let tenantA: string;
let tenantB: string;
let opA: Client;
let opB: Client;

test.before(async () => {
  app = await startTestApp();
  tenantA = await app.tenant();
  tenantB = await app.tenant();
  const admin = await app.admin();
  const dep = await deploy(admin, { 'ext.bpmn': messageAndExternal('msg_ext'), 'catch.bpmn': catchModel });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  opA = await app.user({ tenant: tenantA, roles: ['operatore'], groups: ['g1', 'msg-g'] });
  opB = await app.user({ tenant: tenantB, roles: ['operatore'], groups: ['g1', 'msg-g'] });
});
test.after(async () => app.close());

async function start(client: Client, key: string, businessKey: string | null, variables: Record<string, unknown> = {}) {
  const r = await client.post(`/api/v1/process-definitions/${key}/start`, { businessKey, variables });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; activeElements: string[]; status: string; variables: Record<string, unknown> };
}

function externalTasks(instanceId: string) {
  return app.services.orm.em.fork().find(ExternalTask, { instanceId }, { orderBy: { createdAt: 'asc' } });
}

function subscriptions(instanceId: string) {
  return app.services.orm.em.fork().find(EventSubscription, { instanceId });
}

/** Completes the instance's one open external task through the engine service, as a worker would. */
function completeExternal(instanceId: string, variables: Record<string, unknown>) {
  return app.services.store.transaction(async (tx) => {
    const work = await tx.openWork(instanceId);
    assert.is(work.externalTasks.length, 1, 'one open external task');
    return app.services.processes.completeExternalTask(tx, work.externalTasks[0]!, variables, { username: 'w' });
  });
}

const history = async (client: Client, id: string) => (await client.get(`/api/v1/process-instances/${id}/history?detail=engine`)).body.items as Array<{ type: string; elementId: string | null; user: string | null; details: any }>;

test('external service task: work item created in external_task, completed through the engine', async () => {
  const inst = await start(opA, 'msg_ext', 'MSG-EXT-1', { richiedente: 'Rossi' });
  assert.equal(inst.activeElements, ['ext']);
  const [ext, ...more] = await externalTasks(inst.id);
  assert.is(more.length, 0);
  assert.ok(ext);
  assert.is(ext.status, 'open');
  assert.is(ext.topic, 'invio');
  assert.is(ext.elementId, 'ext');
  assert.is(ext.tenant, tenantA);
  assert.is(ext.businessKey, 'MSG-EXT-1');
  assert.is(ext.definitionKey, 'msg_ext');
  assert.equal(await subscriptions(inst.id), [], 'nothing waits for a message yet');
  assert.is((await opA.get(`/api/v1/tasks?processInstanceId=${inst.id}`)).body.total, 0);

  // the message arrives too early: nobody is waiting for it yet
  const early = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-EXT-1' });
  assert.is(early.status, 404);
  assert.is(early.body.error.code, 'MESSAGE_NOT_CORRELATED');

  const after = await completeExternal(inst.id, { protocollo: 'P-2026-1' });
  assert.is(after.status, 'active');
  assert.equal(after.activeElements, ['wait']);

  const [done] = await externalTasks(inst.id);
  assert.is(done!.status, 'completed');
  assert.ok(done!.endedAt);
  const detail = await opA.get(`/api/v1/process-instances/${inst.id}`);
  assert.equal(detail.body.activeElements, ['wait']);
  assert.is(detail.body.variables.protocollo, 'P-2026-1');
  assert.is(detail.body.variables.richiedente, 'Rossi');
  const subs = await subscriptions(inst.id);
  assert.is(subs.length, 1);
  assert.is(subs[0]!.name, 'esito');
  assert.is(subs[0]!.elementId, 'wait');
  assert.is(subs[0]!.businessKey, 'MSG-EXT-1');

  const events = await history(opA, inst.id);
  const extDone = events.filter((e) => e.type === 'external.completed');
  assert.is(extDone.length, 1);
  assert.is(extDone[0]!.elementId, 'ext');
  assert.is(extDone[0]!.user, 'w');
  assert.ok(events.some((e) => e.type === 'external.created' && e.details?.topic === 'invio'));

  // completing it again fails: the work item is gone
  const again = await app.services.store.transaction(async (tx) => (await tx.openWork(inst.id)).externalTasks.length);
  assert.is(again, 0);
});

test('POST /messages by businessKey moves the instance on and merges the variables', async () => {
  const inst = await start(opA, 'msg_ext', 'MSG-BK-1', { richiedente: 'Bianchi', esito: 'in attesa' });
  await completeExternal(inst.id, { protocollo: 'P-2026-2' });
  const other = await start(opA, 'msg_ext', 'MSG-BK-2');
  await completeExternal(other.id, {});

  const r = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-BK-1', variables: { esito: 'positivo', importo: 320.5 } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.delivered, [{ processInstanceId: inst.id, businessKey: 'MSG-BK-1', status: 'active', activeElements: ['after'] }]);

  const detail = await opA.get(`/api/v1/process-instances/${inst.id}`);
  assert.equal(detail.body.activeElements, ['after']);
  assert.equal(detail.body.openTasks.map((t: { elementId: string }) => t.elementId), ['after']);
  assert.is(detail.body.variables.esito, 'positivo', 'message variables overwrite');
  assert.is(detail.body.variables.importo, 320.5);
  assert.is(detail.body.variables.protocollo, 'P-2026-2', 'earlier variables kept');
  assert.is(detail.body.variables.richiedente, 'Bianchi');
  assert.equal(await subscriptions(inst.id), []);

  const events = await history(opA, inst.id);
  const received = events.filter((e) => e.type === 'message.received');
  assert.is(received.length, 1);
  assert.is(received[0]!.elementId, 'wait');
  assert.is(received[0]!.user, opA.username);
  assert.equal(received[0]!.details, { name: 'esito' });

  // the other instance, with another business key, still waits
  const still = await opA.get(`/api/v1/process-instances/${other.id}`);
  assert.equal(still.body.activeElements, ['wait']);
  assert.is((await subscriptions(other.id)).length, 1);

  // the same message again: nobody waits for it any more
  const twice = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-BK-1', variables: { esito: 'negativo' } });
  assert.is(twice.status, 404);
  assert.is(twice.body.error.code, 'MESSAGE_NOT_CORRELATED');
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.variables.esito, 'positivo');

  // the instance then runs to the end
  const task = detail.body.openTasks[0].id;
  assert.is((await opA.post(`/api/v1/tasks/${task}/complete`, {})).status, 200);
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.status, 'completed');
});

test('POST /messages by processInstanceId (no business key needed)', async () => {
  const inst = await start(opA, 'msg_ext', null);
  await completeExternal(inst.id, {});
  const twin = await start(opA, 'msg_ext', null);
  await completeExternal(twin.id, {});

  const r = await opA.post('/api/v1/messages', { name: 'esito', processInstanceId: inst.id, variables: { esito: 'ok' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.delivered.length, 1);
  assert.is(r.body.delivered[0].processInstanceId, inst.id);
  assert.is(r.body.delivered[0].businessKey, null);
  assert.equal(r.body.delivered[0].activeElements, ['after']);
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.variables.esito, 'ok');
  assert.equal((await opA.get(`/api/v1/process-instances/${twin.id}`)).body.activeElements, ['wait']);

  // wrong message name for that instance
  const wrongName = await opA.post('/api/v1/messages', { name: 'documenti', processInstanceId: twin.id });
  assert.is(wrongName.status, 404);
  assert.is(wrongName.body.error.code, 'MESSAGE_NOT_CORRELATED');
  assert.equal((await opA.get(`/api/v1/process-instances/${twin.id}`)).body.activeElements, ['wait']);
});

test('intermediate message catch event', async () => {
  const inst = await start(opA, 'msg_catch', 'MSG-CATCH-1', { pratica: 7 });
  assert.equal(inst.activeElements, ['attesaDocumenti']);
  const subs = await subscriptions(inst.id);
  assert.is(subs.length, 1);
  assert.is(subs[0]!.name, 'documenti');
  assert.is(subs[0]!.elementId, 'attesaDocumenti');
  assert.is((await opA.get(`/api/v1/tasks?processInstanceId=${inst.id}`)).body.total, 0);

  const wrong = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-CATCH-1' });
  assert.is(wrong.status, 404);
  assert.is(wrong.body.error.code, 'MESSAGE_NOT_CORRELATED');

  const r = await opA.post('/api/v1/messages', { name: 'documenti', businessKey: 'MSG-CATCH-1', variables: { documenti: ['isee.pdf'], completi: true } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.delivered, [{ processInstanceId: inst.id, businessKey: 'MSG-CATCH-1', status: 'active', activeElements: ['esame'] }]);
  const detail = await opA.get(`/api/v1/process-instances/${inst.id}`);
  assert.equal(detail.body.activeElements, ['esame']);
  assert.equal(detail.body.variables.documenti, ['isee.pdf']);
  assert.is(detail.body.variables.completi, true);
  assert.is(detail.body.variables.pratica, 7);
  assert.equal(await subscriptions(inst.id), []);
  const events = await history(opA, inst.id);
  assert.ok(events.some((e) => e.type === 'message.received' && e.elementId === 'attesaDocumenti'));
  assert.ok(events.some((e) => e.type === 'element.left' && e.elementId === 'attesaDocumenti'));

  // by instance id too
  const second = await start(opA, 'msg_catch', 'MSG-CATCH-2');
  const byId = await opA.post('/api/v1/messages', { name: 'documenti', processInstanceId: second.id, variables: { completi: false } });
  assert.is(byId.status, 200, JSON.stringify(byId.body));
  assert.equal(byId.body.delivered[0].activeElements, ['esame']);
  assert.is((await opA.get(`/api/v1/process-instances/${second.id}`)).body.variables.completi, false);
});

test('a message nobody waits for → 404 MESSAGE_NOT_CORRELATED', async () => {
  const r = await opA.post('/api/v1/messages', { name: 'nessuno-aspetta', businessKey: 'MSG-NONE' });
  assert.is(r.status, 404);
  assert.is(r.body.error.code, 'MESSAGE_NOT_CORRELATED');
  assert.type(r.body.error.message, 'string');
  const unknownBk = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-NESSUNA-PRATICA' });
  assert.is(unknownBk.status, 404);
  assert.is(unknownBk.body.error.code, 'MESSAGE_NOT_CORRELATED');
  const unknownId = await opA.post('/api/v1/messages', { name: 'esito', processInstanceId: '00000000-0000-4000-8000-000000000000' });
  assert.is(unknownId.status, 404);
  assert.is(unknownId.body.error.code, 'MESSAGE_NOT_CORRELATED');
});

test('a message for another comune\'s business key or instance → 404, the instance keeps waiting', async () => {
  const inst = await start(opA, 'msg_ext', 'MSG-TEN-1');
  await completeExternal(inst.id, {});
  const byBk = await opB.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-TEN-1', variables: { esito: 'intruso' } });
  assert.is(byBk.status, 404);
  assert.is(byBk.body.error.code, 'MESSAGE_NOT_CORRELATED');
  const byId = await opB.post('/api/v1/messages', { name: 'esito', processInstanceId: inst.id, variables: { esito: 'intruso' } });
  assert.is(byId.status, 404);
  assert.is(byId.body.error.code, 'MESSAGE_NOT_CORRELATED');

  const detail = await opA.get(`/api/v1/process-instances/${inst.id}`);
  assert.equal(detail.body.activeElements, ['wait']);
  assert.is(detail.body.variables.esito, undefined);
  assert.is((await subscriptions(inst.id)).length, 1);

  // the same business key in comune B correlates only there
  const mirror = await start(opB, 'msg_ext', 'MSG-TEN-1');
  await completeExternal(mirror.id, {});
  const inB = await opB.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-TEN-1', variables: { esito: 'B' } });
  assert.is(inB.status, 200, JSON.stringify(inB.body));
  assert.equal(inB.body.delivered.map((d: { processInstanceId: string }) => d.processInstanceId), [mirror.id]);
  assert.equal((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.activeElements, ['wait']);

  const own = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'MSG-TEN-1', variables: { esito: 'A' } });
  assert.is(own.status, 200);
  assert.equal(own.body.delivered.map((d: { processInstanceId: string }) => d.processInstanceId), [inst.id]);
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.variables.esito, 'A');
});

test('message request validation and roles', async () => {
  const none = await opA.post('/api/v1/messages', { name: 'esito' });
  assert.is(none.status, 422);
  assert.is(none.body.error.code, 'VALIDATION_FAILED');
  const badVar = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'X', variables: { 'non valido': 1 } });
  assert.is(badVar.status, 422);
  assert.is(badVar.body.error.code, 'VALIDATION_FAILED');
  const extra = await opA.post('/api/v1/messages', { name: 'esito', businessKey: 'X', correlationKey: 'Y' });
  assert.is(extra.status, 422);
  const analyst = await app.user({ tenant: tenantA, roles: ['analista'] });
  const denied = await analyst.post('/api/v1/messages', { name: 'esito', businessKey: 'X' });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'ROLE_REQUIRED');
  const anon = await app.anonymous().post('/api/v1/messages', { name: 'esito', businessKey: 'X' });
  assert.is(anon.status, 401);
});

test.run();
