/**
 * The real server (`node --import tsx src/main.ts`) as a child process, for
 * tests that need a genuine process boundary (kill -9, restart). Output is
 * captured, never printed: the last lines are only shown when a start fails.
 * Also: a free TCP port, and a throw-away database (a dedicated PostgreSQL
 * database when DATABASE_URL is set, else a fresh PGlite directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every child still alive: killed with SIGKILL if the test process exits first. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Settles when the process has exited (code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last captured stdout/stderr lines. */
  output(): string;
  /** Sends the signal (default SIGKILL) unless already exited, and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Extra environment (DATABASE_URL or DATA_DIR, ADMIN_PASSWORD, …). */
  env: Record<string, string>;
  /** How long to poll GET /health for a 200 (PGlite's first start runs initdb). */
  timeoutMs?: number;
  keepLines?: number;
}

/** Spawns the server on a free port and resolves once GET /health answers 200. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  Object.assign(env, { PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false' }, opts.env);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);

  const keep = opts.keepLines ?? 80;
  const lines: string[] = [];
  const capture = (name: string) => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(`[${name}] ${l}`);
        if (lines.length > keep) lines.shift();
      }
    };
  };
  child.stdout!.on('data', capture('out'));
  child.stderr!.on('data', capture('err'));

  type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };
  let exitInfo: ExitInfo | null = null;
  let spawnError: Error | null = null;
  const exited = new Promise<ExitInfo>((resolve) => {
    const done = (info: ExitInfo) => {
      alive.delete(child);
      exitInfo ??= info;
      resolve(exitInfo);
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (err) => {
      spawnError = err;
      done({ code: null, signal: null });
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    child,
    port,
    baseUrl,
    exited,
    output: () => lines.join('\n'),
    async kill(signal = 'SIGKILL') {
      if (!exitInfo) child.kill(signal);
      return exited;
    },
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = '';
  for (;;) {
    if (spawnError) throw new Error(`cannot spawn the server: ${(spawnError as Error).message}`);
    if (exitInfo) throw new Error(`server exited during start-up (${JSON.stringify(exitInfo)}); last output:\n${server.output()}`);
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.text();
      if (res.status === 200) return server;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`server not healthy after ${opts.timeoutMs ?? 60_000} ms (${lastError}); last output:\n${server.output()}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
}

export interface ScratchDatabase {
  kind: 'postgresql' | 'pglite';
  /** DATABASE_URL or DATA_DIR for the child. */
  env: Record<string, string>;
  /** Drops the database / removes the directory. */
  drop(): Promise<void>;
}

/**
 * A database no other test touches: `create database <prefix>_<random>` on
 * the DATABASE_URL server, or a fresh PGlite directory under the OS temp dir.
 */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const url = process.env.DATABASE_URL?.trim();
  if (url) {
    const name = `${prefix}_${randomBytes(6).toString('hex')}`;
    await withPg(url, (c) => c.query(`create database ${name}`));
    const target = new URL(url);
    target.pathname = `/${name}`;
    return {
      kind: 'postgresql',
      env: { DATABASE_URL: target.toString() },
      drop: () => withPg(url, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return {
    kind: 'pglite',
    env: { DATA_DIR: dir },
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function withPg<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
