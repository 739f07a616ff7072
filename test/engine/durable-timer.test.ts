/**
 * Timers fire only through their jobs, by the engine clock: a timer whose
 * expiry has already passed by the machine's real clock (a late job, a moved
 * clock, a `timeDate` in the past) must not fire by itself when the case is
 * rebuilt — it used to, which made fireTimer find nothing waiting and lose it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestApp, Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { flow, process as bpmn, timer, userTask } from '../helpers/models.js';
import { Job } from '../../src/db/entities/index.js';

let app: TestApp;
let op: Client;
// Before the machine's real date (the harness clock starts on 2 March 2026) but after the engine clock.
const DUE = '2026-04-01T08:00:00.000Z';

test.before(async () => {
  const models = {
    'durable.bpmn': bpmn(
      'timer_durable',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f1" sourceRef="fork" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="other" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>${DUE}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="other" name="Altro lavoro" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review" name="Verifica" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end1" />
    <bpmn:sequenceFlow id="f5" sourceRef="other" targetRef="end2" />
    <bpmn:endEvent id="end1" /><bpmn:endEvent id="end2" />`,
    ),
    'zero.bpmn': flow('timer_zero', [timer('wait', { duration: 'PT0S' }), userTask('review', 'Verifica')]),
  };
  ({ app, op } = await startFixture({ models }));
});
test.after(async () => app.close());

const active = async (id: string) => (await op.get(`/api/v1/process-instances/${id}`)).body.activeElements as string[];
const jobs = (instanceId: string) => app.services.orm.em.fork().find(Job, { instanceId });

test('a timer already expired by the real clock waits for its job, across other commands, and fires once when due', async () => {
  const inst = (await op.post('/api/v1/process-definitions/timer_durable/start', { variables: {} })).body;
  assert.equal((await active(inst.id)).sort(), ['other', 'wait']);
  const [job] = await jobs(inst.id);
  assert.is(job?.dueAt.toISOString(), DUE, 'due by the engine clock');

  // Another command rebuilds the case from its state: the timer must still be waiting.
  const other = (await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=other`)).body.items[0];
  assert.is((await op.post(`/api/v1/tasks/${other.id}/complete`, {})).status, 200);
  assert.equal(await active(inst.id), ['wait']);
  await app.services.executor.drain();
  assert.equal(await active(inst.id), ['wait'], 'not due yet by the engine clock');

  app.clock.set(new Date('2026-04-02T08:00:00Z'));
  await op.refresh();
  await app.services.executor.drain();
  assert.equal(await active(inst.id), ['review']);
  assert.is((await op.get(`/api/v1/tasks?processInstanceId=${inst.id}&elementId=review`)).body.total, 1, 'fired exactly once');
  assert.is((await jobs(inst.id)).length, 0);
});

test('an immediate timer (PT0S) becomes a job due now and fires through the executor', async () => {
  const inst = (await op.post('/api/v1/process-definitions/timer_zero/start', { variables: {} })).body;
  assert.equal(await active(inst.id), ['wait']);
  assert.is((await jobs(inst.id)).length, 1);
  await app.services.executor.drain();
  assert.equal(await active(inst.id), ['review']);
});

test.run();
