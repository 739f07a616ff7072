/**
 * Timer storm: N cases waiting at their monthly review timer all fall due at
 * once, and the job executor of the server (this process) plus `npm run
 * worker` processes (one per further core) drain them. Measured: time to
 * drain, timers/s, every timer fired exactly once (duplicates and lost ones
 * counted), and the rate per quarter of the drain with the job table's dead
 * rows (the drain must not slow down as it goes).
 *
 * Reference, in the same run: BARE bpmn-engine firing the same model's timer
 * with every core busy (bench/timer-storm.bare.ts: one worker thread per
 * core, recover → resume → fire → getState, no database), measured right
 * before and right after the storm (their mean is the reference). Goal: the
 * storm at ≥ 0.7× that. Also printed: pg-boss draining N no-op jobs (two
 * consumers, batch 50), the former reference.
 *
 * The storm runs with PostgreSQL's default autovacuum: when the cluster has it
 * off (this machine's CI configuration), it is switched on with ALTER SYSTEM +
 * pg_reload_conf() for the run and reset afterwards.
 *
 * Setup (not timed): the model start → timer P1M "Revisione mensile" → user
 * task "Revisione" → end is deployed and ONE case is started through the
 * service layer; its rows (process_instance with the engine state, the timer
 * job, the history) are then cloned in SQL, N-1 times, with fresh ids and
 * business keys (the instance id and business key are rewritten inside the
 * state and variables too), exactly as the engine wrote them for the real
 * case. After the storm, every case must have exactly one `timer.fired`
 * event and one open "Revisione" task, a cloned case must have the same
 * history as the real one, and completing a cloned case's task must end it.
 *
 * PostgreSQL only: PGlite is one process, `npm run worker` cannot share it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { buildServices } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import type { Services } from '../src/app-context.js';
import type { BenchDatabase } from './db.js';
import { benchLine } from './report.js';
import { runCommand } from '../src/engine/execution/runtime.js';
import { HandlerRegistry } from '../src/engine/execution/handlers.js';
import { systemClock } from '../src/shared/clock.js';
import type { ModelIndex } from '../src/engine/definitions/model.js';
import { drainQueue, openBoss } from './timer-storm.pgboss.js';
import { bareCpuMsPerFire, bareFireRate, type BareFireResult } from './timer-storm.bare.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface TimerStormOptions {
  /** Timers due at once (cases waiting at their review). */
  timers: number;
  /** Jobs fetched per batch by each pg-boss consumer: the executors' acquisition batch (50). */
  batchSize: number;
  /** Poll interval of both executors when idle (ms). */
  pollMs: number;
  /** Jobs each executor process runs at the same time (JOB_CONCURRENCY). */
  concurrency: number;
  /** `npm run worker` processes beside this process's executor (default: one per core beyond the first). */
  workers?: number;
  /** Seconds of each bare bpmn-engine measurement (before and after the storm). */
  bareSeconds?: number;
  /** false skips the pg-boss reference. */
  pgBoss?: boolean;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TENANT = 'STRM';
const PROCESS_KEY = 'bench_revisione_mensile';
const TIMER_ID = 'revisioneMensile';
const TASK_ID = 'revisione';
const CLONE_BATCH = 5000;
const PROGRESS_EVERY_MS = 10_000;
const STALL_MS = 180_000;
const PGBOSS_SCHEMA = 'pgboss_bench';
const PGBOSS_QUEUE = 'bench-noop';

export const STORM_MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="storm-definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${PROCESS_KEY}" name="Revisione mensile (benchmark)" isExecutable="true">
    <bpmn:startEvent id="presaInCarico" name="Presa in carico" />
    <bpmn:sequenceFlow id="f_start" sourceRef="presaInCarico" targetRef="${TIMER_ID}" />
    <bpmn:intermediateCatchEvent id="${TIMER_ID}" name="Revisione mensile">
      <bpmn:timerEventDefinition id="revisioneMensileTimer"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f_timer" sourceRef="${TIMER_ID}" targetRef="${TASK_ID}" />
    <bpmn:userTask id="${TASK_ID}" name="Revisione" camunda:candidateGroups="bench-assistenti" camunda:dueDate="P5D" />
    <bpmn:sequenceFlow id="f_task" sourceRef="${TASK_ID}" targetRef="rivisto" />
    <bpmn:endEvent id="rivisto" name="Revisione svolta" />
  </bpmn:process>
