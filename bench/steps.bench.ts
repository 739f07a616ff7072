/**
 * Step throughput: how many process steps per second the product sustains on
 * a case-like model, compared with the loop a developer would write on
 * bpmn-engine alone, on the same database and in the same run.
 *
 * - Product path: the service layer exactly as the HTTP routes use it (minus
 *   HTTP): `store.transaction(tx => processes.start(tx, …))` for a start,
 *   `inbox.complete(principal, taskId, vars)` for a task completion. Each step
 *   is one transaction writing the instance (optimistic lock), task rows and
 *   history; the engine comes from the engine cache when the case's previous
 *   command left it (same row version), else it is rebuilt from the stored
 *   state, with the compiled model cached per definition.
 * - The same product with the engine cache off (ENGINE_CACHE_MB=0): every
 *   command rebuilds its engine; what the cache is worth, in the same rounds.
 * - Naive reference: one `naive_instance(id, state jsonb)` table; start =
 *   new Engine({source}) → execute → getState() (which embeds the serialized
 *   model) → insert; step = select → new Engine().recover(state) → resume →
 *   signal → getState → update. No transaction, task rows or history.
 *
 * Both run the same BPMN model (bench/model.ts) with the same handler
 * (verificaIsee from the product's HandlerRegistry), first one case at a time
 * and then with `concurrency` cases in flight; within a round the paths
 * alternate in slices, so both see the same machine conditions on average.
 * A last product round of `memoryCases` cases (BENCH_MEMORY_CASES; 100,000
 * for the full check) samples the heap after a full GC at every fifth of them:
 * retained memory must stay flat (engines of ended cases released, caches
 * bounded), whatever the number of cases completed.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Engine, type BpmnEngineOptions, type Execution } from 'bpmn-engine';
import { buildServices } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import { defaultHandlers } from '../src/tasks/handlers/index.js';
import type { HandlerContext, HandlerRegistry, HandlerResult } from '../src/engine/execution/handlers.js';
import type { EngineStore, EngineTx, TaskRecord } from '../src/engine/store.js';
import type { Principal } from '../src/auth/principal.js';
import type { BenchDatabase } from './db.js';
import { BENCH_GROUP, BENCH_MODEL, BENCH_PROCESS_KEY, STEPS_PER_CASE, USER_TASKS, caseVariables, completionVariables } from './model.js';
import { benchLine, describeMemory, fullGc, latencySummary, mb, memorySnapshot, type MemorySnapshot } from './report.js';

export interface StepsBenchOptions {
  /** Measured cases per round (each case = STEPS_PER_CASE steps). */
  cases: number;
  /** Unmeasured cases per path first (JIT, caches, connection pools). */
  warmupCases: number;
  /** Cases in flight in the concurrent rounds. */
  concurrency: number;
  /** Completed cases of the retained-heap round (heap after GC sampled at every fifth of them). */
  memoryCases?: number;
}

/** Runs one case (all its steps), pushing each step's latency in ms. */
export type RunCase = (caseNo: number, latencies: number[]) => Promise<void>;

export interface BenchPath {
  name: string;
  runCase: RunCase;
  /** Checks, outside the timing, that the given round's cases all ended. */
  verifyRound?: (round: string, cases: number) => Promise<void>;
  /** Tags the next cases with a round name (product: business-key prefix). */
  beginRound?: (round: string) => void;
  /** Extra facts for the report (product: engine cache use). */
  describe?: () => string;
}

export interface Measurement {
  cases: number;
  seconds: number;
  stepsPerSecond: number;
  latencies: number[];
}

const NAIVE = 'naive-bpmn-engine';
const TENANT = 'BNCH';

