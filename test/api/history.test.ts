/**
 * Issue 10 item 13: GET /process-instances/{id}/history answers the business
 * history by default — decisions with their outcome, tasks created, claimed
 * and completed by whom, messages, timers fired, documents — in time order
 * with Italian labels; the engine's own events only with ?detail=engine.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process } from '../helpers/models.js';
import { dmn, table } from '../helpers/dmn-models.js';
import { CaseDocument } from '../../src/db/entities/document.entities.js';

const KEY = 'hist_case';
const model = process(
  KEY,
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="regole" />
    <bpmn:businessRuleTask id="regole" name="Valuta fascia" camunda:decisionRef="hist_fascia" camunda:resultVariable="fascia" camunda:mapDecisionResult="singleEntry" />
    <bpmn:sequenceFlow id="f2" sourceRef="regole" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria" camunda:candidateGroups="hist-g" />
    <bpmn:sequenceFlow id="f3" sourceRef="istruttoria" targetRef="attesaEsito" />
    <bpmn:receiveTask id="attesaEsito" name="Attesa esito" messageRef="msgEsito" />
    <bpmn:sequenceFlow id="f4" sourceRef="attesaEsito" targetRef="pausa" />
    <bpmn:intermediateCatchEvent id="pausa" name="Pausa di un'ora"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="pausa" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  `
  <bpmn:message id="msgEsito" name="esitoHist" />`,
);
const decision = dmn(table('hist_fascia', { inputs: [{ expr: 'isee', typeRef: 'number' }], outputs: [{ name: 'livello', typeRef: 'string' }], rules: [[['< 6000'], ['"basso"']], [['>= 6000'], ['"alto"']]] }));

let app: TestApp;
let op: Client;
let tenant: string;
let id: string;

test.before(async () => {
  app = await startTestApp();
  const admin = await app.admin();
  tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: ['hist-g'] });
  const d = await deploy(admin, { 'fascia.dmn': decision, 'case.bpmn': model }, tenant);
  assert.is(d.status, 201, JSON.stringify(d.body));
  const started = await op.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey: 'HIST-1', variables: { isee: 4500 } });
  assert.is(started.status, 201, JSON.stringify(started.body));
  id = started.body.id;
  const task = started.body.openTasks[0].id;
  app.clock.advance(60_000);
  assert.is((await op.post(`/api/v1/tasks/${task}/claim`)).status, 200);
  app.clock.advance(60_000);
  assert.is((await op.post(`/api/v1/tasks/${task}/complete`, { variables: { note: 'ok' } })).status, 200);
  app.clock.advance(60_000);
  const em = app.services.orm.em.fork();
  em.persist(Object.assign(new CaseDocument(), { id: randomUUID(), tenant, instanceId: id, type: 'progetto', template: 'progetto-personalizzato.hbs', title: 'Progetto personalizzato', fileName: 'progetto.pdf', html: '<p></p>', pdf: Buffer.from(''), createdAt: app.clock.now(), createdBy: op.username }));
  await em.flush();
  app.clock.advance(60_000);
  assert.is((await op.post('/api/v1/messages', { name: 'esitoHist', businessKey: 'HIST-1' })).status, 200);
  app.clock.advance(3_600_000 + 1000);
  await app.services.executor.drain();
  await op.refresh();
});
test.after(async () => app.close());

type Entry = { id: number | null; at: string; type: string; label: string; user: string | null; elementName: string | null; details: Record<string, unknown> | null };

test('default: the business history, in time order, with who did what and Italian labels', async () => {
  const r = await op.get(`/api/v1/process-instances/${id}/history`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.detail, 'business');
  const items = r.body.items as Entry[];
  assert.equal(
    items.map((e) => e.type),
    ['process.started', 'decision.evaluated', 'task.created', 'task.claimed', 'task.completed', 'document.created', 'message.received', 'timer.fired', 'process.completed'],
  );
  const times = items.map((e) => Date.parse(e.at));
  assert.equal(times, [...times].sort((a, b) => a - b), 'chronological');
  const by = (type: string) => items.find((e) => e.type === type)!;
  assert.equal(by('decision.evaluated').details!.result, { livello: 'basso' });
  assert.match(by('decision.evaluated').label, 'livello = basso');
  assert.is(by('task.claimed').user, op.username);
  assert.is(by('task.completed').label, `Attività «Istruttoria» completata da ${op.username}`);
  assert.is(by('timer.fired').elementName, "Pausa di un'ora", 'element name from the model');
  assert.is(by('document.created').user, op.username);
  assert.is(by('document.created').id, null);
  assert.is(by('document.created').details!.title, 'Progetto personalizzato');
  assert.ok(!items.some((e) => e.type.startsWith('element.')), 'no engine events');
});

test('?detail=engine: the full log, engine events included, still in time order', async () => {
  const r = await op.get(`/api/v1/process-instances/${id}/history?detail=engine`);
  assert.is(r.status, 200);
  const items = r.body.items as Entry[];
  assert.ok(items.some((e) => e.type === 'element.entered'));
  assert.ok(items.some((e) => e.type === 'timer.scheduled'));
  assert.ok(items.some((e) => e.type === 'task.completed'));
  const times = items.map((e) => Date.parse(e.at));
  assert.equal(times, [...times].sort((a, b) => a - b));
  const bad = await op.get(`/api/v1/process-instances/${id}/history?detail=tutto`);
  assert.is(bad.status, 422);
  assert.is(bad.body.error.details.fields[0].field, 'detail');
});

test.run();
