import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { HEADER } from '../helpers/models.js';
import { SLA_DURATION_TOLERANCE } from '../../src/tasks/sla/sla.service.js';

const DAY = 86_400_000;

function assertNear(actual: number, exact: number) {
  assert.ok(Math.abs(actual - exact) <= exact * SLA_DURATION_TOLERANCE, `${actual} within ${SLA_DURATION_TOLERANCE * 100} % of ${exact}`);
}
let app: TestApp;
let op: Client;
let boss: Client;
let metro: Client;
let tenant: string;
const ids: Record<string, string> = {};

const model = `${HEADER}
  <bpmn:process id="sla_fixture" isExecutable="true">
    <bpmn:extensionElements><camunda:properties><camunda:property name="slaPhase" value="Primo passo: start -> step1 P2D" /></camunda:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step1" />
    <bpmn:userTask id="step1" name="Passo 1" camunda:candidateGroups="g1" camunda:dueDate="P2D" />
    <bpmn:sequenceFlow id="f2" sourceRef="step1" targetRef="step2" />
    <bpmn:userTask id="step2" name="Passo 2" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
    <bpmn:sequenceFlow id="f3" sourceRef="step2" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

async function refresh() {
  for (const c of [op, boss, metro]) await c.refresh();
}
async function startCase(name: string) {
  const r = await op.post('/api/v1/process-definitions/sla_fixture/start', { businessKey: name });
  assert.is(r.status, 201, JSON.stringify(r.body));
  ids[name] = r.body.id;
}
async function completeStep1(name: string) {
  const t = await op.get(`/api/v1/tasks?processInstanceId=${ids[name]}&elementId=step1`);
  assert.is((await op.post(`/api/v1/tasks/${t.body.items[0].id}/complete`, {})).status, 200);
}

test.before(async () => {
  app = await startTestApp();
  tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  boss = await app.user({ tenant, roles: ['responsabile'], groups: ['g1'] });
  metro = await app.user({ tenant: null, roles: ['responsabile'] });
  assert.is((await deploy(await app.admin(), { 'sla.bpmn': model })).status, 201);
  // t = 0: I1 and I2 start; t = 1d: I1 step1 done (on time, 1 day);
  // t = 3d: I2 step1 done (late: due at 2d, took 3 days), I3 starts; query at t = 3.5d.
  await startCase('I1');
  await startCase('I2');
  app.clock.advance(DAY);
  await refresh();
  await completeStep1('I1');
  app.clock.advance(2 * DAY);
  await refresh();
  await completeStep1('I2');
  await startCase('I3');
  app.clock.advance(DAY / 2);
  await refresh();
});
test.after(async () => app.close());

test('summary per step matches the hand-computed fixture', async () => {
  const r = await boss.get('/api/v1/sla/summary?processKey=sla_fixture');
  assert.is(r.status, 200, JSON.stringify(r.body));
  const [s1, s2] = r.body.items;
  assert.is(s1.elementId, 'step1');
  assert.equal(
    { total: s1.total, completed: s1.completed, onTime: s1.completedOnTime, pct: s1.onTimePercent, open: s1.open, overdue: s1.overdueNow, risk: s1.atRiskNow },
    { total: 3, completed: 2, onTime: 1, pct: 50, open: 1, overdue: 0, risk: 0 },
  );
  // durations from histograms: within SLA_DURATION_TOLERANCE of percentile_cont (2 d and 2,8 d)
  assertNear(s1.medianSeconds, 172_800);
  assertNear(s1.p90Seconds, 241_920);
  assert.is(s2.elementId, 'step2');
  assert.equal(
    { total: s2.total, completed: s2.completed, pct: s2.onTimePercent, open: s2.open, overdue: s2.overdueNow, risk: s2.atRiskNow, median: s2.medianSeconds },
    { total: 2, completed: 0, pct: null, open: 2, overdue: 1, risk: 0, median: null },
  );
  // with a lower threshold I2's step2 (created 3d, due 4d, now 3.5d: half its time used) is at risk
  const low = await boss.get('/api/v1/sla/summary?processKey=sla_fixture&elementId=step2&atRiskShare=0.5');
  assert.is(low.body.items[0].atRiskNow, 1);
  // a window that excludes every creation still reports what is open now
  const later = await boss.get(`/api/v1/sla/summary?processKey=sla_fixture&from=${new Date(app.clock.now().getTime() - 3_600_000).toISOString()}`);
  assert.is(later.body.items[0].total, 0);
  assert.is(later.body.items[1].overdueNow, 1);
});

test('metropolitan users get the figures per comune; case officers are refused', async () => {
  const r = await metro.get('/api/v1/sla/summary?processKey=sla_fixture');
  assert.is(r.status, 200);
  assert.ok(r.body.perTenant);
  assert.ok(r.body.items.every((i: { tenant: string }) => i.tenant === tenant));
  assert.is((await op.get('/api/v1/sla/summary')).status, 403);
  assert.is((await boss.get('/api/v1/sla/summary?tenant=Z999')).status, 403);
});

test('timeline shows planned and actual times, and the declared phase', async () => {
  const r = await op.get(`/api/v1/process-instances/${ids.I2}/timeline`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const step1 = r.body.steps.find((s: { elementId: string }) => s.elementId === 'step1');
  assert.is(step1.durationSeconds, 3 * 86_400);
  assert.is(step1.task.onTime, false);
  assert.is(new Date(step1.task.plannedDue).getTime() - new Date(step1.enteredAt).getTime(), 2 * DAY);
  const step2 = r.body.steps.find((s: { elementId: string }) => s.elementId === 'step2');
  assert.is(step2.leftAt, null);
  assert.is(step2.task.status, 'open');
  assert.equal(r.body.phases.map((p: { name: string; onTime: boolean }) => [p.name, p.onTime]), [['Primo passo', false]]);
  const i1 = await op.get(`/api/v1/process-instances/${ids.I1}/timeline`);
  assert.is(i1.body.phases[0].onTime, true);
  assert.is(i1.body.phases[0].durationSeconds, 86_400);
  const other = await app.user({ tenant: await app.tenant(), roles: ['responsabile'] });
  assert.is((await other.get(`/api/v1/process-instances/${ids.I1}/timeline`)).status, 404);
});

test.run();
