/**
 * Where a step's time goes: `npx tsx bench/profile.ts` runs the product path
 * and the naive loop of steps.bench.ts one case at a time and splits each
 * step's wall time into
 * - engine: bpmn-engine's execute / recover / resume / signal / getState,
 *   timed by wrapping their prototypes (the product code is not touched);
 * - database: time from sending each query to its parsed result (pg client),
 *   i.e. round trips, server work and row parsing; plus the number of queries,
 *   and the time per kind of statement (verb and first table);
 * - the rest: store bookkeeping (MikroORM transaction, snapshots, JSON), the
 *   service layer and the benchmark's own bookkeeping.
 * Sequential only, so the timers never overlap. Needs PostgreSQL (pg client).
 * Environment: PROFILE_CASES (default 200), PROFILE_WARMUP (default 30).
 */
import pg from 'pg';
import { Engine } from 'bpmn-engine';
import { performance } from 'node:perf_hooks';
import { openBenchDatabase } from './db.js';
import { measure, naivePath, productPath, type BenchPath } from './steps.bench.js';
import { defaultHandlers } from '../src/tasks/handlers/index.js';
import { STEPS_PER_CASE } from './model.js';

const cases = Number(process.env.PROFILE_CASES ?? 200);
const warmup = Number(process.env.PROFILE_WARMUP ?? 30);

/** Accumulated milliseconds and counts, reset per measured run. */
const acc = { engine: new Map<string, number>(), dbMs: 0, queries: 0, byVerb: new Map<string, number>(), byKind: new Map<string, number>() };
/** When set, the statements of one case are collected here (shortened). */
let trace: string[] | null = null;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const reset = () => {
  acc.engine.clear();
  acc.dbMs = 0;
  acc.queries = 0;
  acc.byVerb.clear();
  acc.byKind.clear();
};
/** "select task", "insert history_event", "begin"…: the verb and first table of a statement. */
const kindOf = (text: string) => {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? '?';
  const table = /\b(?:from|into|update)\s+"?(\w+)/i.exec(text)?.[1] ?? '';
  return `${verb} ${table}`.trim();
};

// --- database timer: every query of both paths goes through pg.Client#query.
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .apply(this)
const originalQuery = pg.Client.prototype.query as unknown as QueryFn;
(pg.Client.prototype as unknown as { query: QueryFn }).query = function timedQuery(this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text ?? '';
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? '?';
  const kind = kindOf(text);
  trace?.push(text.replace(/\s+/g, ' ').slice(0, 110));
  const t0 = performance.now();
  const done = () => {
    acc.dbMs += performance.now() - t0;
    acc.queries++;
    add(acc.byVerb, verb, 1);
    add(acc.byKind, kind, performance.now() - t0);
  };
  const cbIndex = args.findIndex((a) => typeof a === 'function');
  if (cbIndex >= 0) {
    const cb = args[cbIndex] as (...r: unknown[]) => void;
    args[cbIndex] = (...r: unknown[]) => {
      done();
      cb(...r);
    };
    return originalQuery.apply(this, args);
  }
  const result = originalQuery.apply(this, args) as Promise<unknown>;
  return result.then((r) => {
    done();
    return r;
  });
};

// --- engine timer: the public Engine methods and Execution#signal.
type AnyFn = (...args: unknown[]) => unknown;
function timeMethod(proto: Record<string, unknown>, name: string) {
  const original = proto[name] as AnyFn;
  proto[name] = function timed(this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const out = original.apply(this, args);
    if (out instanceof Promise) return out.finally(() => add(acc.engine, name, performance.now() - t0));
    add(acc.engine, name, performance.now() - t0);
    return out;
  };
}
const engineProto = Engine.prototype as unknown as Record<string, unknown>;
for (const m of ['execute', 'recover', 'resume', 'getState']) timeMethod(engineProto, m);
let signalTimed = false;
const timeSignalOnce = (execution: unknown) => {
  if (signalTimed || !execution) return;
  timeMethod(Object.getPrototypeOf(execution) as Record<string, unknown>, 'signal');
  signalTimed = true;
};
const originalResume = engineProto.resume as AnyFn;
engineProto.resume = function (this: { execution?: unknown }, ...args: unknown[]) {
  const out = originalResume.apply(this, args) as Promise<unknown>;
  return out.then((execution) => {
    timeSignalOnce(execution);
    return execution;
  });
};

async function profile(path: BenchPath) {
  path.beginRound?.('warmup');
  await measure(path.runCase, warmup, 1);
  trace = [];
  await path.runCase(-1, []);
  console.log(`\n${path.name}: the ${trace.length} statements of one case (start + ${STEPS_PER_CASE - 1} completions)`);
  for (const t of trace) console.log(`    ${t}`);
  trace = null;
  path.beginRound?.('profile');
  reset();
  const m = await measure(path.runCase, cases, 1);
  const steps = cases * STEPS_PER_CASE;
  const wallMs = m.seconds * 1000;
  const engineMs = [...acc.engine.values()].reduce((a, b) => a + b, 0);
  const perStep = (ms: number) => `${(ms / steps).toFixed(3)} ms/step (${((100 * ms) / wallMs).toFixed(1)}%)`;
  console.log(`\n${path.name}: ${steps} steps, ${m.stepsPerSecond.toFixed(1)} steps/s, ${(wallMs / steps).toFixed(3)} ms/step`);
  console.log(`  engine    ${perStep(engineMs)}`);
  for (const [k, v] of [...acc.engine].sort((a, b) => b[1] - a[1])) console.log(`    ${k.padEnd(9)} ${perStep(v)}`);
  console.log(`  database  ${perStep(acc.dbMs)}  ${(acc.queries / steps).toFixed(2)} queries/step: ${[...acc.byVerb].map(([k, v]) => `${k} ${(v / steps).toFixed(2)}`).join(', ')}`);
  for (const [k, v] of [...acc.byKind].sort((a, b) => b[1] - a[1])) console.log(`    ${k.padEnd(28)} ${perStep(v)}`);
  console.log(`  rest      ${perStep(wallMs - engineMs - acc.dbMs)}  (store bookkeeping, service layer, JSON, bench bookkeeping)`);
  await path.verifyRound?.('profile', cases);
}

const db = await openBenchDatabase({ poolMax: 4 });
if (db.kind !== 'postgresql') throw new Error('bench/profile.ts needs PostgreSQL: it times queries in the pg client');
console.log(`profile · ${db.description} · ${cases} cases after ${warmup} warm-up, sequential`);
try {
  const handlers = defaultHandlers();
  const naive = await naivePath(db, handlers);
  await profile(await productPath(db, handlers));
  await profile(naive);
  await naive.dispose();
} finally {
  await db.close();
}
