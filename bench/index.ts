/**
 * `npm run bench`: runs every benchmark in sequence on one database (see
 * bench/db.ts for which) and prints, per measured figure, one line
 * `BENCH <name> <value> <unit> ratio=<x> vs=<reference>`.
 *
 * Environment: DATABASE_URL (else a throw-away local database, else PGlite),
 * BENCH_CASES (measured cases per round, default 300), BENCH_WARMUP (default 30),
 * BENCH_CONCURRENCY (default 8); BENCH_TIMERS (timer-storm: timers due at once, default 20000),
 * BENCH_JOB_CONCURRENCY (timer-storm: jobs in flight per executor process, default 4), BENCH_STORM_WORKERS
 * (timer-storm: `npm run worker` processes, default cores − 1), BENCH_BARE_SECONDS (timer-storm: each bare
 * bpmn-engine measurement, default 5), BENCH_PGBOSS=0 (timer-storm: skip the pg-boss reference);
 * BENCH_MEMORY_CASES (steps: completed cases of the retained-heap round, default 3000; 100000 for the full check);
 * BENCH_INBOX_TASKS (inbox-page: tasks in the database, default 1000000), BENCH_INBOX_COMUNE_TASKS
 * (open tasks in the operatore's comune, default 100000), BENCH_INBOX_REQUESTS (default 200);
 * BENCH_SIUSS_RECORDS (siuss-flows: records generated, default 1000000); BENCH_SIUSS_ROWS (siuss-import: rows of the CSV, default 1000000);
 * BENCH_STARTUP_RESTARTS (startup: restarts timed per database, default 5);
 * BENCH_NODES_CASES (nodes: cases per round, default 300), BENCH_NODES_TIMERS (nodes: timers per round, default 1000);
 * BENCH_SLA_ROWS (sla-dashboard: completed tasks, default 1000000), BENCH_SLA_OPEN (open tasks, default 100000),
 * BENCH_SLA_REQUESTS (default 40);
 * BENCH_ONLY=<name> runs one benchmark (names in BENCHMARKS below).
 */
import os from 'node:os';
import { openBenchDatabase } from './db.js';
import { runStepsBench } from './steps.bench.js';
import { runTimerStormBench } from './timer-storm.bench.js';
import { runEngineMemoryBench } from './engine-memory.bench.js';
import { runInboxPageBench } from './inbox-page.bench.js';
import { runSiussImportBench } from './siuss-import.bench.js';
import { runSiussFlowsBench } from './siuss-flows.bench.js';
import { runSlaDashboardBench } from './sla-dashboard.bench.js';
import { runStartupBench } from './startup.bench.js';
import { runNodesBench } from './nodes.bench.js';

const intFromEnv = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
};

const cases = intFromEnv('BENCH_CASES', 300);
const warmupCases = intFromEnv('BENCH_WARMUP', 30);
const concurrency = intFromEnv('BENCH_CONCURRENCY', 8);
const timers = intFromEnv('BENCH_TIMERS', 20_000);
const stormWorkers = process.env.BENCH_STORM_WORKERS ? intFromEnv('BENCH_STORM_WORKERS', 1) : undefined;
const bareSeconds = intFromEnv('BENCH_BARE_SECONDS', 5);
const pgBoss = process.env.BENCH_PGBOSS !== '0';
const memoryCases = intFromEnv('BENCH_MEMORY_CASES', 3000);
const jobConcurrency = intFromEnv('BENCH_JOB_CONCURRENCY', 4);
const inboxTasks = intFromEnv('BENCH_INBOX_TASKS', 1_000_000);
const inboxComuneTasks = intFromEnv('BENCH_INBOX_COMUNE_TASKS', 100_000);
const inboxRequests = intFromEnv('BENCH_INBOX_REQUESTS', 200);
const siussRecords = intFromEnv('BENCH_SIUSS_RECORDS', 1_000_000);
const siussRows = intFromEnv('BENCH_SIUSS_ROWS', 1_000_000);
const startupRestarts = intFromEnv('BENCH_STARTUP_RESTARTS', 5);
const nodesCases = intFromEnv('BENCH_NODES_CASES', 300);
const nodesTimers = intFromEnv('BENCH_NODES_TIMERS', 1000);
const only = process.env.BENCH_ONLY?.trim() || null;
const slaRows = intFromEnv('BENCH_SLA_ROWS', 1_000_000);
const slaOpen = intFromEnv('BENCH_SLA_OPEN', 100_000);
const slaRequests = intFromEnv('BENCH_SLA_REQUESTS', 40);
const BENCHMARKS = ['steps', 'timer-storm', 'engine-memory', 'inbox-page', 'startup', 'siuss-flows', 'sla-dashboard', 'nodes', 'siuss-import'];
if (only && !BENCHMARKS.includes(only)) throw new Error(`BENCH_ONLY must be one of ${BENCHMARKS.join(', ')}, got ${only}`);
const runs = (name: string) => !only || only === name;

const started = Date.now();
// No database: runs first, so its peak RSS is its own (not the other benchmarks' pools and caches).
if (runs('siuss-flows')) await runSiussFlowsBench({ records: siussRecords });
const db = await openBenchDatabase({ poolMax: Math.max(10, concurrency + 2) });
console.log(`rei-engine bench · node ${process.version} · ${os.cpus().length} CPU · ${db.description}`);

// Ctrl-C still drops the throw-away database.
const onSigint = () => {
  console.log('\ninterrupted: cleaning up');
  void db.close().finally(() => process.exit(130));
};
process.once('SIGINT', onSigint);

try {
  if (runs('siuss-import')) await runSiussImportBench(db, { rows: siussRows }); // first on the database: its RSS is sampled while it runs
  if (runs('steps')) await runStepsBench(db, { cases, warmupCases, concurrency, memoryCases });
  if (runs('engine-memory')) await runEngineMemoryBench();
  if (runs('timer-storm')) await runTimerStormBench(db, { timers, batchSize: 50, pollMs: 50, concurrency: jobConcurrency, workers: stormWorkers, bareSeconds, pgBoss });
  if (runs('inbox-page')) await runInboxPageBench(db, { totalTasks: inboxTasks, comuneTasks: Math.min(inboxComuneTasks, inboxTasks), requests: inboxRequests });
  if (runs('startup')) await runStartupBench(db, { restarts: startupRestarts });
  if (runs('nodes')) await runNodesBench(db, { cases: nodesCases, timers: nodesTimers, concurrency });
  if (runs('sla-dashboard')) await runSlaDashboardBench(db, { historyRows: slaRows, openTasks: slaOpen, requests: slaRequests });
} finally {
  process.off('SIGINT', onSigint);
  await db.close();
}
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