</bpmn:definitions>`;

export async function runTimerStormBench(db: BenchDatabase, opts: TimerStormOptions): Promise<void> {
  const { timers: n, batchSize, pollMs, concurrency } = opts;
  const workers = opts.workers ?? Math.max(1, os.cpus().length - 1);
  const bareSeconds = opts.bareSeconds ?? 5;
  console.log(
    `\n== timer-storm: ${n} monthly review timers due at once, drained by this process's job executor + ${workers} \`npm run worker\` (batch ${batchSize}, ${concurrency} jobs in flight each); ` +
      `reference bare bpmn-engine on ${os.cpus().length} threads (before and after, ${bareSeconds} s each)${opts.pgBoss === false ? '' : `; pg-boss (2 consumers, batch ${batchSize})`}`,
  );
  if (db.kind !== 'postgresql') {
    console.log('   skipped: needs PostgreSQL (PGlite is one process, `npm run worker` cannot share it); set DATABASE_URL or start a local PostgreSQL');
    return;
  }
  const url = String(db.orm.config.get('clientUrl'));
  const sql = new pg.Pool({ connectionString: url, max: 2 });
  const children = new Set<ChildProcess>();
  const killChildren = () => {
    for (const c of children) if (c.pid && c.exitCode === null) killGroup(c, 'SIGKILL');
  };
  process.on('exit', killChildren);
  try {
    const services = await buildServices({ ...loadConfig({ JOB_POLL_MS: String(pollMs), JOB_CONCURRENCY: String(concurrency) }), databaseUrl: null }, { orm: db.orm });
    const setup = await setupCases(services, sql, n);
    const ceiling = await engineCeiling(sql, setup);
    const boss = opts.pgBoss === false ? null : await pgBossReference(url, sql, n, batchSize, children);

    const bareInput = { model: STORM_MODEL, timerId: TIMER_ID, nextId: TASK_ID, seconds: bareSeconds };
    const bareBefore = await bareFireRate(bareInput);
    console.log(`   bare bpmn-engine before the storm: ${fmtBare(bareBefore)}`);
    const autovacuum = await defaultAutovacuum(sql);
    let storm: StormResult;
    try {
      storm = await drainStorm(services, sql, url, setup, { n, pollMs, concurrency, workers }, children);
    } finally {
      await autovacuum.restore();
    }
    const bareAfter = await bareFireRate(bareInput);
    console.log(`   bare bpmn-engine after the storm: ${fmtBare(bareAfter)}`);
    const bareCpuMs = await bareCpuMsPerFire(bareInput);
    const bare = (bareBefore.perSecond + bareAfter.perSecond) / 2;
    const check = await verifyStorm(services, sql, setup, n);

    const rate = n / storm.seconds;
    const q = storm.quarters;
    console.log('');
    console.log(`bare engine  ${fmt(bare)} fires/s   (bpmn-engine alone on ${bareBefore.threads} threads, no database: ${bareBefore.perSecond.toFixed(1)} before, ${bareAfter.perSecond.toFixed(1)} after the storm)`);
    if (boss) console.log(`pg-boss      ${fmt(boss.perSecond)} jobs/s    (${n} no-op jobs in ${boss.seconds.toFixed(2)} s; here ${boss.inProcess}, child ${boss.child})`);
    console.log(`timer storm  ${fmt(rate)} timers/s  (${n} timers in ${storm.seconds.toFixed(2)} s; here ${storm.inProcess}, workers ${n - storm.inProcess}; conflicts ${storm.conflicts}, failures ${storm.failed}; autovacuum ${autovacuum.note})`);
    console.log(`  by quarter  ${q.map((x) => `${x.rate.toFixed(1)}/s (job dead rows ≤ ${x.maxDead})`).join(' · ')}`);
    const c = storm.cpuMs;
    const stormCpuMs = (c.here + c.workers + c.database) / n;
    console.log(
      `CPU per fire  storm ${stormCpuMs.toFixed(2)} ms (this process ${(c.here / n).toFixed(2)}, workers ${(c.workers / n).toFixed(2)}, PostgreSQL backends ${(c.database / n).toFixed(2)}; autovacuum not counted) · ` +
        `bare bpmn-engine ${bareCpuMs.toFixed(2)} ms · our runtime alone ${ceiling.cpuMs.toFixed(2)} ms (no database, one thread)`,
    );
    console.log(`  on a quiet machine with ${os.cpus().length} cores: bare ≈ ${fmt((os.cpus().length * 1000) / bareCpuMs).trim()} fires/s, storm ≈ ${fmt((os.cpus().length * 1000) / stormCpuMs).trim()} timers/s if CPU-bound (ratio ${(bareCpuMs / stormCpuMs).toFixed(2)})`);
    console.log(`exactly once: ${check.firedOnce} fired once, ${check.duplicates} fired more than once, ${check.lost} not advanced, ${check.incidents} incidents; cloned case ${check.cloneMatches ? 'has the real case\'s history' : 'DIFFERS from the real case'} and ends when its task is completed: ${check.cloneEnds}`);
    console.log('');
    benchLine('bare-bpmn-engine-fire', bare, 'fires/s', 1, 'self');
    if (boss) benchLine('pg-boss-noop-dequeue', boss.perSecond, 'jobs/s', 1, 'self');
    benchLine('timer-storm-duplicates', check.duplicates, 'timers', check.duplicates / n, 'timers');
    benchLine('timer-storm-lost', check.lost, 'timers', check.lost / n, 'timers');
    if (q.length === 4) benchLine('timer-storm-last-quarter', q[3]!.rate, 'timers/s', q[3]!.rate / q[0]!.rate, 'timer-storm-first-quarter');
    if (boss) benchLine('timer-storm-vs-pg-boss', rate, 'timers/s', rate / boss.perSecond, 'pg-boss');
    // The same comparison from CPU time, which a shared machine does not skew: the rates all cores would give if nothing else ran.
    benchLine('timer-storm-cpu-bound', (os.cpus().length * 1000) / stormCpuMs, 'timers/s', bareCpuMs / stormCpuMs, 'bare-bpmn-engine-cpu-bound');
    benchLine('timer-storm', rate, 'timers/s', rate / bare, 'bare-bpmn-engine-fire');
    if (check.duplicates || check.lost || !check.cloneMatches || !check.cloneEnds) throw new Error('timer-storm: timers were not fired exactly once (see above)');
  } finally {
    killChildren();
    process.off('exit', killChildren);
    if (process.env.DATABASE_URL) await cleanup(sql).catch((err) => console.log(`   cleanup failed: ${(err as Error).message}`));
    await sql.end();
  }
}

