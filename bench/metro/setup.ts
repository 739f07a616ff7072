/**
 * The data and server the `inbox` and `sla` benchmarks share: the generated
 * metropolitan volume (bench/generate) at BENCH_SCALE (default 0.05 of the
 * Città Metropolitana — 15,000 cases, 50,000 open tasks, a few minutes;
 * `metro` or 1 for the full 300,000 cases, 1,000,000 open tasks), written
 * once per run, or reused when BENCH_GENERATE=false and the database already
 * holds it (`npm run generate` beforehand); a real HTTP server on localhost;
 * a pg pool for the bare SQL; and the alternating timing loop.
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pg from 'pg';
import { buildServices, type Services } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { PG_SESSION_OPTIONS } from '../../src/db/orm.js';
import { createApp } from '../../src/api/app.js';
import { deployProcessesDir } from '../../src/seed/bootstrap.js';
import { silentLogger } from '../../src/shared/logger.js';
import { generateMetroData, scaled } from '../generate/metro-data.js';
import type { BenchDatabase } from '../db.js';
import { benchLine, latencySummary, quantile } from '../report.js';

export const PASSWORD = 'bench1234';

export interface MetroBench {
  base: string;
  services: Services;
  pool: pg.Pool;
  scale: number;
  close(): Promise<void>;
}

let shared: Promise<MetroBench> | null = null;

export function scaleFromEnv(): number {
  const raw = process.env.BENCH_SCALE?.trim() || '0.05';
  const n = raw === 'metro' ? 1 : Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 10) throw new Error(`BENCH_SCALE must be 'metro' or a factor in (0, 10], got ${raw}`);
  return n;
}

/** Generates (once per process) and serves the metropolitan data. */
export function metroBench(db: BenchDatabase): Promise<MetroBench> {
  shared ??= open(db);
  return shared;
}

async function open(db: BenchDatabase): Promise<MetroBench> {
  if (!db.url) throw new Error('the inbox and sla benchmarks need PostgreSQL (DATABASE_URL or the local server)');
  const scale = scaleFromEnv();
  const services = await buildServices({ ...loadConfig({ SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm: db.orm });
  // The bare SQL runs with the product's session settings (PG_SESSION_OPTIONS: JIT off).
  const pool = new pg.Pool({ connectionString: db.url, max: 4, options: PG_SESSION_OPTIONS });
  const [{ n: existing }] = (await pool.query(`select count(*)::int as n from app_user where username = 'op.f205.1'`)).rows as Array<{ n: number }>;
  if (process.env.BENCH_GENERATE === 'false' && existing) {
    console.log('metropolitan data already in the database (BENCH_GENERATE=false): reused');
  } else {
    const v = scaled(scale);
    const r = await generateMetroData(db.url, { ...v, jobs: 2, chunk: 5000, password: PASSWORD, now: new Date(), log: (l) => console.log(l) }, async () => {
      await deployProcessesDir(services, services.config.processesDir);
      return { processesDir: services.config.processesDir };
    });
    console.log(`generated in ${r.seconds.toFixed(1)} s: ${r.counts.cases} cases, ${r.counts.openTasks} open + ${r.counts.completedTasks} completed tasks, ${r.counts.history} history rows`);
  }
  const server: Server = createApp(services, silentLogger()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    services,
    pool,
    scale,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

export async function apiToken(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (res.status !== 200) throw new Error(`login ${username}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function getJson<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

/**
 * Times `api` and `bare` alternately (`requests` each, after a warm-up), prints
 * their latencies and the `BENCH <name>-p50/-p95 … ratio=` lines (API over bare SQL).
 */
export async function compare(name: string, requests: number, api: () => Promise<unknown>, bare: () => Promise<unknown>): Promise<{ p95: number; bareP95: number }> {
  const a: number[] = [];
  const b: number[] = [];
  const timed = async (fn: () => Promise<unknown>, into: number[] | null) => {
    const t0 = performance.now();
    await fn();
    into?.push(performance.now() - t0);
  };
  for (let i = 0; i < 3; i++) {
    await timed(api, null);
    await timed(bare, null);
  }
  for (let i = 0; i < requests; i++) {
    if (i % 2) {
      await timed(api, a);
      await timed(bare, b);
    } else {
      await timed(bare, b);
      await timed(api, a);
    }
  }
  console.log(`${name}  api ${latencySummary(a)}`);
  console.log(`${name}  sql ${latencySummary(b)}`);
  benchLine(`${name}-p50`, quantile(a, 0.5), 'ms', quantile(a, 0.5) / quantile(b, 0.5), 'bare-sql-p50');
  benchLine(`${name}-p95`, quantile(a, 0.95), 'ms', quantile(a, 0.95) / quantile(b, 0.95), 'bare-sql-p95');
  return { p95: quantile(a, 0.95), bareP95: quantile(b, 0.95) };
}