export async function runStepsBench(db: BenchDatabase, opts: StepsBenchOptions): Promise<void> {
  const { cases, warmupCases, concurrency } = opts;
  console.log(`\n== steps: start → service task (verificaIsee) → gateway → 2 user tasks → end; ${STEPS_PER_CASE} steps per case`);
  console.log(`   ${cases} cases (${cases * STEPS_PER_CASE} steps) per round after ${warmupCases} warm-up cases per path; sequential, then ${concurrency} cases in flight`);

  const handlers = defaultHandlers();
  const product = await productPath(db, handlers);
  // The same product with the engine cache off: what the cache is worth, measured in the same rounds.
  const rebuild = await productPath(db, handlers, { engineCacheMb: 0, name: 'product-rebuild' });
  const naive = await naivePath(db, handlers);

  const run = async (path: BenchPath, round: string, n: number, inFlight: number) => {
    path.beginRound?.(round);
    const m = await measure(path.runCase, n, inFlight);
    await path.verifyRound?.(round, n);
    return m;
  };

  await run(naive, 'warmup', warmupCases, concurrency);
  await run(product, 'warmup', warmupCases, concurrency);
  await run(rebuild, 'warmup', warmupCases, concurrency);

  // Both paths of a round run in alternating slices (naive, product, product,
  // naive, …), so that on a shared machine both see the same conditions on
  // average; each path's figure is its cases over its own summed time.
  const before = memorySnapshot();
  const rounds: Array<{ label: string; inFlight: number; naive: Measurement; product: Measurement; rebuild: Measurement }> = [];
  for (const [label, inFlight] of [['sequential', 1], [`concurrent${concurrency}`, concurrency]] as const) {
    const [naiveM, productM, rebuildM] = await interleaved([naive, product, rebuild], label, cases, inFlight, ROUND_SLICES);
    rounds.push({ label, inFlight, naive: naiveM!, product: productM!, rebuild: rebuildM! });
  }
  const afterRounds = memorySnapshot();
  const memoryCases = opts.memoryCases ?? 2 * cases;
  const heapSamples = await retainedHeapRound(product, memoryCases, concurrency);

  console.log('');
  for (const r of rounds) {
    console.log(`${r.label.padEnd(14)} product ${fmtRate(r.product)}   ${latencySummary(r.product.latencies)}`);
    console.log(`${''.padEnd(14)} product, engine cache off ${fmtRate(r.rebuild)}   ${latencySummary(r.rebuild.latencies)}`);
    console.log(`${''.padEnd(14)} naive   ${fmtRate(r.naive)}   ${latencySummary(r.naive.latencies)}`);
  }
  if (product.describe) console.log(product.describe());
  console.log('');
  console.log(`memory (GC: ${fullGc ? fullGc.source : 'not available, figures include garbage'})`);
  console.log(`  ${describeMemory(`before product rounds`, before)}`);
  console.log(`  ${describeMemory(`after the measured rounds`, afterRounds)}`);
  for (const h of heapSamples) console.log(`  ${describeMemory(`retained-heap round, after ${h.cases} more completed cases`, h.memory)}`);
  const firstHeap = heapSamples[0]!.memory.heapUsed;
  const lastHeap = heapSamples.at(-1)!.memory.heapUsed;
  console.log(`  heapUsed from the first fifth to the end of the ${memoryCases} cases: ${signedMb(lastHeap - firstHeap)} MB`);
  console.log('');

  for (const r of rounds) {
    benchLine(`${NAIVE}-steps-${r.label}`, r.naive.stepsPerSecond, 'steps/s', 1, 'self');
    benchLine(`steps-${r.label}-engine-cache-off`, r.rebuild.stepsPerSecond, 'steps/s', r.rebuild.stepsPerSecond / r.naive.stepsPerSecond, NAIVE);
    benchLine(`steps-${r.label}`, r.product.stepsPerSecond, 'steps/s', r.product.stepsPerSecond / r.naive.stepsPerSecond, NAIVE);
  }
  benchLine(`heap-after-gc-${memoryCases}-cases`, lastHeap / 1024 / 1024, 'MB', lastHeap / firstHeap, `heap-after-gc-${heapSamples[0]!.cases}-cases`);

  await naive.dispose();
}

/**
 * Runs `total` product cases, `inFlight` at a time, in five chunks; after each,
 * the heap after a full GC. Latencies are not kept (they would grow the heap).
 */
