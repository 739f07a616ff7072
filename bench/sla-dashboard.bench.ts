/**
 * SLA dashboard: server time of the dashboard page (/cruscotti/sla: figures
 * per step and the monthly trend) and of the heatmap (/cruscotti/sla/mappa:
 * figures per step on the diagram) for a comune's responsabile, with
 * `historyRows` completed tasks and `openTasks` open ones spread over three
 * comuni, against the bare SQL that computes the same numbers from the same
 * tables (slaSummarySql and trendSql over the pre-aggregated figures and the
 * open tasks, run on a plain pg pool, in parallel as the page runs them).
 * Pages are timed over HTTP on localhost (sign-in cookie, render included),
 * alternating with the bare SQL. Rows written with set-based SQL (the task
 * triggers record their deltas; the seed then folds them, as the server's
 * compactor does). For information, the same figures computed from the
 * task history at each request (the query before the pre-aggregation).
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { buildServices } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/api/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { addCalendarDays, romeDay } from '../src/engine/calendar/dates.js';
import { slaSummarySql, DEFAULT_AT_RISK_SHARE, type SlaQuery } from '../src/tasks/sla/sla.service.js';
import { compactSla } from '../src/tasks/sla/sla-compactor.js';
import { trendSql } from '../src/tasks/sla/sla-dashboard.js';
import { startOfRomeDay } from '../src/web/pages/dashboard-scope.js';
import type { BenchDatabase } from './db.js';
import { benchLine, latencySummary, quantile } from './report.js';
import { signInWeb as signIn } from './http.js';
import { silentLogger } from '../src/shared/logger.js';

export interface SlaDashboardBenchOptions {
  historyRows: number;
  openTasks: number;
  requests: number;
}

const COMUNI = ['Z951', 'Z952', 'Z953'];
const STEPS = ['verifica', 'istruttoria', 'invioInps', 'esitoInps', 'analisi', 'equipe', 'progetto', 'firma'];
const TASKS_PER_CASE = 10;
const MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs-sla" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="benchSla" name="Pratica REI (bench SLA)" isExecutable="true">
    <bpmn:startEvent id="start" />
    ${STEPS.map((s, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${i ? STEPS[i - 1] : 'start'}" targetRef="${s}" />
    <bpmn:userTask id="${s}" name="Passo ${s}" camunda:candidateGroups="operatori-rei" />`).join('\n    ')}
    <bpmn:sequenceFlow id="fEnd" sourceRef="${STEPS.at(-1)}" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

export async function runSlaDashboardBench(db: BenchDatabase, opts: SlaDashboardBenchOptions): Promise<void> {
  console.log(`\n== sla-dashboard: ${opts.historyRows.toLocaleString('it-IT')} completed tasks and ${opts.openTasks.toLocaleString('it-IT')} open ones over ${COMUNI.length} comuni ==`);
  const services = await buildServices({ ...loadConfig({ SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm: db.orm });
  const conn = db.orm.em.fork().getConnection();
  const now = new Date();
  for (const code of COMUNI) await conn.execute(`insert into tenant (code, name, calendar, created_at) values (?, ?, '{}', ?) on conflict (code) do nothing`, [code, `Comune bench ${code}`, now]);
  const deployed = await services.deployments.deploy({ name: 'bench-sla', tenant: null, files: [{ name: 'bench-sla.bpmn', content: MODEL }], source: 'api', createdBy: 'bench' });
  const definitionId = deployed.definitions[0]!.id;
  const username = `resp.sla.${process.pid}`;
  await conn.execute(
    `insert into app_user (id, username, password_hash, tenant, roles, groups, active, created_at) values (md5(?)::uuid, ?, ?, ?, '{responsabile}', '{operatori-rei}', true, ?)`,
    [username, username, await hashPassword('bench1234'), COMUNI[0], now],
  );

  const seedStart = performance.now();
  const run = process.pid;
  const comuni = `(array[${COMUNI.map((c) => `'${c}'`).join(',')}])[1 + n % ${COMUNI.length}]`;
  const chunk = 20_000;
  // Completed tasks: created over the last 400 days, due 10 days later, done in 0–20 days (about half late).
  const historyCases = Math.ceil(opts.historyRows / TASKS_PER_CASE);
  const openCases = Math.ceil(opts.openTasks / TASKS_PER_CASE);
  const seed = async (from: number, count: number, open: boolean) => {
    for (let start = from; start < from + count; start += chunk) {
      const end = Math.min(from + count, start + chunk) - 1;
      await conn.execute(
        `insert into process_instance (id, tenant, definition_id, definition_key, definition_version, business_key, status, variables, started_at, updated_at)
         select md5('${run}i' || n)::uuid, ${comuni}, ?, 'benchSla', 1, 'S/' || n, ?, '{}', ?, ? from generate_series(?::int, ?::int) n`,
        [definitionId, open ? 'active' : 'completed', now, now, start, end],
      );
      const created = open ? `?::timestamptz - ((n * 13 + k * 7) % 30) * interval '1 day' - (k * 37 % 24) * interval '1 hour'` : `?::timestamptz - ((n * 17 + k * 29) % 400) * interval '1 day' - (k * 37 % 24) * interval '1 hour'`;
      await conn.execute(
        `insert into task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, name, candidate_groups, due_at, status, created_at, ended_at)
         select md5('${run}t' || n || '-' || k)::uuid, tenant, instance_id, 'benchSla', business_key, element_id, element_id || '_' || k, 'Passo ' || element_id, '{operatori-rei}',
                created + interval '10 days', ?, created, ${open ? 'null' : `created + ((n * 7 + k * 3) % 20) * interval '1 day' + (n % 24) * interval '1 hour'`}
           from (select n, k, ${comuni} as tenant, md5('${run}i' || n)::uuid as instance_id, 'S/' || n as business_key,
                        (array[${STEPS.map((s) => `'${s}'`).join(',')}])[1 + (n + k) % ${STEPS.length}] as element_id, ${created} as created
                   from generate_series(?::int, ?::int) n, generate_series(1, ${TASKS_PER_CASE}) k) s`,
        [open ? 'open' : 'completed', now, start, end],
      );
    }
  };
  await seed(1, historyCases, false);
  await seed(historyCases + 1, openCases, true);
  const compactStart = performance.now();
  const folded = await compactSla(db.orm);
  console.log(`deltas folded into sla_aggregate in ${((performance.now() - compactStart) / 1000).toFixed(1)} s (${folded} rows)`);
  // Steady state: autovacuum has set the visibility map (index-only scans).
  await db.sql.query('vacuum analyze task');
  await db.sql.query('vacuum analyze sla_aggregate');
  await db.sql.query('vacuum analyze sla_delta');
  await db.sql.query('analyze process_instance');
  const [{ n: total }] = (await conn.execute(`select count(*)::int as n from task where definition_key = 'benchSla'`)) as Array<{ n: number }>;
  const [{ n: openInComune }] = (await conn.execute(`select count(*)::int as n from task where tenant = ? and status = 'open' and definition_key = 'benchSla'`, [COMUNI[0]])) as Array<{ n: number }>;
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: ${total} tasks (${openInComune} open in ${COMUNI[0]})`);

  // The period the page is asked for: the last twelve months, as the dashboard's default.
  const a = romeDay(now);
  const da = `${addCalendarDays(`${a.slice(0, 8)}01`, -334).slice(0, 8)}01`;
  const q = { tenant: COMUNI[0]!, from: startOfRomeDay(da), to: startOfRomeDay(addCalendarDays(a, 1)), processKey: 'benchSla', atRiskShare: DEFAULT_AT_RISK_SHARE, perTenant: false };
  for (const [part, statement] of Object.entries(slaSummarySql({ ...q, now }))) {
    const plan = (await conn.execute(`explain (analyze, buffers) ${statement.sql}`, statement.params)) as Array<Record<string, string>>;
    console.log(`plan of the summary (${part}):\n${plan.map((r) => `  ${Object.values(r)[0]}`).join('\n')}`);
  }

  const server = createApp(services, silentLogger()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const cookie = await signIn(base, username, 'bench1234');
    const qs = `processo=benchSla&da=${da}&a=${a}`;
    const bare = {
      page: () => {
        const at = new Date();
        const s = slaSummarySql({ ...q, now: at });
        const t = trendSql(q);
        return Promise.all([db.sql.query(s.period.sql, s.period.params), db.sql.query(s.now.sql, s.now.params), db.sql.query(t.sql, t.params)]);
      },
      heatmap: () => {
        const s = slaSummarySql({ ...q, now: new Date() });
        return Promise.all([db.sql.query(s.period.sql, s.period.params), db.sql.query(s.now.sql, s.now.params)]);
      },
    };
    const targets = [
      { name: 'sla-dashboard-page', url: `/cruscotti/sla?${qs}`, marker: 'id="tabella-passi"', bare: bare.page },
      { name: 'sla-heatmap', url: `/cruscotti/sla/mappa?${qs}`, marker: 'id="dati-mappa"', bare: bare.heatmap },
    ];
    const history: number[] = [];
    for (let i = 0; i < Math.min(10, opts.requests); i++) {
      const h = fromHistorySql({ ...q, now: new Date() });
      const t0 = performance.now();
      await db.sql.query(h.sql, h.params);
      if (i) history.push(performance.now() - t0);
    }
    console.log(`for information, the summary computed from the task history at each request (before the pre-aggregation): ${latencySummary(history)}`);
    for (const t of targets) {
      const page: number[] = [];
      const sql: number[] = [];
      const timedPage = async (into: number[] | null) => {
        const t0 = performance.now();
        const res = await fetch(base + t.url, { headers: { cookie }, redirect: 'manual' });
        const body = await res.text();
        if (res.status !== 200 || !body.includes(t.marker)) throw new Error(`${t.url}: HTTP ${res.status} ${body.slice(0, 200)}`);
        into?.push(performance.now() - t0);
      };
      const timedSql = async (into: number[] | null) => {
        const t0 = performance.now();
        await t.bare();
        into?.push(performance.now() - t0);
      };
      for (let i = 0; i < 3; i++) {
        await timedPage(null);
        await timedSql(null);
      }
      for (let i = 0; i < opts.requests; i++) {
        if (i % 2 === 0) {
          await timedPage(page);
          await timedSql(sql);
        } else {
          await timedSql(sql);
          await timedPage(page);
        }
      }
      const p = quantile;
      console.log(`${t.name}  page ${t.url}: ${latencySummary(page)}`);
      console.log(`${t.name}  bare SQL: ${latencySummary(sql)}`);
      benchLine(`${t.name}-p50`, p(page, 0.5), 'ms', p(page, 0.5) / p(sql, 0.5), 'bare-sql-p50');
      benchLine(`${t.name}-p95`, p(page, 0.95), 'ms', p(page, 0.95) / p(sql, 0.95), 'bare-sql-p95');
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The summary's SQL before the pre-aggregation: every task of the period, percentiles at each request (informative reference). */
function fromHistorySql(q: SlaQuery): { sql: string; params: unknown[] } {
  const sql = `
    with t as (
      select definition_key, element_id, name, tenant, status, due_at, created_at, ended_at, (created_at >= ? and created_at < ?) as in_window
        from task where tenant = ? and definition_key = ? and ((created_at >= ? and created_at < ?) or status = 'open')
    )
    select t.definition_key, t.element_id, max(t.name),
      count(*) filter (where in_window)::int, count(*) filter (where in_window and status = 'completed')::int,
      count(*) filter (where in_window and status = 'completed' and due_at is not null)::int,
      count(*) filter (where in_window and status = 'completed' and due_at is not null and ended_at <= due_at)::int,
      count(*) filter (where status = 'open')::int, count(*) filter (where status = 'open' and due_at < ?)::int,
      count(*) filter (where status = 'open' and due_at >= ? and created_at + (due_at - created_at) * ? <= ?)::int,
      percentile_cont(0.5) within group (order by extract(epoch from (ended_at - created_at))) filter (where in_window and status = 'completed'),
      percentile_cont(0.9) within group (order by extract(epoch from (ended_at - created_at))) filter (where in_window and status = 'completed')
    from t group by t.definition_key, t.element_id order by t.definition_key, t.element_id`;
  return { sql, params: [q.from, q.to, q.tenant, q.processKey, q.from, q.to, q.now, q.now, q.atRiskShare, q.now] };
}
