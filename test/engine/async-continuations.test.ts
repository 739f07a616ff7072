/**
 * Asynchronous continuations (camunda:asyncBefore / asyncAfter): the command
 * that reaches the activity commits and stops there; a job due now runs the
 * rest in its own transaction. Failures retry, then raise an incident, and
 * never undo the step before; jobs of one instance never run at the same time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestApp, Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { flow, process as bpmn, serviceTask, userTask } from '../helpers/models.js';
import { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { JobExecutor } from '../../src/engine/jobs/executor.js';
import { SqlJobQueue } from '../../src/db/job-queue.js';
import { ExternalTask, Job } from '../../src/db/entities/index.js';

const MINUTE = 60_000;
let app: TestApp;
let op: Client;
const calls: Record<string, number> = {};
let failing = false;

const handler = (name: string, fails = false) => ({
  name,
  description: `test double ${name}`,
  run: async () => {
    calls[name] = (calls[name] ?? 0) + 1;
    if (fails && failing) throw new Error('protocollo non raggiungibile');
    await new Promise((r) => setImmediate(r));
    return { [`${name}Fatto`]: true };
  },
});

test.before(async () => {
  const handlers = new HandlerRegistry([handler('protocolla', true), handler('notifica'), handler('ramoA'), handler('ramoB')]);
  const ASYNC_BEFORE = { 'camunda:asyncBefore': 'true' };
  const models = {
    'before.bpmn': flow('async_before', [serviceTask('svc', 'protocolla', { name: 'Protocolla', attrs: ASYNC_BEFORE }), userTask('work', 'Lavora')]),
    'after.bpmn': flow('async_after', [userTask('review', 'Rivedi', { attrs: { 'camunda:asyncAfter': 'true' } }), serviceTask('notify', 'notifica')]),
    'user.bpmn': flow('async_user', [userTask('ask', 'Chiedi', { attrs: ASYNC_BEFORE })]),
    'chain.bpmn': bpmn(
      'async_chain',
      `    <bpmn:startEvent id="start" camunda:asyncAfter="true" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" camunda:asyncBefore="true" default="toEnd" />
    <bpmn:sequenceFlow id="toEnd" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
    'boundary.bpmn': bpmn(
      'async_boundary',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="subStart" />
      <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="svc" />
      <bpmn:serviceTask id="svc" camunda:asyncBefore="true" camunda:delegateExpression="\${protocolla}" />
      <bpmn:sequenceFlow id="s2" sourceRef="svc" targetRef="subEnd" />
      <bpmn:endEvent id="subEnd" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="late" attachedToRef="sub"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="manual" />
    <bpmn:userTask id="manual" name="A mano" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="manual" targetRef="end2" />
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end2" />`,
    ),
    'external.bpmn': bpmn(
      'async_external',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send" />
    <bpmn:serviceTask id="send" camunda:type="external" camunda:topic="async-test-topic" camunda:asyncBefore="true" />
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
    'parallel.bpmn': bpmn(
      'async_parallel',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="b" />
    <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="par" />
    <bpmn:serviceTask id="a" camunda:asyncBefore="true" camunda:delegateExpression="\${ramoA}" />
    <bpmn:serviceTask id="b" camunda:asyncBefore="true" camunda:delegateExpression="\${ramoB}" />
    <bpmn:userTask id="par" name="In parallelo" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f5" sourceRef="a" targetRef="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="b" targetRef="join" />
    <bpmn:sequenceFlow id="f7" sourceRef="par" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="done" />
    <bpmn:userTask id="done" name="Fine" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f9" sourceRef="done" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
  };
  ({ app, op } = await startFixture({ handlers, models, roles: ['operatore', 'responsabile'] }));
});
test.after(async () => app.close());

const drain = async () => {
  await app.services.executor.drain();
  await op.refresh();
};
const jobsOf = (instanceId: string) => app.services.orm.em.fork().find(Job, { instanceId }, { orderBy: { dueAt: 'asc' } });
const instance = async (id: string) => (await op.get(`/api/v1/process-instances/${id}`)).body;
const tasksAt = async (id: string, elementId: string, status = 'open') => (await op.get(`/api/v1/tasks?processInstanceId=${id}&elementId=${elementId}&status=${status}`)).body;
const history = async (id: string) => (await op.get(`/api/v1/process-instances/${id}/history?detail=engine`)).body.items as Array<{ type: string; elementId: string | null }>;

async function start(key: string) {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { variables: {} });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
}

test('asyncBefore: the start commits and stops before the service task; the job runs it and goes on', async () => {
  failing = false;
  calls.protocolla = 0;
  const inst = await start('async_before');
  assert.equal((await instance(inst.id)).activeElements, ['svc']);
  assert.is(calls.protocolla, 0, 'the handler is not called by the command that reaches the task');
  const jobs = await jobsOf(inst.id);
  assert.is(jobs.length, 1);
  assert.is(jobs[0]!.kind, 'async-continuation');
  assert.is(jobs[0]!.elementId, 'svc');
  assert.is(jobs[0]!.dueAt.getTime(), app.clock.now().getTime(), 'due now');
  assert.is(jobs[0]!.retries, 3, 'default: three tries');
  await drain();
  assert.is(calls.protocolla, 1);
  const after = await instance(inst.id);
  assert.equal(after.activeElements, ['work']);
  assert.is(after.variables.protocollaFatto, true);
  assert.is((await tasksAt(inst.id, 'work')).total, 1);
  assert.is((await jobsOf(inst.id)).length, 0);
});

test('a failing async job keeps the previous step, retries a minute apart, then raises an incident that can be retried', async () => {
  failing = true;
  calls.protocolla = 0;
  const inst = await start('async_before');
  await drain();
  assert.is(calls.protocolla, 1);
  let [job] = await jobsOf(inst.id);
  assert.is(job!.retries, 2);
  assert.is(job!.dueAt.getTime(), app.clock.now().getTime() + MINUTE, 'due again in one minute');
  assert.match(job!.lastError ?? '', /non raggiungibile/);
  const still = await instance(inst.id);
  assert.is(still.status, 'active', 'the start was not rolled back');
  assert.equal(still.activeElements, ['svc'], 'waiting at the failing activity');
  await drain();
  assert.is(calls.protocolla, 1, 'not due yet');
  for (let i = 0; i < 2; i++) {
    app.clock.advance(MINUTE);
    await drain();
  }
  assert.is(calls.protocolla, 3);
  [job] = await jobsOf(inst.id);
  assert.is(job!.retries, 0);
  const incidents = (await op.get(`/api/v1/incidents?processInstanceId=${inst.id}`)).body;
  assert.is(incidents.total, 1);
  assert.is(incidents.items[0].kind, 'job-failed');
  assert.is(incidents.items[0].elementId, 'svc');
  assert.is(incidents.items[0].jobId, job!.id);
  app.clock.advance(10 * MINUTE);
  await drain();
  assert.is(calls.protocolla, 3, 'no tries left: the job waits for a person');
  assert.equal((await instance(inst.id)).activeElements, ['svc']);

  failing = false;
  const retried = await op.post(`/api/v1/incidents/${incidents.items[0].id}/retry`, {});
  assert.is(retried.status, 200, JSON.stringify(retried.body));
  await drain();
  assert.is(calls.protocolla, 4);
  assert.equal((await instance(inst.id)).activeElements, ['work']);
  assert.is((await jobsOf(inst.id)).length, 0);
  const types = (await history(inst.id)).map((e) => e.type);
  assert.ok(types.includes('incident.created') && types.includes('incident.retried'), types.join(','));
});

test('asyncAfter on a user task: completing it commits; the outgoing flow is taken by the job', async () => {
  calls.notifica = 0;
  const inst = await start('async_after');
  const task = (await tasksAt(inst.id, 'review')).items[0];
  assert.is((await op.post(`/api/v1/tasks/${task.id}/complete`, { variables: { esito: 'ok' } })).status, 200);
  const held = await instance(inst.id);
  assert.equal(held.activeElements, ['review'], 'held after the task, before its outgoing flow');
  assert.is(held.variables.esito, 'ok');
  assert.is((await tasksAt(inst.id, 'review')).total, 0);
  assert.is((await tasksAt(inst.id, 'review', 'completed')).total, 1, 'the task is completed, not cancelled');
  assert.is(calls.notifica, 0);
  const [job] = await jobsOf(inst.id);
  assert.is(job!.kind, 'async-continuation');
  assert.equal((job!.payload as { phase: string }).phase, 'after');
  await drain();
  assert.is(calls.notifica, 1);
  assert.is((await instance(inst.id)).status, 'completed');
});

test('asyncBefore on a user task: the inbox task appears only when the job has run', async () => {
  const inst = await start('async_user');
  assert.is((await tasksAt(inst.id, 'ask')).total, 0);
  assert.equal((await instance(inst.id)).activeElements, ['ask']);
  await drain();
  const tasks = await tasksAt(inst.id, 'ask');
  assert.is(tasks.total, 1);
  assert.is((await op.post(`/api/v1/tasks/${tasks.items[0].id}/complete`, {})).status, 200);
  assert.is((await instance(inst.id)).status, 'completed');
});

test('asyncBefore on an external service task: the external task is offered to workers once the job has run', async () => {
  const inst = await start('async_external');
  const external = () => app.services.orm.em.fork().find(ExternalTask, { instanceId: inst.id, status: 'open' });
  assert.is((await external()).length, 0);
  await drain();
  const [ext] = await external();
  assert.is(ext?.topic, 'async-test-topic');
  assert.equal((await instance(inst.id)).activeElements, ['send']);
});

test('asyncAfter on a start event and asyncBefore on a gateway: two jobs in a row', async () => {
  const inst = await start('async_chain');
  assert.equal((await instance(inst.id)).activeElements, ['start']);
  assert.is((await app.services.executor.drain()), 2, 'one job per continuation');
  assert.is((await instance(inst.id)).status, 'completed');
});

test('a held activity inside a sub-process, out of retries, is cancelled by the boundary timer of the sub-process', async () => {
  failing = true;
  calls.protocolla = 0;
  const inst = await start('async_boundary');
  assert.equal((await instance(inst.id)).activeElements.sort(), ['late', 'sub', 'svc']);
  for (let i = 0; i < 3; i++) {
    await drain();
    app.clock.advance(MINUTE);
  }
  assert.is(calls.protocolla, 3);
  assert.is((await op.get(`/api/v1/incidents?processInstanceId=${inst.id}&status=open`)).body.total, 1);
  app.clock.advance(86_400_000);
  await drain();
  assert.is((await tasksAt(inst.id, 'manual')).total, 1, 'the boundary timer took the other path');
  assert.equal((await instance(inst.id)).activeElements, ['manual']);
  assert.equal((await jobsOf(inst.id)).map((j) => j.kind), [], 'the continuation job went with its activity');
  failing = false;
});

test('a hold survives other commands on the instance (the state is rebuilt from the database each time)', async () => {
  calls.ramoA = 0;
  calls.ramoB = 0;
  const inst = await start('async_parallel');
  const before = await jobsOf(inst.id);
  assert.equal(before.map((j) => j.elementId).sort(), ['a', 'b']);
  const par = (await tasksAt(inst.id, 'par')).items[0];
  assert.is((await op.post(`/api/v1/tasks/${par.id}/complete`, {})).status, 200);
  const after = await jobsOf(inst.id);
  assert.equal(after.map((j) => j.id).sort(), before.map((j) => j.id).sort(), 'the same two jobs, untouched');
  const waiting = (await instance(inst.id)).activeElements as string[];
  assert.ok(waiting.includes('a') && waiting.includes('b'), waiting.join());
  assert.is(calls.ramoA + calls.ramoB, 0);
  await drain();
  assert.is(calls.ramoA, 1);
  assert.is(calls.ramoB, 1);
  assert.equal((await instance(inst.id)).activeElements, ['done']);
});

test('two executors racing on the jobs of one instance: run one at a time, each handler once, no failure', async () => {
  const { services } = app;
  calls.ramoA = 0;
  calls.ramoB = 0;
  const n = 5;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const inst = await start('async_parallel');
    const par = (await tasksAt(inst.id, 'par')).items[0];
    assert.is((await op.post(`/api/v1/tasks/${par.id}/complete`, {})).status, 200);
    ids.push(inst.id);
  }
  const make = (id: string) => new JobExecutor(new SqlJobQueue(services.orm), services.store, services.processes, services.clock, { workerId: id, batchSize: 1 });
  const x = make('race-x');
  const y = make('race-y');
  await Promise.all([x.drain(), y.drain()]);
  await Promise.all([x.drain(), y.drain()]);
  assert.is(calls.ramoA, n, 'each handler ran once per instance');
  assert.is(calls.ramoB, n);
  assert.is(x.stats.failed + y.stats.failed, 0);
  assert.is(x.stats.fired + y.stats.fired, 2 * n);
  for (const id of ids) assert.equal((await instance(id)).activeElements, ['done']);
});

test.run();