async function retainedHeapRound(path: BenchPath, total: number, inFlight: number): Promise<Array<{ cases: number; memory: MemorySnapshot }>> {
  const chunks = Math.min(5, total);
  const samples: Array<{ cases: number; memory: MemorySnapshot }> = [];
  path.beginRound?.('memory');
  let done = 0;
  for (let c = 0; c < chunks; c++) {
    const count = Math.floor(((c + 1) * total) / chunks) - done;
    await measure(path.runCase, count, inFlight, done);
    done += count;
    samples.push({ cases: done, memory: memorySnapshot() });
  }
  await path.verifyRound?.('memory', total);
  return samples;
}

/** Slices per round of interleaved paths (at most one per case). */
const ROUND_SLICES = 6;

/**
 * One round of several paths, `cases` cases each, run slice by slice with the
 * order of the paths reversed at every slice; returns each path's totals.
 */
export async function interleaved(paths: BenchPath[], round: string, cases: number, inFlight: number, slices: number): Promise<Measurement[]> {
  const n = Math.max(1, Math.min(slices, cases));
  const totals = paths.map(() => ({ cases: 0, seconds: 0, latencies: [] as number[] }));
  for (const p of paths) p.beginRound?.(round);
  for (let s = 0; s < n; s++) {
    const first = Math.floor((s * cases) / n);
    const count = Math.floor(((s + 1) * cases) / n) - first;
    const order = s % 2 === 0 ? paths.map((_, i) => i) : paths.map((_, i) => paths.length - 1 - i);
    for (const i of order) {
      const m = await measure(paths[i]!.runCase, count, inFlight, first);
      totals[i]!.cases += m.cases;
      totals[i]!.seconds += m.seconds;
      for (const l of m.latencies) totals[i]!.latencies.push(l);
    }
  }
  for (const p of paths) await p.verifyRound?.(round, cases);
  return totals.map((t) => ({ ...t, stepsPerSecond: (t.cases * STEPS_PER_CASE) / t.seconds }));
}

/** Runs `cases` cases (numbered from `firstCase`) with `inFlight` of them at a time; wall-clock throughput. */
export async function measure(runCase: RunCase, cases: number, inFlight: number, firstCase = 0): Promise<Measurement> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases) await runCase(firstCase + next++, latencies);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, cases) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { cases, seconds, stepsPerSecond: (cases * STEPS_PER_CASE) / seconds, latencies };
}

// ---------------------------------------------------------------- product path

