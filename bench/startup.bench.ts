/**
 * Start-up: time from spawning `npm start`'s process (node on the compiled
 * server, scripts/start.mjs) to the first 200 on /health, and its RSS then,
 * for (a) a fresh embedded data directory with the demo (the seeding itself,
 * timed from the server's own log lines, is reported apart), (b) a restart on
 * that directory, (c) a restart on PostgreSQL. References in the same run:
 * `node -e ''` doing nothing, and opening the PGlite directory alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchDatabase } from './db.js';
import { benchLine, SERVER_NODE_FLAGS } from './report.js';
import { freePort } from './http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const START = path.join(ROOT, 'scripts', 'start.mjs');

interface StartResult {
  /** ms from spawn to the first 200 on /health. */
  ms: number;
  /** ms the demo seeding took (between its two log lines), 0 without seeding. */
  seedingMs: number;
  rssMb: number;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Starts the server, waits for /health, measures, stops it (SIGTERM, then SIGKILL). */
async function timeStart(env: Record<string, string>, args: string[] = []): Promise<StartResult> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', INPS_SIM_PORT: '0', LOG_LEVEL: 'warn' };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, START, 'main', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let seedStart = 0;
  let seedEnd = 0;
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
    if (!seedStart && chunk.includes('Demo: riproduco')) seedStart = performance.now();
    if (!seedEnd && /Demo: \d+ pratiche/.test(chunk)) seedEnd = performance.now();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`the server exited before answering /health:\n${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    return { ms, seedingMs: seedStart && seedEnd ? seedEnd - seedStart : 0, rssMb: rssMb(child.pid!) };
  } finally {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
  }
}

function timeSync(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runStartupBench(db: BenchDatabase, opts: { restarts: number }): Promise<void> {
  console.log('\n## startup (npm start: node on the compiled server → first 200 on /health)');
  // The compiled output must be current before anything is timed.
  timeSync(process.execPath, [START, '--build-only']);
  const nodeNothing = median(Array.from({ length: 5 }, () => timeSync(process.execPath, ['-e', ''])));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-bench-start-'));
  try {
    // Reference: opening the (initialised) PGlite directory alone, in a fresh process.
    const pgliteOpen = `const { PGlite } = await import('@electric-sql/pglite'); const db = new PGlite(process.argv[1]); await db.query('select 1'); await db.close();`;

    const first = await timeStart({ DATA_DIR: dataDir }, ['--demo']);
    const firstWithoutSeeding = first.ms - first.seedingMs;
    console.log(`fresh data directory with the demo: ${(first.ms / 1000).toFixed(1)} s to /health (demo seeding ${(first.seedingMs / 1000).toFixed(1)} s, the rest ${(firstWithoutSeeding / 1000).toFixed(1)} s), RSS ${first.rssMb.toFixed(0)} MB`);

    const pgliteDir = fs.existsSync(path.join(dataDir, 'pglite')) ? path.join(dataDir, 'pglite') : dataDir;
    const pgliteOnly = median(Array.from({ length: 3 }, () => timeSync(process.execPath, ['--input-type=module', '-e', pgliteOpen, pgliteDir])));

    const restarts: StartResult[] = [];
    for (let i = 0; i < opts.restarts; i++) restarts.push(await timeStart({ DATA_DIR: dataDir }, ['--demo']));
    const restartMs = median(restarts.map((r) => r.ms));
    console.log(`restart on it: median ${restartMs.toFixed(0)} ms over ${opts.restarts} (${restarts.map((r) => r.ms.toFixed(0)).join(', ')}), RSS ${median(restarts.map((r) => r.rssMb)).toFixed(0)} MB`);
    console.log(`references: node -e '' ${nodeNothing.toFixed(0)} ms; opening the PGlite directory alone ${pgliteOnly.toFixed(0)} ms`);

    benchLine('startup_first_embedded_without_seeding', firstWithoutSeeding, 'ms', firstWithoutSeeding / 6000, 'goal 6000 ms');
    benchLine('startup_first_embedded_seeding', first.seedingMs, 'ms', first.seedingMs / Math.max(1, firstWithoutSeeding), 'the rest of the first start');
    benchLine('startup_restart_embedded', restartMs, 'ms', restartMs / pgliteOnly, 'opening PGlite alone');
    benchLine('startup_restart_embedded_vs_goal', restartMs, 'ms', restartMs / 1500, 'goal 1500 ms');

    if (db.kind === 'postgresql' && db.url) {
      await timeStart({ DATABASE_URL: db.url }); // first start: migrations, admin, models
      const pg: StartResult[] = [];
      for (let i = 0; i < opts.restarts; i++) pg.push(await timeStart({ DATABASE_URL: db.url }));
      const pgMs = median(pg.map((r) => r.ms));
      const pgRss = median(pg.map((r) => r.rssMb));
      console.log(`restart on PostgreSQL: median ${pgMs.toFixed(0)} ms over ${opts.restarts} (${pg.map((r) => r.ms.toFixed(0)).join(', ')}), RSS ${pgRss.toFixed(0)} MB`);
      benchLine('startup_restart_postgresql', pgMs, 'ms', pgMs / nodeNothing, "node -e ''");
      benchLine('startup_restart_postgresql_vs_goal', pgMs, 'ms', pgMs / 1500, 'goal 1500 ms');
      benchLine('startup_idle_rss_postgresql', pgRss, 'MB', pgRss / 250, 'goal 250 MB');
    } else {
      console.log('restart on PostgreSQL: skipped (no PostgreSQL for the bench)');
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
