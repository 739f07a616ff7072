/**
 * The pre-aggregated SLA figures (sla_aggregate + sla_delta, kept by the task
 * triggers) against the same figures computed from the task history: after
 * completions, cancellations, a step moved (migration), a case deleted, time
 * moved forward; before and after folding the deltas; a rebuild is
 * idempotent; each comune sees only its own figures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { HEADER } from '../helpers/models.js';
import { slaSummary, SLA_DURATION_TOLERANCE, type SlaRow } from '../../src/tasks/sla/sla.service.js';
import { slaTrend } from '../../src/tasks/sla/sla-dashboard.js';
import { compactSla, rebuildSla } from '../../src/tasks/sla/sla-compactor.js';
import { startOfRomeDay } from '../../src/tasks/sla/sla-period.js';
import { runAdminCommand } from '../../src/cli/admin.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let app: TestApp;
let tenantA: string;
let tenantB: string;
const op: Record<string, Client> = {};
let boss: Client;

const model = `${HEADER}
  <bpmn:process id="sla_agg" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    <bpmn:userTask id="a" name="Passo A" camunda:candidateGroups="g1" camunda:dueDate="P2D" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
    <bpmn:userTask id="b" name="Passo B" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const conn = () => app.services.orm.em.fork().getConnection();

/**
 * The figures straight from the task table (the query before the pre-aggregation). A period ending at or after now
 * holds every task created so far, one created at this very instant included (periodEnd).
 */
async function fromHistory(tenant: string, from: Date, to: Date) {
  if (to >= app.clock.now()) to = new Date(app.clock.now().getTime() + 1);
  const rows = (await conn().execute(
    `select element_id as "elementId", count(*)::int as total, count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'completed' and due_at is not null)::int as "completedWithDue",
            count(*) filter (where status = 'completed' and due_at is not null and ended_at <= due_at)::int as "completedOnTime",
            percentile_cont(0.5) within group (order by extract(epoch from ended_at - created_at)) filter (where status = 'completed') as median,
            percentile_cont(0.9) within group (order by extract(epoch from ended_at - created_at)) filter (where status = 'completed') as p90
       from task where tenant = ? and definition_key = 'sla_agg' and created_at >= ? and created_at < ? group by element_id order by element_id`,
    [tenant, from, to],
  )) as Array<{ elementId: string; total: number; completed: number; completedWithDue: number; completedOnTime: number; median: number | null; p90: number | null }>;
  return rows;
}

/** Open, overdue and at-risk tasks now, straight from the task table (dueState's rule). */
async function openFromTasks(tenant: string, atRiskShare: number) {
  return (await conn().execute(
    `select element_id as "elementId", count(*)::int as open, count(*) filter (where due_at < ?)::int as overdue,
            count(*) filter (where due_at >= ? and created_at + (due_at - created_at) * ? <= ?)::int as "atRisk"
       from task where tenant = ? and definition_key = 'sla_agg' and status = 'open' group by element_id order by element_id`,
    [app.clock.now(), app.clock.now(), atRiskShare, app.clock.now(), tenant],
  )) as Array<{ elementId: string; open: number; overdue: number; atRisk: number }>;
}
/** Due states met by the consistency checks over the whole file (each must occur for the checks to mean something). */
const seen = { open: 0, overdue: 0, atRisk: 0 };

async function summary(tenant: string | null, from: Date, to: Date): Promise<SlaRow[]> {
  return slaSummary(app.services.orm.em.fork(), { tenant, from, to, now: app.clock.now(), processKey: 'sla_agg', atRiskShare: 0.75 });
}

function near(actual: number | null, exact: number | null, what: string) {
  if (exact === null) return assert.is(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - exact) <= Math.max(1, exact * SLA_DURATION_TOLERANCE), `${what}: ${actual} ≈ ${exact}`);
}

