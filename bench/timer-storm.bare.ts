/**
 * The timer storm's reference: how fast BARE bpmn-engine fires the storm
 * model's timer with every core busy, no database. One worker thread per core
 * (BENCH_BARE_THREADS overrides), each looping the fire a developer would
 * write on bpmn-engine alone:
 *   state text → JSON.parse → new Engine().recover(state) → resume()
 *   → cancelActivity(the waiting timer) → getState() → JSON.stringify
 * starting from the state a bare engine leaves waiting at the timer (it
 * embeds the serialized model, as bpmn-engine's getState does). Timers are
 * never armed (no real setTimeout), as in the product. The rate is the sum of
 * the threads' fires per second over the same wall-clock window.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Engine } from 'bpmn-engine';
import { Timers } from 'bpmn-elements';

export interface BareFireInput {
  model: string;
  timerId: string;
  /** The element the case waits at once the timer fired. */
  nextId: string;
  /** Measured seconds per thread (after a warm-up of 30 fires). */
  seconds: number;
}

export interface BareFireResult {
  threads: number;
  fires: number;
  seconds: number;
  perSecond: number;
}

interface ThreadResult {
  fires: number;
  seconds: number;
}

const camunda = createRequire(import.meta.url)('camunda-bpmn-moddle/resources/camunda.json') as object;
const noTimers = () => new Timers({ setTimeout: (() => null) as unknown as typeof setTimeout, clearTimeout: () => undefined });

interface PostponedApi {
  id: string;
  executionId: string;
}
interface BareExecution {
  getPostponed(): PostponedApi[];
  cancelActivity(m: { id: string }): void;
}

/** The state of a bare engine started on the model and waiting at its timer. */
async function waitingState(input: BareFireInput): Promise<string> {
  const engine = new Engine({ name: 'storm', source: input.model, moddleOptions: { camunda }, timers: noTimers() } as never);
  const execution = (await engine.execute()) as unknown as BareExecution;
  if (!execution.getPostponed().some((p) => p.id === input.timerId)) throw new Error(`bare bpmn-engine: not waiting at ${input.timerId}`);
  return JSON.stringify(await engine.getState());
}

async function fireOnce(stateText: string, input: BareFireInput): Promise<void> {
  const engine = new Engine({ name: 'storm', moddleOptions: { camunda }, timers: noTimers() } as never).recover(JSON.parse(stateText) as never);
  const execution = (await engine.resume()) as unknown as BareExecution;
  const timer = execution.getPostponed().find((p) => p.id === input.timerId);
  if (!timer) throw new Error(`bare bpmn-engine: recovered case is not waiting at ${input.timerId}`);
  // The timer fires as the product fires it: the waiting catch event's timer is cancelled, the event completes.
  execution.cancelActivity({ id: timer.id });
  if (!execution.getPostponed().some((p) => p.id === input.nextId)) throw new Error(`bare bpmn-engine: the fired case does not wait at ${input.nextId}`);
  JSON.stringify(await engine.getState());
}

async function threadMain(input: BareFireInput): Promise<ThreadResult> {
  const stateText = await waitingState(input);
  for (let i = 0; i < 30; i++) await fireOnce(stateText, input);
  const t0 = performance.now();
  const until = t0 + input.seconds * 1000;
  let fires = 0;
  while (performance.now() < until) {
    await fireOnce(stateText, input);
    fires++;
  }
  return { fires, seconds: (performance.now() - t0) / 1000 };
}

/**
 * CPU milliseconds one bare fire costs, measured on this thread alone
 * (process.cpuUsage, so nothing else may run meanwhile): with every core doing
 * nothing else, the bare rate of a quiet machine is cores × 1000 / this.
 */
export async function bareCpuMsPerFire(input: BareFireInput, fires = 200): Promise<number> {
  const stateText = await waitingState(input);
  for (let i = 0; i < 30; i++) await fireOnce(stateText, input);
  const c0 = process.cpuUsage();
  for (let i = 0; i < fires; i++) await fireOnce(stateText, input);
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / 1000 / fires;
}

/**
 * Worker threads do not inherit tsx's module hooks: the thread loads this file
 * through tsx's API (under plain node on compiled output, it imports it as is).
 */
const THREAD_BOOTSTRAP = `
const url = ${JSON.stringify(import.meta.url)};
(url.endsWith('.ts') ? import('tsx/esm/api').then((tsx) => tsx.tsImport(url, url)) : import(url)).catch((err) => {
  require('node:worker_threads').parentPort.postMessage({ error: String(err && err.stack || err) });
});`;

/** Runs the bare fire loop on `threads` worker threads at once (default: one per core). */
export async function bareFireRate(input: BareFireInput, threads = Number(process.env.BENCH_BARE_THREADS) || os.cpus().length): Promise<BareFireResult> {
  const results = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<ThreadResult>((resolve, reject) => {
          const worker = new Worker(THREAD_BOOTSTRAP, { eval: true, workerData: input });
          worker.once('message', (m: ThreadResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
          worker.once('error', reject);
        }),
    ),
  );
  const fires = results.reduce((s, r) => s + r.fires, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return {
    threads,
    fires,
    seconds,
    perSecond: results.reduce((s, r) => s + r.fires / r.seconds, 0),
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  threadMain(workerData as BareFireInput).then(
    (r) => port.postMessage(r),
    (err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
}
