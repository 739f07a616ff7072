import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deploy, type TestApp, type Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { process as bpmn } from '../helpers/models.js';

const DAY = 86_400_000;
let app: TestApp;
let op: Client;
let admin: Client;
let tenant: string;

test.before(async () => {
  ({ app, tenant, op, admin } = await startFixture({ roles: ['operatore', 'responsabile'] }));
});
test.after(async () => app.close());

const count = async (key: string) => (await op.get(`/api/v1/process-instances?key=${key}`)).body.total as number;
const drain = async () => {
  await app.services.executor.drain();
  await op.refresh();
  await admin.refresh();
};

test('a cycle timer start event R3/P1D starts three cases, one a day', async () => {
  const model = bpmn(
    'ts_cycle',
    `    <bpmn:startEvent id="daily"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="daily" targetRef="check" />
    <bpmn:userTask id="check" name="Controllo giornaliero" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
  assert.is((await deploy(admin, { 'c.bpmn': model }, tenant)).status, 201);
  await drain();
  assert.is(await count('ts_cycle'), 0);
  for (let day = 1; day <= 4; day++) {
    app.clock.advance(DAY + 1000);
    await drain();
    assert.is(await count('ts_cycle'), Math.min(day, 3), `day ${day}`);
  }
  const tasks = await op.get('/api/v1/tasks?processKey=ts_cycle');
  assert.is(tasks.body.total, 3);
});

test('a timeDate start event fires once; a new version replaces the old schedule', async () => {
  await drain();
  const at = (d: Date) =>
    bpmn(
      'ts_date',
      `    <bpmn:startEvent id="once"><bpmn:timerEventDefinition><bpmn:timeDate>${d.toISOString()}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="once" targetRef="t" />
    <bpmn:userTask id="t" name="Una volta" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    );
  const now = app.clock.now().getTime();
  assert.is((await deploy(admin, { 'd.bpmn': at(new Date(now + 2 * DAY)) }, tenant)).status, 201);
  assert.is((await deploy(admin, { 'd.bpmn': at(new Date(now + 5 * DAY)) }, tenant)).status, 201);
  app.clock.advance(3 * DAY);
  await drain();
  assert.is(await count('ts_date'), 0, 'the replaced schedule (day 2) does not fire');
  app.clock.advance(3 * DAY);
  await drain();
  await drain();
  const list = await op.get('/api/v1/process-instances?key=ts_date');
  assert.is(list.body.total, 1);
  assert.is(list.body.items[0].definitionVersion, 2);
});

test.run();