/** The product through its service layer; `engineCacheMb: 0` turns the engine cache off (every command rebuilds its engine). */
export async function productPath(db: BenchDatabase, handlers: HandlerRegistry, opts: { engineCacheMb?: number; name?: string } = {}): Promise<BenchPath> {
  const env = opts.engineCacheMb === undefined ? {} : { ENGINE_CACHE_MB: String(opts.engineCacheMb) };
  const services = await buildServices({ ...loadConfig(env), databaseUrl: null }, { orm: db.orm, handlers });
  const em = db.orm.em.fork();
  await em.getConnection().execute(`insert into tenant (code, name) values (?, ?) on conflict (code) do nothing`, [TENANT, 'Comune del benchmark']);
  // Shared default (tenant null), as the REI models are deployed at startup.
  const deployed = await services.deployments.deploy({ name: 'bench', tenant: null, files: [{ name: 'bench.bpmn', content: BENCH_MODEL }], source: 'api', createdBy: 'bench' });
  console.log(`   product: definition ${BENCH_PROCESS_KEY} v${deployed.definitions[0]!.version} (shared default), comune ${TENANT}, ${db.kind}`);

  // Exactly the objects the HTTP routes use. The benchmark also needs the id
  // of each task a step creates (an HTTP client would read it from its inbox):
  // it observes the transactions of services.store, which services.inbox
  // shares, instead of spending an extra query per step.
  const created = observeCreatedTasks(services.store);
  const { store, inbox } = services;
  const principal: Principal = { id: randomUUID(), username: 'bench-operatore', tenant: TENANT, roles: ['operatore'], groups: [BENCH_GROUP] };
  const actor = { username: principal.username };
  const runId = `bench-${opts.name ?? 'product'}-${process.pid}-${Date.now().toString(36)}`;
  let round = 'warmup';

  return {
    name: opts.name ?? 'product',
    beginRound: (r) => {
      round = r;
    },
    describe: () => {
      const c = services.engines;
      if (!c) return 'engine cache: off (ENGINE_CACHE_MB=0): every command rebuilt its engine';
      const { hits, misses, stale, evicted } = c.stats;
      return `engine cache (ENGINE_CACHE_MB=${c.capacityBytes / 1024 / 1024}): ${hits} commands ran on the engine their case's previous command left, ${misses + stale} rebuilt (${stale} stale), ${evicted} evicted; ${c.size} engines kept now`;
    },
    async runCase(caseNo, latencies) {
      let t0 = performance.now();
      const instance = await store.transaction((tx) =>
        services.processes.start(tx, { key: BENCH_PROCESS_KEY, tenant: TENANT, businessKey: `${runId}-${round}-${caseNo}`, variables: caseVariables(caseNo) }, actor),
      );
      latencies.push(performance.now() - t0);
      for (const elementId of USER_TASKS) {
        const task = created.take(instance.id, elementId);
        t0 = performance.now();
        await inbox.complete(principal, task.id, completionVariables(elementId));
        latencies.push(performance.now() - t0);
      }
      if (created.has(instance.id)) throw new Error(`bench: case ${instance.id} created unexpected tasks`);
    },
    async verifyRound(r, cases) {
      const [row] = (await em.getConnection().execute(
        `select count(*)::int as n from process_instance where business_key like ? and status = 'completed'`,
        [`${runId}-${r}-%`],
      )) as Array<{ n: number }>;
      if (row?.n !== cases) throw new Error(`bench: round ${r}: only ${row?.n} of ${cases} product cases completed`);
    },
  };
}

/**
 * Notes the user task each transaction of `store` creates (by instance), for
 * the benchmark to complete it next. The store's `transaction` is wrapped in
 * place so that every service holding the store (the inbox) goes through it;
 * everything else reaches the real transaction unchanged.
 */