// ------------------------------------------------------------------ setup

export interface StormSetup {
  definitionId: string;
  templateId: string;
  cloneProbeId: string;
  prefix: string;
}

export async function setupCases(services: Services, sql: pg.Pool, n: number): Promise<StormSetup> {
  const t0 = performance.now();
  await cleanup(sql);
  await sql.query(`insert into tenant (code, name) values ($1, $2) on conflict (code) do nothing`, [TENANT, 'Comune del benchmark timer-storm']);
  const deployed = await services.deployments.deploy({ name: 'bench-timer-storm', tenant: null, files: [{ name: 'storm.bpmn', content: STORM_MODEL }], source: 'api', createdBy: 'bench' });
  const definitionId = deployed.definitions[0]!.id;

  // The one real case, through the service layer.
  const prefix = `RM${process.pid.toString(36)}${Date.now().toString(36)}-`.toUpperCase();
  const businessKey = (i: number) => `${prefix}${String(i).padStart(7, '0')}`;
  const template = await services.store.transaction((tx) =>
    services.processes.start(
      tx,
      {
        key: PROCESS_KEY,
        tenant: TENANT,
        businessKey: businessKey(0),
        variables: { protocollo: businessKey(0), dataDomanda: '2026-01-12', isee: 3200, richiedente: { nome: 'Maria', cognome: 'Rossi' }, mese: 1 },
      },
      { username: 'bench' },
    ),
  );
  const { rows: tpl } = await sql.query<{ jobs: number; history: number; tasks: number; waiting: string[] }>(
    `select (select count(*)::int from job where instance_id = $1) as jobs,
            (select count(*)::int from history_event where instance_id = $1) as history,
            (select count(*)::int from task where instance_id = $1) as tasks,
            (select active_elements from process_instance where id = $1) as waiting`,
    [template.id],
  );
  const t = tpl[0]!;
  if (t.jobs !== 1 || t.tasks !== 0) throw new Error(`timer-storm: the real case has ${t.jobs} jobs and ${t.tasks} tasks, expected 1 timer job and no task`);

  // Clone its rows N-1 times, column lists taken from the live schema so that
  // columns added later are copied as they are.
  const stmt = await cloneStatement(sql);
  for (let from = 1; from < n; from += CLONE_BATCH) {
    const to = Math.min(n - 1, from + CLONE_BATCH - 1);
    await sql.query(stmt, [template.id, prefix, from, to]);
  }
  await sql.query('analyze process_instance, job, history_event, task');
  const { rows: counts } = await sql.query<{ instances: number; jobs: number; history: number }>(
    `select (select count(*)::int from process_instance where definition_id = $1) as instances,
            (select count(*)::int from job where tenant = $2) as jobs,
            (select count(*)::int from history_event where tenant = $2) as history`,
    [definitionId, TENANT],
  );
  const c = counts[0]!;
  if (c.instances !== n || c.jobs !== n) throw new Error(`timer-storm: setup made ${c.instances} cases and ${c.jobs} jobs, expected ${n}`);
  const { rows: probe } = await sql.query<{ id: string }>('select id from process_instance where business_key = $1', [businessKey(1)]);
  console.log(
    `   setup: 1 case started through the service layer (waiting at ${t.waiting.join(',')}; 1 timer job, ${t.history} history rows), ` +
      `${n - 1} cloned in SQL → ${c.instances} cases, ${c.jobs} timer jobs, ${c.history} history rows (${((performance.now() - t0) / 1000).toFixed(1)} s, not timed)`,
  );
  return { definitionId, templateId: template.id, cloneProbeId: probe[0]!.id, prefix };
}