/** The summary equals the history: counts exactly, durations within the stated tolerance; for whole days and part-days. */
async function assertConsistent(label: string) {
  const now = app.clock.now();
  const periods: Array<[Date, Date]> = [
    [startOfRomeDay('2026-01-01'), startOfRomeDay('2026-06-01')],
    [new Date(now.getTime() - 30 * DAY + 5 * HOUR), now],
    [startOfRomeDay('2026-03-02'), startOfRomeDay('2026-03-05')],
  ];
  for (const [from, to] of periods) {
    const [expected, actual] = await Promise.all([fromHistory(tenantA, from, to), summary(tenantA, from, to)]);
    const got = actual.filter((r) => r.total > 0);
    assert.equal(
      got.map((r) => ({ elementId: r.elementId, total: r.total, completed: r.completed, completedWithDue: r.completedWithDue, completedOnTime: r.completedOnTime })),
      expected.map((r) => ({ elementId: r.elementId, total: r.total, completed: r.completed, completedWithDue: r.completedWithDue, completedOnTime: r.completedOnTime })),
      `${label}: counts ${from.toISOString()}–${to.toISOString()}`,
    );
    // Without a process (and for every comune): the part-day edges are bounded by the deployed keys and the comuni.
    const counts = (rows: SlaRow[]) => rows.filter((r) => r.processKey === 'sla_agg' && r.total > 0).map((r) => [r.elementId, r.total, r.completed, r.completedOnTime]);
    const unscoped = { from, to, now, atRiskShare: 0.75 };
    const [anyProcess, metro] = await Promise.all([slaSummary(app.services.orm.em.fork(), { ...unscoped, tenant: tenantA }), slaSummary(app.services.orm.em.fork(), { ...unscoped, tenant: null })]);
    assert.equal(counts(anyProcess), counts(got), `${label}: any process ${from.toISOString()}–${to.toISOString()}`);
    assert.equal(counts(metro.filter((r) => r.tenant === tenantA)), counts(got), `${label}: every comune ${from.toISOString()}–${to.toISOString()}`);
    // Open, overdue and at risk are figures of now, whatever the period: from the open counts kept with the
    // figures and the open tasks not yet due; for one comune, for every comune, without a process, for two shares.
    const openOf = (rows: SlaRow[]) => rows.filter((r) => r.processKey === 'sla_agg' && r.open > 0).map((r) => ({ elementId: r.elementId, open: r.open, overdue: r.overdueNow, atRisk: r.atRiskNow }));
    for (const atRiskShare of [0.75, 0.2]) {
      const expectedOpen = await openFromTasks(tenantA, atRiskShare);
      const [one, anyKey, all] = await Promise.all([
        slaSummary(app.services.orm.em.fork(), { tenant: tenantA, from, to, now, processKey: 'sla_agg', atRiskShare }),
        slaSummary(app.services.orm.em.fork(), { ...unscoped, atRiskShare, tenant: tenantA }),
        slaSummary(app.services.orm.em.fork(), { ...unscoped, atRiskShare, tenant: null }),
      ]);
      const what = `${label}, share ${atRiskShare}, ${from.toISOString()}–${to.toISOString()}`;
      assert.equal(openOf(one), expectedOpen, `${what}: open, overdue, at risk`);
      assert.equal(openOf(anyKey), expectedOpen, `${what}: without a process`);
      assert.equal(openOf(all.filter((r) => r.tenant === tenantA)), expectedOpen, `${what}: every comune`);
      for (const r of expectedOpen) {
        seen.open += r.open - r.overdue - r.atRisk;
        seen.overdue += r.overdue;
        seen.atRisk += r.atRisk;
      }
    }
    for (const [i, r] of got.entries()) {
      near(r.medianSeconds, expected[i]!.median === null ? null : Number(expected[i]!.median), `${label}: median of ${r.elementId}`);
      near(r.p90Seconds, expected[i]!.p90 === null ? null : Number(expected[i]!.p90), `${label}: p90 of ${r.elementId}`);
    }
  }
}