function observeCreatedTasks(store: EngineStore) {
  const created = new Map<string, TaskRecord>();
  const recording = (tx: EngineTx): EngineTx =>
    new Proxy(tx, {
      get(target, prop) {
        if (prop === 'createTask') {
          return (rec: TaskRecord) => {
            const task = target.createTask(rec);
            created.set(task.instanceId, task);
            return task;
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
  const transaction = store.transaction.bind(store);
  store.transaction = (work) => transaction((tx) => work(recording(tx)));
  return {
    take(instanceId: string, elementId: string): TaskRecord {
      const task = created.get(instanceId);
      if (!task || task.elementId !== elementId) throw new Error(`bench: expected task ${elementId} for case ${instanceId}, found ${task?.elementId ?? 'none'}`);
      created.delete(instanceId);
      return task;
    },
    has: (instanceId: string) => created.has(instanceId),
  };
}

// ------------------------------------------------------------ naive reference

export interface NaivePath extends BenchPath {
  dispose(): Promise<void>;
}

const camunda = createRequire(import.meta.url)('camunda-bpmn-moddle/resources/camunda.json') as object;

export async function naivePath(db: BenchDatabase, handlers: HandlerRegistry): Promise<NaivePath> {
  const { sql } = db;
  await sql.query('drop table if exists naive_instance');
  await sql.query('create table naive_instance (id uuid primary key, state jsonb not null)');
  const engineOptions = naiveEngineOptions(handlers);

  return {
    name: NAIVE,
    async runCase(caseNo, latencies) {
      const id = randomUUID();
      let t0 = performance.now();
      const engine = new Engine({ name: id, source: BENCH_MODEL, ...engineOptions });
      const execution = await engine.execute({ variables: caseVariables(caseNo) });
      expectWaiting(execution, USER_TASKS[0]);
      await sql.query('insert into naive_instance (id, state) values (?, ?)', [id, JSON.stringify(await engine.getState())]);
      latencies.push(performance.now() - t0);

      for (const taskId of USER_TASKS) {
        t0 = performance.now();
        const [row] = await sql.query<{ state: object }>('select state from naive_instance where id = ?', [id]);
        const recovered = new Engine({ name: id, ...engineOptions }).recover(row!.state);
        const resumed = await recovered.resume();
        // Task variables go to the process environment, as the product does.
        expectWaiting(resumed, taskId).environment.assignVariables(completionVariables(taskId));
        resumed.signal({ id: taskId });
        await sql.query('update naive_instance set state = ? where id = ?', [JSON.stringify(await recovered.getState()), id]);
        latencies.push(performance.now() - t0);
        if (taskId === USER_TASKS.at(-1) && resumed.isRunning) throw new Error(`bench: naive case ${id} did not end`);
      }
    },
    dispose: async () => {
      await sql.query('drop table if exists naive_instance');
    },
  };
}

/**
 * What a developer adds to bpmn-engine to run this model: camunda moddle
 * extensions, `${name}` expressions over the process variables (then the
 * services), and a service-task behaviour for camunda:delegateExpression that
 * calls the resolved handler and merges its output into the variables.
 */
function naiveEngineOptions(handlers: HandlerRegistry) {
  const handler = handlers.get('verificaIsee');
  if (!handler) throw new Error('bench: handler verificaIsee is not registered');
  type Service = (context: HandlerContext) => HandlerResult | Promise<HandlerResult>;
  const verificaIsee: Service = (context) => handler.run(context);
  type Env = { variables: Record<string, unknown>; services: Record<string, unknown>; resolveExpression(e: string, ctx?: unknown): unknown };
  const identifier = /^\$\{\s*([A-Za-z_]\w*)\s*\}$/;
  const expressions = {
    isExpression: (text: string) => identifier.test(text),
    hasExpression: (text: string) => typeof text === 'string' && text.includes('${'),
    resolveExpression(text: string, ctx?: { environment?: Env }) {
      const name = identifier.exec(text)?.[1];
      if (!name) return text;
      const env = ctx?.environment;
      return env && name in env.variables ? env.variables[name] : env?.services[name];
    },
  };
  function delegateExpressionServices(activity: { id: string; type: string; behaviour: Record<string, unknown>; environment: Env }) {
    const expression = activity.behaviour.delegateExpression;
    if (activity.type !== 'bpmn:ServiceTask' || typeof expression !== 'string') return;
    activity.behaviour.Service = function DelegateExpressionService() {
      return {
        execute(_message: unknown, callback: (err: unknown, output?: unknown) => void) {
          const env = activity.environment;
          const service = env.resolveExpression(expression, { environment: env }) as Service | undefined;
          if (typeof service !== 'function') return callback(new Error(`no service for ${expression}`));
          const context = { tenant: TENANT, instanceId: '', businessKey: null, elementId: activity.id, variables: env.variables, params: {}, now: new Date() };
          Promise.resolve(service(context)).then((out) => {
            if (out) Object.assign(env.variables, out);
            callback(null, out ?? {});
          }, callback);
        },
      };
    };
  }
  // bpmn-elements accepts an extension that returns nothing; its typings want activate/deactivate.
  const extensions = { delegateExpressionServices } as unknown as BpmnEngineOptions['extensions'];
  return { moddleOptions: { camunda }, services: { verificaIsee }, expressions, extensions };
}

interface WaitingApi {
  id: string;
  environment: { assignVariables(vars: Record<string, unknown>): void };
}

function expectWaiting(execution: Execution, elementId: string): WaitingApi {
  const waiting = (execution.getPostponed() as unknown as WaitingApi[]).find((p) => p.id === elementId);
  if (!waiting) throw new Error(`bench: naive case is not waiting on ${elementId}`);
  return waiting;
}

const fmtRate = (m: Measurement) => `${m.stepsPerSecond.toFixed(1).padStart(7)} steps/s (${m.cases * STEPS_PER_CASE} steps in ${m.seconds.toFixed(2)} s)`;
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : '-'}${mb(Math.abs(bytes))}`;
