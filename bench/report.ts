/**
 * Output helpers shared by the benchmarks: the machine-readable result line
 * (`BENCH <name> <value> <unit> ratio=<x> vs=<reference>`, exactly one per
 * measured figure), latency summaries and memory snapshots after GC.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Prints the one result line of a measured figure. */
export function benchLine(name: string, value: number, unit: string, ratio: number, vs: string): void {
  console.log(`BENCH ${name} ${value.toFixed(1)} ${unit} ratio=${ratio.toFixed(2)} vs=${vs}`);
}

/** The f-quantile (0..1) of the samples, nearest rank. */
export function quantile(xs: number[], f: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
}

/** "p50 1.9 ms · p95 3.4 ms · max 12.0 ms" over per-step latencies in ms. */
export function latencySummary(samples: number[]): string {
  if (!samples.length) return 'no samples';
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms · p95 ${at(0.95).toFixed(2)} ms · p99 ${at(0.99).toFixed(2)} ms · max ${sorted.at(-1)!.toFixed(2)} ms`;
}

export const MB = 1024 * 1024;
export const mb = (bytes: number) => (bytes / MB).toFixed(1);

/**
 * A full garbage collection, if one can be triggered: `global.gc` when node
 * runs with --expose-gc; otherwise the flag is set at runtime and `gc` taken
 * from a fresh context (tsx starts node without it). `null` when neither works.
 */
export const fullGc: { run: () => void; source: string } | null = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { run: g, source: 'global.gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const fromContext = vm.runInNewContext('gc') as unknown;
    if (typeof fromContext === 'function') return { run: fromContext as () => void, source: 'v8 --expose-gc set at runtime' };
  } catch {
    /* no way to force a collection: report memory without GC */
  }
  return null;
})();

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  afterGc: boolean;
}

/** Memory now, after a full GC when available (twice, so weak refs and finalizers settle). */
export function memorySnapshot(): MemorySnapshot {
  if (fullGc) {
    fullGc.run();
    fullGc.run();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, afterGc: fullGc !== null };
}

export function describeMemory(label: string, m: MemorySnapshot): string {
  return `${label}: rss ${mb(m.rss)} MB, heapUsed ${mb(m.heapUsed)} MB${m.afterGc ? ' (after GC)' : ' (no GC available)'}`;
}

/** The V8 flags `npm start` gives the server (package.json: heap capped at NODE_HEAP_MB, default 512 MB). */
export const SERVER_NODE_FLAGS = [`--max-old-space-size=${process.env.NODE_HEAP_MB || 512}`];

/**
 * CPU spent while a benchmark runs, split between this process and the rest of the machine (on a quiet machine:
 * the database server), from process.cpuUsage() and /proc/stat. `stop()` gives milliseconds of CPU; null outside Linux.
 */
export function cpuMeter(): { stop: () => { processMs: number; othersMs: number } | null } {
  const machineBusyMs = (): number | null => {
    try {
      const fields = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      const total = fields.reduce((a, b) => a + b, 0);
      return ((total - idle) * 1000) / 100; // USER_HZ = 100 on Linux
    } catch {
      return null;
    }
  };
  const machine0 = machineBusyMs();
  const own0 = process.cpuUsage();
  return {
    stop() {
      const machine1 = machineBusyMs();
      if (machine0 == null || machine1 == null) return null;
      const own = process.cpuUsage(own0);
      const processMs = (own.user + own.system) / 1000;
      return { processMs, othersMs: Math.max(0, machine1 - machine0 - processMs) };
    },
  };
}