async function start(tenant: string, key: string) {
  const r = await op[tenant]!.post('/api/v1/process-definitions/sla_agg/start', { businessKey: key });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
async function complete(tenant: string, instanceId: string, elementId: string) {
  await op[tenant]!.refresh();
  const t = await op[tenant]!.get(`/api/v1/tasks?processInstanceId=${instanceId}&elementId=${elementId}`);
  assert.is((await op[tenant]!.post(`/api/v1/tasks/${t.body.items[0].id}/complete`, {})).status, 200);
}
const cases: string[] = [];

test.before(async () => {
  app = await startTestApp();
  tenantA = await app.tenant();
  tenantB = await app.tenant();
  for (const t of [tenantA, tenantB]) {
    op[t] = await app.user({ tenant: t, roles: ['operatore'], groups: ['g1'] });
    assert.is((await deploy(await app.admin(), { 'sla-agg.bpmn': model }, t)).status, 201);
  }
  boss = await app.user({ tenant: tenantA, roles: ['responsabile'], groups: ['g1'] });
});
test.after(async () => app.close());

test('completions, cancellations, time moving forward: the figures stay those of the history', async () => {
  for (let i = 0; i < 6; i++) cases.push(await start(tenantA, `AGG/${i}`));
  await start(tenantB, 'AGG/B1');
  await assertConsistent('started');
  app.clock.advance(40 * HOUR); // 40 of the 48 hours of step a: at risk
  await assertConsistent('step a at risk');
  for (const [i, id] of cases.entries()) {
    app.clock.advance((i + 1) * 7 * HOUR);
    if (i < 5) await complete(tenantA, id, 'a');
  }
  await complete(tenantB, (await conn().execute(`select id from process_instance where tenant = ? and definition_key = 'sla_agg'`, [tenantB]))[0].id, 'a');
  await assertConsistent('step a completed');
  app.clock.advance(3 * DAY);
  for (const id of cases.slice(0, 3)) await complete(tenantA, id, 'b');
  await boss.refresh();
  assert.is((await boss.post(`/api/v1/process-instances/${cases[3]}/cancel`, { reason: 'prova' })).status, 200);
  await assertConsistent('step b completed, a case cancelled');
  assert.ok(Number((await conn().execute('select count(*)::int as n from sla_delta'))[0].n) > 0, 'deltas not folded yet');
  await compactSla(app.services.orm);
  assert.is(Number((await conn().execute(`select count(*)::int as n from sla_delta where tenant = ?`, [tenantA]))[0].n), 0);
  await assertConsistent('folded');
});

test('a step moved (migration), a case deleted, a completion undone: still the history', async () => {
  await conn().execute(`update task set element_id = 'b' where instance_id = ? and element_id = 'a'`, [cases[5]]);
  await conn().execute(`delete from task where instance_id = ?`, [cases[4]]);
  await conn().execute(`update task set status = 'open', ended_at = null where instance_id = ? and element_id = 'b'`, [cases[0]]);
  await assertConsistent('moved, deleted, reopened');
  await compactSla(app.services.orm);
  await assertConsistent('moved, deleted, reopened, folded');
});

test('rebuild from the task table: idempotent, and equal to the figures kept incrementally', async () => {
  await compactSla(app.services.orm);
  const snapshot = async () =>
    conn().execute(
      `select element_id, span, day::text, total, completed, with_due, on_time, open, open_due, array_lower(hist, 1) as lo, hist
         from sla_aggregate where tenant = ? and definition_key = 'sla_agg' and total <> 0 order by span, day, element_id`,
      [tenantA],
    );
  const incremental = await snapshot();
  assert.ok(incremental.length > 0);
  await rebuildSla(app.services.orm);
  const once = await snapshot();
  const out: string[] = [];
  const io = { env: {}, readStdin: async () => '', out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
  assert.is(await runAdminCommand(app.services.orm, ['sla-rebuild'], io), 0, 'npm run admin -- sla-rebuild');
  assert.match(out.join('\n'), 'Tempi SLA ricalcolati');
  assert.equal(await snapshot(), once, 'rebuilt twice, same rows');
  assert.equal(once, incremental, 'the rebuild finds what the triggers kept');
  await assertConsistent('rebuilt');
});

test('each comune its own figures; all comuni: figures per comune that add up', async () => {
  const from = startOfRomeDay('2026-01-01');
  const to = startOfRomeDay('2026-12-01');
  const a = await summary(tenantA, from, to);
  const b = await summary(tenantB, from, to);
  assert.equal(b.map((r) => [r.elementId, r.total, r.completed]), [['a', 1, 1], ['b', 1, 0]]);
  assert.ok(a.every((r) => r.tenant === undefined));
  const all = await slaSummary(app.services.orm.em.fork(), { tenant: null, from, to, now: app.clock.now(), processKey: 'sla_agg', atRiskShare: 0.75 });
  const mine = all.filter((r) => r.tenant === tenantA || r.tenant === tenantB);
  assert.equal(mine.filter((r) => r.tenant === tenantB).map((r) => [r.elementId, r.total, r.open]), b.map((r) => [r.elementId, r.total, r.open]));
  assert.equal(mine.filter((r) => r.tenant === tenantA).map((r) => [r.elementId, r.total, r.completedOnTime]), a.map((r) => [r.elementId, r.total, r.completedOnTime]));
  const trendA = await slaTrend(app.services.orm.em.fork(), { tenant: tenantA, from, to, processKey: 'sla_agg' });
  assert.is(trendA.reduce((n, t) => n + t.total, 0), a.reduce((n, r) => n + r.total, 0), 'the monthly trend adds up to the summary');
  const api = await boss.get(`/api/v1/sla/summary?processKey=sla_agg&tenant=${tenantB}`);
  assert.is(api.status, 403, 'a comune cannot read another');
});

test('every comune over part-days: a comune that runs the shared model is counted too', async () => {
  const tenantC = await app.tenant();
  op[tenantC] = await app.user({ tenant: tenantC, roles: ['operatore'], groups: ['g1'] });
  assert.is((await deploy(await app.admin(), { 'sla-agg-shared.bpmn': model.replace('id="sla_agg"', 'id="sla_agg_shared"') }, null)).status, 201);
  const r = await op[tenantC]!.post('/api/v1/process-definitions/sla_agg_shared/start', { businessKey: 'AGG/C1' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const now = app.clock.now();
  const period = { from: new Date(now.getTime() - 2 * HOUR), to: new Date(now.getTime() + HOUR), now, atRiskShare: 0.75 };
  const metro = await slaSummary(app.services.orm.em.fork(), { ...period, tenant: null });
  assert.equal(metro.filter((x) => x.tenant === tenantC).map((x) => [x.processKey, x.elementId, x.total, x.open]), [['sla_agg_shared', 'a', 1, 1]]);
});

test('the checks above met tasks in time, at risk and overdue', () => {
  assert.ok(seen.open > 0 && seen.atRisk > 0 && seen.overdue > 0, JSON.stringify(seen));
});

test('histograms are stored without their empty buckets: subscript i is bucket i - 1 whatever the bounds', async () => {
  const sql = async (expr: string) => ((await conn().execute(`select (${expr})::text as v`)) as Array<{ v: string }>)[0]!.v;
  assert.is(await sql(`sla_hist_trim('{0,0,3,0,5,0}'::int[])`), '[3:5]={3,0,5}');
  assert.is(await sql(`sla_hist_trim('{0,0}'::int[])`), '{}');
  assert.is(await sql(`sla_hist_add('[3:5]={3,0,5}'::int[], '[7:8]={1,2}'::int[])`), '[3:8]={3,0,5,0,1,2}');
  assert.is(await sql(`sla_hist_add('[3:5]={3,0,5}'::int[], '[2:3]={4,-3}'::int[])`), '[2:5]={4,0,0,5}', 'a bucket emptied by a negative delta stays inside');
  assert.is(await sql(`sla_hist_add('[3:4]={3,1}'::int[], '[3:4]={-3,-1}'::int[])`), '{}');
  assert.is(await sql(`sla_hist_add('{}'::int[], '{0,2}'::int[])`), '[2:2]={2}');
  const rows = (await conn().execute(`select count(*) filter (where hist[array_lower(hist, 1)] = 0 or hist[array_upper(hist, 1)] = 0)::int as untrimmed, count(*)::int as n from sla_aggregate`)) as Array<{ untrimmed: number; n: number }>;
  assert.ok(rows[0]!.n > 0);
  assert.is(rows[0]!.untrimmed, 0, 'every stored histogram starts and ends with a non-empty bucket');
});

test.run();
