import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestApp, Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { flow, serviceTask, timer, userTask } from '../helpers/models.js';
import { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { defaultHandlers } from '../../src/tasks/handlers/index.js';
import { Job } from '../../src/db/entities/index.js';

const DAY = 86_400_000;
let app: TestApp;
let op: Client;
let calls = 0;
let failing = true;

test.before(async () => {
  const handlers = new HandlerRegistry([
    ...['verificaIsee', 'calcolaScadenza'].map((n) => defaultHandlers().get(n)!),
    {
      name: 'inviaNotifica',
      description: 'fails while `failing` is set (test double for an outgoing call)',
      run: () => {
        calls++;
        if (failing) throw new Error('servizio di notifica non raggiungibile');
        return { notificato: true };
      },
    },
  ]);
  const models: Record<string, string> = {
    'wait30.bpmn': catchModel('timer_wait30', 'P30D'),
    'wait400.bpmn': catchModel('timer_wait400', 'P400D'),
    'boundary.bpmn': flow('timer_boundary', [userTask('work', 'Lavoro', { due: 'P5D' })], {
      extra: `
    <bpmn:boundaryEvent id="deadline" attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="reminder" attachedToRef="work" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="deadline" targetRef="late" />
    <bpmn:sequenceFlow id="f4" sourceRef="reminder" targetRef="escalation" />
    <bpmn:userTask id="late" name="Scaduto" camunda:candidateGroups="g1" />
    <bpmn:userTask id="escalation" name="Sollecito al responsabile" camunda:candidateGroups="responsabili" />
    <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="end2" />
    <bpmn:sequenceFlow id="f6" sourceRef="escalation" targetRef="end3" />
    <bpmn:endEvent id="end2" /><bpmn:endEvent id="end3" />`,
    }),
    'failing.bpmn': flow('timer_failing', [timer('wait', { duration: 'PT1H' }), serviceTask('notify', 'inviaNotifica', { name: 'Notifica' })]),
  };
  ({ app, op } = await startFixture({ handlers, models, roles: ['operatore', 'responsabile'], groups: ['g1', 'responsabili'] }));
});
test.after(async () => app.close());

function catchModel(id: string, duration: string) {
  return flow(id, [timer('wait', { duration }, 'Attesa'), userTask('review', 'Verifica')]);
}

const drain = async () => {
  await app.services.executor.drain();
  await op.refresh();
};

async function jobsOf(instanceId: string) {
  return app.services.orm.em.fork().find(Job, { instanceId }, { orderBy: { dueAt: 'asc' } });
}

async function start(key: string) {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { variables: {} });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

for (const [key, days] of [['timer_wait30', 30], ['timer_wait400', 400]] as const) {
  test(`a ${days}-day timer is stored as a job and fires once after simulated downtime`, async () => {
    const inst = await start(key);
    const jobs = await jobsOf(inst.id);
    assert.is(jobs.length, 1);
    const expected = new Date(new Date(inst.startedAt).getTime() + days * DAY);
    assert.ok(Math.abs(jobs[0].dueAt.getTime() - expected.getTime()) < DAY + 3_600_000, `${jobs[0].dueAt.toISOString()} vs ${expected.toISOString()}`);
    await drain();
    assert.equal((await op.get(`/api/v1/process-instances/${inst.id}`)).body.activeElements, ['wait']);
    app.clock.advance((days + 10) * DAY); // the server was "down" well past the due date
    await drain();
    await drain();
    const after = await op.get(`/api/v1/process-instances/${inst.id}`);
    assert.equal(after.body.activeElements, ['review']);
    const tasks = await op.get(`/api/v1/tasks?processInstanceId=${inst.id}`);
    assert.is(tasks.body.total, 1, 'fired exactly once');
    assert.is((await jobsOf(inst.id)).length, 0);
    const hist = await op.get(`/api/v1/process-instances/${inst.id}/history`);
    assert.is(hist.body.items.filter((e: { type: string }) => e.type === 'timer.fired').length, 1);
  });
}

test('completing the task cancels its boundary timers', async () => {
  const inst = await start('timer_boundary');
  assert.is((await jobsOf(inst.id)).length, 2);
  const task = (await op.get(`/api/v1/tasks?processInstanceId=${inst.id}`)).body.items[0];
  assert.is((await op.post(`/api/v1/tasks/${task.id}/complete`, {})).status, 200);
  assert.is((await jobsOf(inst.id)).length, 0);
  assert.is((await op.get(`/api/v1/process-instances/${inst.id}`)).body.status, 'completed');
});

test('a non-interrupting cycle timer raises an escalation task each day; the interrupting one ends the work', async () => {
  // bpmn-elements runs one execution of an activity at a time: a second token waits
  // until the first escalation is handled, so the supervisor closes each one in turn.
  const inst = await start('timer_boundary');
  for (let day = 1; day <= 3; day++) {
    app.clock.advance(DAY + 60_000);
    await drain();
    const esc = await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=escalation`);
    assert.is(esc.body.total, 1, `one open escalation on day ${day}`);
    const all = await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=escalation&status=all`);
    assert.is(all.body.total, day, `escalations raised by day ${day}`);
    assert.equal(esc.body.items[0].candidateGroups, ['responsabili']);
    assert.is((await op.post(`/api/v1/tasks/${esc.body.items[0].id}/complete`, {})).status, 200);
    assert.is((await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=work`)).body.total, 1, 'work still open');
  }
  app.clock.advance(3 * DAY);
  await drain();
  assert.is((await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=work`)).body.total, 0, 'work interrupted');
  assert.is((await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=late`)).body.total, 1);
  assert.is((await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=escalation&status=all`)).body.total, 3, 'cycle R3 fired three times only');
  assert.is((await jobsOf(inst.id)).length, 0);
});

test('a failing job is retried with backoff, then raises an incident; nothing is half-written', async () => {
  failing = true;
  calls = 0;
  const inst = await start('timer_failing');
  app.clock.advance(2 * 3_600_000);
  for (let i = 0; i < 3; i++) {
    await drain();
    app.clock.advance(10 * 60_000);
  }
  assert.is(calls, 3);
  const [job] = await jobsOf(inst.id);
  assert.is(job.retries, 0);
  assert.match(job.lastError ?? '', /non raggiungibile/);
  const still = await op.get(`/api/v1/process-instances/${inst.id}`);
  assert.equal(still.body.activeElements, ['wait'], 'each failed attempt rolled back');
  const hist = await op.get(`/api/v1/process-instances/${inst.id}/history`);
  assert.is(hist.body.items.filter((e: { type: string }) => e.type === 'incident.created').length, 1);
  await drain();
  assert.is(calls, 3, 'no retries left: not acquired again');
  // manual retry (what POST /incidents/{id}/retry does): one more try, now succeeding
  failing = false;
  await app.services.orm.em.fork().getConnection().execute('update job set retries = 1, due_at = ? where id = ?', [app.clock.now(), job.id]);
  await drain();
  assert.is((await op.get(`/api/v1/process-instances/${inst.id}`)).body.status, 'completed');
});

test.run();