/**
 * One statement cloning the template case ($1) into cases $3..$4 with
 * business keys $2 || lpad(i, 7, '0'): instance row (id and business key
 * rewritten inside state and variables), its jobs and its history.
 */
async function cloneStatement(sql: pg.Pool): Promise<string> {
  const columns = async (table: string) =>
    (await sql.query<{ c: string }>(`select column_name as c from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`, [table])).rows.map((r) => r.c);
  const select = (cols: string[], alias: string, overrides: Record<string, string>) => cols.map((c) => overrides[c] ?? `${alias}.${c}`).join(', ');
  const instanceCols = await columns('process_instance');
  const jobCols = await columns('job');
  const historyCols = (await columns('history_event')).filter((c) => c !== 'id');
  const rewrite = (expr: string) => `replace(replace(${expr}::text, t.id::text, g.id::text), t.business_key, g.bk)::jsonb`;
  return `
with g as (
  select i, gen_random_uuid() as id, $2 || lpad(i::text, 7, '0') as bk from generate_series($3::int, $4::int) as i
), t as (
  select * from process_instance where id = $1
), ins as (
  insert into process_instance (${instanceCols.join(', ')})
  select ${select(instanceCols, 't', { id: 'g.id', business_key: 'g.bk', state: rewrite('t.state'), variables: rewrite('t.variables') })}
  from g cross join t
), jobs as (
  insert into job (${jobCols.join(', ')})
  select ${select(jobCols, 'j', { id: 'gen_random_uuid()', instance_id: 'g.id' })}
  from g cross join job j where j.instance_id = $1
)
insert into history_event (${historyCols.join(', ')})
select ${select(historyCols, 'h', { instance_id: 'g.id' })}
from g cross join history_event h where h.instance_id = $1
order by g.i, h.id`;
}

