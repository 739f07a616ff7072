/**
 * camunda:failedJobRetryTimeCycle: parsed at deploy (ModelIndex
 * elements[id].retryCycle, refused when malformed) and applied to the jobs of
 * the element: asynchronous continuations and timers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deploy, type TestApp, type Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { flow, process as bpmn, serviceTask } from '../helpers/models.js';
import { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { compileBpmn } from '../../src/engine/definitions/compile.js';
import { parseRetryCycle, retryAt } from '../../src/engine/jobs/retry-cycle.js';
import { Job } from '../../src/db/entities/index.js';

const MINUTE = 60_000;
let app: TestApp;
let op: Client;
let admin: Client;
let calls = 0;

const cycle = (value: string) => `<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>${value}</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>`;

const asyncModel = (key: string, value: string) => flow(key, [serviceTask('svc', 'sempreGuasto', { attrs: { 'camunda:asyncBefore': 'true' }, inner: cycle(value) })]);

test.before(async () => {
  const handlers = new HandlerRegistry([
    {
      name: 'sempreGuasto',
      description: 'always fails',
      run: () => {
        calls++;
        throw new Error('servizio guasto');
      },
    },
  ]);
  const models = {
    'list.bpmn': asyncModel('retry_list', 'PT1M,PT5M'),
    'repeat.bpmn': asyncModel('retry_repeat', 'R2/PT10M'),
    'timer.bpmn': bpmn(
      'retry_timer',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" camunda:asyncAfter="false">${cycle('R4/PT2H')}<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="svc" />
    <bpmn:serviceTask id="svc" camunda:delegateExpression="\${sempreGuasto}" />
    <bpmn:sequenceFlow id="f3" sourceRef="svc" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
  };
  ({ app, op, admin } = await startFixture({ handlers, models, roles: ['operatore', 'responsabile'] }));
});
test.after(async () => app.close());

const jobsOf = (instanceId: string) => app.services.orm.em.fork().find(Job, { instanceId });
const drain = async () => {
  await app.services.executor.drain();
  await op.refresh();
};
async function start(key: string) {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { variables: {} });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
}

test('parseRetryCycle reads Camunda 7 cycles: R<n>/<duration> is n tries in all; a list is one retry per interval', () => {
  assert.equal(parseRetryCycle('R5/PT10M'), { text: 'R5/PT10M', tries: 5, intervals: ['PT10M', 'PT10M', 'PT10M', 'PT10M'] });
  assert.equal(parseRetryCycle(' PT1M, PT5M,PT30M '), { text: 'PT1M, PT5M,PT30M', tries: 4, intervals: ['PT1M', 'PT5M', 'PT30M'] });
  assert.equal(parseRetryCycle('PT10M'), { text: 'PT10M', tries: 2, intervals: ['PT10M'] });
  assert.equal(parseRetryCycle('R1/PT1M'), { text: 'R1/PT1M', tries: 1, intervals: [] });
  for (const bad of ['', 'R0/PT1M', 'R/PT1M', 'R3', '5 minuti', 'PT1M,,PT2M', '${cicloRetry}', '0 0 * * *']) assert.is(parseRetryCycle(bad), null, bad);
  const now = new Date('2026-03-02T08:00:00Z');
  assert.is(retryAt(now, 1, ['PT1M', 'PT5M']).toISOString(), '2026-03-02T08:01:00.000Z');
  assert.is(retryAt(now, 2, ['PT1M', 'PT5M']).toISOString(), '2026-03-02T08:05:00.000Z');
  assert.is(retryAt(now, 7, ['PT1M', 'PT5M']).toISOString(), '2026-03-02T08:05:00.000Z', 'past the list: its last interval');
  assert.is(retryAt(now, 1, null).toISOString(), '2026-03-02T08:01:00.000Z', 'default: one minute');
});

test('the ModelIndex exposes elements[id].retryCycle (and async flags); a malformed cycle is refused at deploy', async () => {
  const r = await compileBpmn(asyncModel('retry_index', 'R5/PT10M'), { handlerNames: new Set(['sempreGuasto']) });
  assert.equal(r.errors, []);
  const svc = r.processes[0]!.index.elements.svc!;
  assert.equal(svc.retryCycle, { text: 'R5/PT10M', tries: 5, intervals: ['PT10M', 'PT10M', 'PT10M', 'PT10M'] });
  assert.is(svc.asyncBefore, true);
  assert.is(r.processes[0]!.index.elements.start!.retryCycle, undefined);
  const bad = await deploy(admin, { 'bad.bpmn': asyncModel('retry_bad', 'ogni 5 minuti') });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  const problem = bad.body.error.details.errors.find((e: { rule: string }) => e.rule === 'retry-cycle-invalid');
  assert.ok(problem, JSON.stringify(bad.body));
  assert.is(problem.elementId, 'svc');
});

test('a list PT1M,PT5M: three tries, one and then five minutes apart, then an incident', async () => {
  calls = 0;
  const inst = await start('retry_list');
  let [job] = await jobsOf(inst.id);
  assert.is(job!.retries, 3);
  await drain();
  [job] = await jobsOf(inst.id);
  assert.is(calls, 1);
  assert.is(job!.dueAt.getTime() - app.clock.now().getTime(), MINUTE);
  app.clock.advance(MINUTE);
  await drain();
  [job] = await jobsOf(inst.id);
  assert.is(calls, 2);
  assert.is(job!.dueAt.getTime() - app.clock.now().getTime(), 5 * MINUTE);
  app.clock.advance(4 * MINUTE);
  await drain();
  assert.is(calls, 2, 'not due before five minutes');
  app.clock.advance(MINUTE);
  await drain();
  assert.is(calls, 3);
  [job] = await jobsOf(inst.id);
  assert.is(job!.retries, 0);
  const incidents = (await op.get(`/api/v1/incidents?processInstanceId=${inst.id}`)).body;
  assert.is(incidents.total, 1);
});

test('R2/PT10M: two tries ten minutes apart', async () => {
  calls = 0;
  const inst = await start('retry_repeat');
  await drain();
  let [job] = await jobsOf(inst.id);
  assert.is(job!.retries, 1);
  assert.is(job!.dueAt.getTime() - app.clock.now().getTime(), 10 * MINUTE);
  app.clock.advance(10 * MINUTE);
  await drain();
  [job] = await jobsOf(inst.id);
  assert.is(calls, 2);
  assert.is(job!.retries, 0);
  assert.is((await op.get(`/api/v1/incidents?processInstanceId=${inst.id}`)).body.total, 1);
});

test('a timer job takes the retry cycle of its timer event (R4/PT2H)', async () => {
  calls = 0;
  const inst = await start('retry_timer');
  let [job] = await jobsOf(inst.id);
  assert.is(job!.kind, 'timer');
  assert.is(job!.retries, 4);
  app.clock.advance(86_400_000);
  for (let i = 1; i <= 4; i++) {
    await drain();
    assert.is(calls, i);
    [job] = await jobsOf(inst.id);
    assert.is(job!.retries, 4 - i);
    app.clock.advance(2 * 3_600_000);
  }
  await drain();
  assert.is(calls, 4);
  assert.is((await op.get(`/api/v1/incidents?processInstanceId=${inst.id}`)).body.total, 1);
});

test.run();
