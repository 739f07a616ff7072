/**
 * Timer start events of event sub-processes: armed as durable jobs when their
 * scope (the process or a sub-process) starts, firing the event sub-process
 * (an interrupting one cancels the rest of the scope), dropped when the scope
 * ends; non-interrupting cycles repeat.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestApp, Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { process as bpmn } from '../helpers/models.js';
import { Job } from '../../src/db/entities/index.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
let app: TestApp;
let op: Client;

const esp = (id: string, interrupting: boolean, timer: string, prefix = id) => `
    <bpmn:subProcess id="${id}" triggeredByEvent="true">
      <bpmn:startEvent id="${prefix}Start" isInterrupting="${interrupting}"><bpmn:timerEventDefinition>${timer}</bpmn:timerEventDefinition></bpmn:startEvent>
      <bpmn:sequenceFlow id="${prefix}F1" sourceRef="${prefix}Start" targetRef="${prefix}Task" />
      <bpmn:userTask id="${prefix}Task" name="Sollecito" camunda:candidateGroups="g1" />
      <bpmn:sequenceFlow id="${prefix}F2" sourceRef="${prefix}Task" targetRef="${prefix}End" />
      <bpmn:endEvent id="${prefix}End" />
    </bpmn:subProcess>`;

const topLevel = (key: string, espXml: string) =>
  bpmn(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Istruttoria" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />${espXml}`,
  );

test.before(async () => {
  const models = {
    'interrupting.bpmn': topLevel('esp_interrupting', esp('scadenza', true, '<bpmn:timeDuration>P10D</bpmn:timeDuration>')),
    'cycle.bpmn': topLevel('esp_cycle', esp('promemoria', false, '<bpmn:timeCycle>R3/P1D</bpmn:timeCycle>')),
    'expr.bpmn': topLevel('esp_expression', esp('entro', true, '<bpmn:timeDuration>${durata}</bpmn:timeDuration>')),
    'nested.bpmn': bpmn(
      'esp_nested',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub" name="Analisi">
      <bpmn:startEvent id="subStart" />
      <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="work" />
      <bpmn:userTask id="work" name="Analisi preliminare" camunda:candidateGroups="g1" />
      <bpmn:sequenceFlow id="s2" sourceRef="work" targetRef="subEnd" />
      <bpmn:endEvent id="subEnd" />${esp('fuoriTempo', true, '<bpmn:timeDuration>PT12H</bpmn:timeDuration>')}${esp('avviso', false, '<bpmn:timeDuration>PT1H</bpmn:timeDuration>')}
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after" />
    <bpmn:userTask id="after" name="Dopo" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
  };
  ({ app, op } = await startFixture({ models }));
});
test.after(async () => app.close());

const drain = async () => {
  await app.services.executor.drain();
  await op.refresh();
};
const espJobs = async (instanceId: string) => (await app.services.orm.em.fork().find(Job, { instanceId }, { orderBy: { dueAt: 'asc' } })).filter((j) => j.kind === 'event-subprocess-timer');
const instance = async (id: string) => (await op.get(`/api/v1/process-instances/${id}`)).body;
const open = async (id: string, elementId: string) => (await op.get(`/api/v1/tasks?processInstanceId=${id}&elementId=${elementId}`)).body.items as Array<{ id: string }>;
const all = async (id: string, elementId: string) => (await op.get(`/api/v1/tasks?processInstanceId=${id}&elementId=${elementId}&status=all`)).body.total as number;
const complete = async (taskId: string) => assert.is((await op.post(`/api/v1/tasks/${taskId}/complete`, {})).status, 200);
const history = async (id: string) => (await op.get(`/api/v1/process-instances/${id}/history?detail=engine`)).body.items as Array<{ type: string; elementId: string | null }>;

async function start(key: string, variables: Record<string, unknown> = {}) {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { variables });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; startedAt: string };
}

test('interrupting: armed when the process starts, fires after downtime, cancels the rest of the process', async () => {
  const inst = await start('esp_interrupting');
  const [job] = await espJobs(inst.id);
  assert.ok(job, 'a durable job for the event sub-process timer');
  assert.is(job!.elementId, 'scadenzaStart');
  assert.is(job!.dueAt.getTime(), new Date(inst.startedAt).getTime() + 10 * DAY);
  await drain();
  assert.is((await open(inst.id, 'scadenzaTask')).length, 0, 'not due yet');
  app.clock.advance(30 * DAY); // well past the due time
  await drain();
  assert.is((await open(inst.id, 'work')).length, 0, 'the main path was interrupted');
  const [esc] = await open(inst.id, 'scadenzaTask');
  assert.ok(esc);
  assert.is((await espJobs(inst.id)).length, 0);
  await drain();
  assert.is(await all(inst.id, 'scadenzaTask'), 1, 'fired once');
  await complete(esc!.id);
  assert.is((await instance(inst.id)).status, 'completed');
  assert.is((await history(inst.id)).filter((e) => e.type === 'timer.fired').length, 1);
});

test('the job is dropped when the process ends before the timer', async () => {
  const inst = await start('esp_interrupting');
  assert.is((await espJobs(inst.id)).length, 1);
  const [work] = await open(inst.id, 'work');
  await complete(work!.id);
  assert.is((await instance(inst.id)).status, 'completed');
  assert.is((await espJobs(inst.id)).length, 0);
});

test('non-interrupting cycle R3/P1D: a reminder a day, three times, while the main task stays open', async () => {
  const inst = await start('esp_cycle');
  for (let day = 1; day <= 4; day++) {
    app.clock.advance(DAY + 60_000);
    await drain();
    const reminders = await open(inst.id, 'promemoriaTask');
    assert.is(reminders.length, day <= 3 ? 1 : 0, `day ${day}`);
    assert.is(await all(inst.id, 'promemoriaTask'), Math.min(day, 3));
    assert.is((await open(inst.id, 'work')).length, 1, 'the main path goes on');
    for (const r of reminders) await complete(r.id);
  }
  assert.is((await espJobs(inst.id)).length, 0, 'R3: no fourth occurrence');
  const [work] = await open(inst.id, 'work');
  await complete(work!.id);
  assert.is((await instance(inst.id)).status, 'completed');
});

test('a cycle occurrence while the previous event sub-process still runs is skipped, and the cycle goes on', async () => {
  const inst = await start('esp_cycle');
  app.clock.advance(DAY + 60_000);
  await drain();
  app.clock.advance(DAY);
  await drain();
  assert.is(await all(inst.id, 'promemoriaTask'), 1);
  assert.is((await history(inst.id)).filter((e) => e.type === 'timer.skipped').length, 1);
  assert.is((await espJobs(inst.id)).length, 1, 'the third occurrence is still armed');
  const [work] = await open(inst.id, 'work');
  await complete(work!.id);
  assert.is((await instance(inst.id)).status, 'active', 'the running reminder keeps the process open');
  assert.is((await espJobs(inst.id)).length, 1, 'the process scope is still active');
  const [reminder] = await open(inst.id, 'promemoriaTask');
  await complete(reminder!.id);
  assert.is((await instance(inst.id)).status, 'completed');
  assert.is((await espJobs(inst.id)).length, 0);
});

test('a timer value given by an expression is resolved when the scope starts', async () => {
  const inst = await start('esp_expression', { durata: 'PT6H' });
  const [job] = await espJobs(inst.id);
  assert.is(job!.dueAt.getTime(), new Date(inst.startedAt).getTime() + 6 * HOUR);
  assert.is((job!.payload as { value: string }).value, 'PT6H');
});

test('inside a sub-process: armed when the sub-process starts, dropped when it ends', async () => {
  const inst = await start('esp_nested');
  const jobs = await espJobs(inst.id);
  assert.equal(jobs.map((j) => j.elementId), ['avvisoStart', 'fuoriTempoStart']);
  const [work] = await open(inst.id, 'work');
  await complete(work!.id);
  assert.is((await open(inst.id, 'after')).length, 1);
  assert.is((await espJobs(inst.id)).length, 0, 'the scope ended: its timers are cancelled');
  const types = (await history(inst.id)).filter((e) => e.type === 'timer.cancelled').map((e) => e.elementId);
  assert.equal(types.sort(), ['avvisoStart', 'fuoriTempoStart']);
});

test('inside a sub-process: non-interrupting, then interrupting, which ends the sub-process when done', async () => {
  const inst = await start('esp_nested');
  app.clock.advance(2 * HOUR);
  await drain();
  const [notice] = await open(inst.id, 'avvisoTask');
  assert.ok(notice, 'the non-interrupting one fired');
  assert.is((await open(inst.id, 'work')).length, 1);
  app.clock.advance(12 * HOUR);
  await drain();
  assert.is((await open(inst.id, 'work')).length, 0, 'interrupted');
  assert.is((await open(inst.id, 'avvisoTask')).length, 0, 'the running non-interrupting one was interrupted too');
  const [late] = await open(inst.id, 'fuoriTempoTask');
  assert.ok(late);
  assert.is((await espJobs(inst.id)).length, 0);
  await complete(late!.id);
  assert.is((await open(inst.id, 'after')).length, 1, 'the sub-process ended and the process went on');
  assert.is((await instance(inst.id)).status, 'active');
});

test.run();