/** Removes the rows of earlier timer-storm runs (kept only on a DATABASE_URL database). */
async function cleanup(sql: pg.Pool): Promise<void> {
  await sql.query(`drop schema if exists ${PGBOSS_SCHEMA} cascade`);
  const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from process_instance where tenant = $1', [TENANT]);
  if (!rows[0]?.n) return;
  for (const table of ['history_event', 'task', 'external_task', 'event_subscription', 'incident', 'job']) {
    await sql.query(`delete from ${table} where tenant = $1`, [TENANT]);
  }
  await sql.query('delete from process_instance where tenant = $1', [TENANT]);
}

/**
 * What bpmn-engine alone costs per fire on this machine: the real case's
 * stored state, run through the same runtime as a job (rebuild, resume, fire
 * the timer, serialize), with no database and no transaction. This bounds
 * timers/s per core whatever the storage does.
 */
async function engineCeiling(sql: pg.Pool, setup: StormSetup): Promise<{ cpuMs: number }> {
  const { rows: [inst] } = await sql.query<{ id: string; tenant: string; business_key: string; state: object }>('select id, tenant, business_key, state from process_instance where id = $1', [setup.templateId]);
  const { rows: [def] } = await sql.query<{ id: string; key: string; compiled: string; model_index: ModelIndex }>('select id, key, compiled, model_index from process_definition where id = $1', [setup.definitionId]);
  const { rows: [job] } = await sql.query<{ element_id: string; execution_id: string }>('select element_id, execution_id from job where instance_id = $1', [setup.templateId]);
  const ctx = {
    definitionId: def!.id,
    process: { key: def!.key, serializedContext: def!.compiled, index: def!.model_index },
    instanceId: inst!.id,
    tenant: inst!.tenant,
    businessKey: inst!.business_key,
    params: {},
    handlers: new HandlerRegistry([]),
    clock: systemClock(),
  };
  // Each fire gets its own copy of the state, parsed from its text as a command does from the row.
  const stateText = JSON.stringify(inst!.state);
  const fire = async () => {
    const r = await runCommand(ctx, JSON.parse(stateText) as object, { type: 'fireTimer', elementId: job!.element_id, executionId: job!.execution_id });
    if (r.waits[0]?.elementId !== TASK_ID) throw new Error(`timer-storm: firing the real case's timer led to ${r.waits.map((w) => w.elementId).join(',') || 'nothing'}`);
    JSON.stringify(r.state);
  };
  for (let i = 0; i < 50; i++) await fire();
  const runs = 300;
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) await fire();
  const cpu = process.cpuUsage(c0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / runs };
}

// -------------------------------------------------------------- the storm

interface StormResult {
  seconds: number;
  inProcess: number;
  conflicts: number;
  failed: number;
  /** Per quarter of the timers: timers/s, and the most dead rows seen in the job table meanwhile. */
  quarters: Array<{ rate: number; maxDead: number }>;
  /** CPU spent by the drain (ms): this process, the workers, the database's backends serving this database. */
  cpuMs: { here: number; workers: number; database: number };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime (ms) of each live process whose process group is one of `groups`, or whose pid is in `pids` (Linux /proc; empty elsewhere). */
function processCpuMs(sel: { groups?: number[]; pids?: number[] }): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = sel.pids ? sel.pids.map(String) : fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp … utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (sel.groups && !sel.groups.includes(Number(f[2]))) continue;
    out.set(Number(pid), ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS);
  }
  return out;
}

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Backends connected to this database now (the pools of this process and of the workers). */
async function databaseBackends(sql: pg.Pool): Promise<number[]> {
  const { rows } = await sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  return rows.map((r) => r.pid);
}

/**
 * PostgreSQL's default autovacuum for the storm: if the cluster runs with it
 * off, it is switched on (ALTER SYSTEM + reload) and `restore` resets it.
 */
async function defaultAutovacuum(sql: pg.Pool): Promise<{ note: string; restore: () => Promise<void> }> {
  const { rows } = await sql.query<{ autovacuum: string }>('show autovacuum');
  if (rows[0]?.autovacuum === 'on') return { note: 'on (as configured)', restore: async () => undefined };
  try {
    await sql.query('alter system set autovacuum = on');
    await sql.query('select pg_reload_conf()');
  } catch (err) {
    return { note: `OFF (could not switch it on: ${(err as Error).message})`, restore: async () => undefined };
  }
  return {
    note: 'on (switched on for the run with ALTER SYSTEM, reset afterwards)',
    restore: async () => {
      await sql.query('alter system reset autovacuum');
      await sql.query('select pg_reload_conf()');
    },
  };
}

const fmtBare = (b: BareFireResult) => `${b.perSecond.toFixed(1)} fires/s (${b.fires} fires on ${b.threads} threads in ${b.seconds.toFixed(1)} s)`;

async function drainStorm(
  services: Services,
  sql: pg.Pool,
  url: string,
  setup: StormSetup,
  o: { n: number; pollMs: number; concurrency: number; workers: number },
  children: Set<ChildProcess>,
): Promise<StormResult> {
  // The workers are started first and idle until the jobs fall due: their boot
  // (tsx, migrations check, catalogs) is not part of the drain.
  const workers = Array.from({ length: o.workers }, (_, i) =>
    startChild('src/worker.ts', { DATABASE_URL: url, JOB_POLL_MS: String(o.pollMs), JOB_CONCURRENCY: String(o.concurrency), JOB_EXECUTOR: 'true' }, children, `[worker ${i + 1}]`),
  );
  for (const worker of workers) await worker.waitFor(/Worker avviato/, 90_000);

  const executor = services.executor;
  const before = { ...executor.stats };
  // Due a minute ago by the database clock: both processes use the real clock.
  const { rowCount } = await sql.query(`update job set due_at = now() - interval '1 minute' where tenant = $1 and kind = 'timer'`, [TENANT]);
  if (rowCount !== o.n) throw new Error(`timer-storm: ${rowCount} jobs made due, expected ${o.n}`);
  const groups = workers.map((w) => w.pid);
  const cpu0 = { here: process.cpuUsage(), workers: sum(processCpuMs({ groups })), database: processCpuMs({ pids: await databaseBackends(sql) }) };
  const t0 = performance.now();
  executor.start();

  let lastProgress = t0;
  let lastLeft = o.n;
  let lastChange = t0;
  let left = o.n;
  const quarters: StormResult['quarters'] = [];
  let quarterStart = t0;
  let maxDead = 0;
  while (left > 0) {
    await sleep(500);
    const { rows } = await sql.query<{ n: number; dead: number }>(
      `select (select count(*)::int from job where tenant = $1 and retries > 0) as n,
              (select coalesce(max(n_dead_tup), 0)::int from pg_stat_user_tables where relname = 'job' and schemaname = current_schema()) as dead`,
      [TENANT],
    );
    left = rows[0]!.n;
    maxDead = Math.max(maxDead, rows[0]!.dead);
    const now = performance.now();
    // A quarter ends when its share of the timers has fired.
    while (quarters.length < 4 && o.n - left >= Math.round(((quarters.length + 1) * o.n) / 4)) {
      quarters.push({ rate: o.n / 4 / Math.max(0.001, (now - quarterStart) / 1000), maxDead });
      quarterStart = now;
      maxDead = rows[0]!.dead;
    }
    if (left !== lastLeft) {
      lastLeft = left;
      lastChange = now;
    } else if (now - lastChange > STALL_MS) {
      throw new Error(`timer-storm: no progress for ${STALL_MS / 1000} s with ${left} jobs left`);
    }
    if (now - lastProgress >= PROGRESS_EVERY_MS && left > 0) {
      lastProgress = now;
      const fired = o.n - left;
      console.log(`   ${((now - t0) / 1000).toFixed(0).padStart(4)} s: ${fired} fired (${fmt(fired / ((now - t0) / 1000))}/s), ${left} left; here ${executor.stats.fired - before.fired}; job dead rows ${rows[0]!.dead}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  // Backends that appeared during the drain count from zero.
  const dbNow = processCpuMs({ pids: await databaseBackends(sql) });
  const hereCpu = process.cpuUsage(cpu0.here);
  const cpuMs = {
    here: (hereCpu.user + hereCpu.system) / 1000,
    workers: sum(processCpuMs({ groups })) - cpu0.workers,
    database: [...dbNow].reduce((acc, [pid, ms]) => acc + ms - (cpu0.database.get(pid) ?? 0), 0),
  };
  await executor.stop();
  for (const worker of workers) await worker.stop();
  return {
    cpuMs,
    quarters,
    seconds,
    inProcess: executor.stats.fired - before.fired,
    conflicts: executor.stats.conflicts - before.conflicts,
    failed: executor.stats.failed - before.failed,
  };
}

interface StormCheck {
  firedOnce: number;
  duplicates: number;
  lost: number;
  incidents: number;
  cloneMatches: boolean;
  cloneEnds: boolean;
}

async function verifyStorm(services: Services, sql: pg.Pool, setup: StormSetup, n: number): Promise<StormCheck> {
  const { rows } = await sql.query<{ once: number; dup: number; dup_tasks: number; lost: number; jobs: number; incidents: number }>(
    `with fired as (
       select instance_id, count(*) as k from history_event where tenant = $1 and type = 'timer.fired' group by instance_id
     ), tasks as (
       select instance_id, count(*) as k from task where tenant = $1 and element_id = $3 group by instance_id
     )
     select (select count(*)::int from fired where k = 1) as once,
            (select count(*)::int from fired where k > 1) as dup,
            (select count(*)::int from tasks where k > 1) as dup_tasks,
            (select count(*)::int from process_instance p where p.definition_id = $2
               and (p.active_elements <> array[$3]::text[]
                    or not exists (select 1 from task t where t.instance_id = p.id and t.element_id = $3 and t.status = 'open')
                    or not exists (select 1 from fired f where f.instance_id = p.id))) as lost,
            (select count(*)::int from job where tenant = $1) as jobs,
            (select count(*)::int from incident where tenant = $1) as incidents`,
    [TENANT, setup.definitionId, TASK_ID],
  );
  const r = rows[0]!;
  // A cloned case went through exactly the same history as the real one.
  const historyOf = async (id: string) =>
    (await sql.query<{ e: string }>(`select type || ':' || coalesce(element_id, '') as e from history_event where instance_id = $1 order by id`, [id])).rows.map((x) => x.e).join(' ');
  const cloneMatches = (await historyOf(setup.templateId)) === (await historyOf(setup.cloneProbeId));
  // … and carries on like one: completing its review ends it.
  await services.store.transaction(async (tx) => {
    const { rows: t } = await sql.query<{ id: string }>(`select id from task where instance_id = $1 and status = 'open'`, [setup.cloneProbeId]);
    const task = await tx.task(t[0]!.id, TENANT);
    await services.processes.completeTask(tx, task!, { esitoRevisione: 'confermato' }, { username: 'bench' });
  });
  const { rows: st } = await sql.query<{ status: string }>('select status from process_instance where id = $1', [setup.cloneProbeId]);
  return {
    firedOnce: r.once,
    duplicates: Math.max(r.dup, r.dup_tasks),
    lost: Math.max(r.lost, n - r.once - r.dup),
    incidents: r.incidents,
    cloneMatches,
    cloneEnds: st[0]?.status === 'completed',
  };
}

// ---------------------------------------------------------- pg-boss reference

interface BossResult {
  seconds: number;
  perSecond: number;
  inProcess: number;
  child: number;
}

async function pgBossReference(url: string, sql: pg.Pool, n: number, batchSize: number, children: Set<ChildProcess>): Promise<BossResult> {
  const boss = await openBoss(url, PGBOSS_SCHEMA, 4);
  try {
    await boss.createQueue(PGBOSS_QUEUE);
    for (let from = 0; from < n; from += CLONE_BATCH) {
      const size = Math.min(CLONE_BATCH, n - from);
      await boss.insert(Array.from({ length: size }, (_, k) => ({ name: PGBOSS_QUEUE, data: { caso: from + k } })));
    }
    await sql.query(`analyze ${PGBOSS_SCHEMA}.job`);
    const consumer = startChild(
      'bench/timer-storm.pgboss.ts',
      { DATABASE_URL: url, PGBOSS_SCHEMA, PGBOSS_QUEUE, PGBOSS_BATCH: String(batchSize) },
      children,
      '[pg-boss]',
    );
    await consumer.waitFor(/^ready$/, 90_000);
    const t0 = performance.now();
    consumer.send('go');
    const [inProcess, childLine] = await Promise.all([drainQueue(boss, PGBOSS_QUEUE, batchSize), consumer.waitFor(/^done \d+$/, 3_600_000)]);
    const seconds = (performance.now() - t0) / 1000;
    await consumer.stop();
    const { rows } = await sql.query<{ n: number }>(`select count(*)::int as n from ${PGBOSS_SCHEMA}.job where name = $1 and state = 'completed'`, [PGBOSS_QUEUE]);
    if (rows[0]!.n !== n) throw new Error(`pg-boss reference: ${rows[0]!.n} of ${n} jobs completed`);
    const child = Number(childLine.split(' ')[1]);
    console.log(`   pg-boss ${n} no-op jobs inserted, drained in ${seconds.toFixed(2)} s (${fmt(n / seconds)} jobs/s)`);
    return { seconds, perSecond: n / seconds, inProcess, child };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await sql.query(`drop schema if exists ${PGBOSS_SCHEMA} cascade`).catch(() => undefined);
  }
}

// ------------------------------------------------------------ child processes

interface Child {
  /** The process (group) id. */
  pid: number;
  /** Resolves with the first stdout line (from now on) matching `re`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  send(line: string): void;
  /** SIGTERM to its process group, SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Runs `tsx <script>` from the repository root in its own process group, with extra environment. */
function startChild(script: string, env: Record<string, string>, children: Set<ChildProcess>, tag: string): Child {
  const child = spawn(TSX, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  let stderrLines = 0;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const i = waiters.findIndex((w) => w.re.test(line));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(line);
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    if (++stderrLines <= 20) console.log(`   ${tag} ${line}`);
    else if (stderrLines === 21) console.log(`   ${tag} … (further output suppressed)`);
  });
  return {
    pid: child.pid ?? -1,
    waitFor(re, timeoutMs) {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${tag} did not print ${re} within ${timeoutMs / 1000} s`)), timeoutMs);
        const onExit = () => reject(new Error(`${tag} exited (code ${child.exitCode}) before printing ${re}`));
        child.once('exit', onExit);
        waiters.push({
          re,
          resolve: (line) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(line);
          },
        });
      });
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const t = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      children.delete(child);
    },
  };
}

/** Signals the process group of a child started with `detached: true` (tsx and the node process it runs). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (x: number) => x.toFixed(1).padStart(8);
