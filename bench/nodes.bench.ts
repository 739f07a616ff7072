/**
 * Several nodes on one database (issue 16, §3): steps/s and timers/s with one
 * and with two server processes (`node scripts/start.mjs main`, job executor
 * on) on the same PostgreSQL database, in the same run. Requests are spread
 * round-robin over the servers; a "step" is a task completion over HTTP
 * (start → A → B → end: three commands per case); the timers are cases
 * waiting on a timer due at once, drained by the servers' executors.
 * Each round runs on its own fresh database so the two are comparable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BenchDatabase } from './db.js';
import { benchLine, SERVER_NODE_FLAGS } from './report.js';
import { freePort } from './http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_PASSWORD = 'bench-nodes-admin-1';
const OP_PASSWORD = 'bench-nodes-op-1';
const TENANT = 'B902';

const process_ = (id: string, body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_${id}" targetNamespace="http://bench">
  <bpmn:process id="${id}" isExecutable="true">${body}</bpmn:process>
</bpmn:definitions>`;
const STEPS_MODEL = process_(
  'bench_nodes_steps',
  `<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" />
  <bpmn:userTask id="a" name="A" camunda:candidateGroups="g1" /><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
  <bpmn:userTask id="b" name="B" camunda:candidateGroups="g1" /><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e" />
  <bpmn:endEvent id="e" />`,
);
const TIMER_MODEL = process_(
  'bench_nodes_timer',
  `<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
  <bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="a" />
  <bpmn:userTask id="a" name="Dopo il timer" camunda:candidateGroups="g1" /><bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="e" />
  <bpmn:endEvent id="e" />`,
);

interface Node {
  child: ChildProcess;
  base: string;
}

async function startNode(url: string, jwtKey: string): Promise<Node> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD, JWT_PRIVATE_KEY: jwtKey, SEED_DEMO: 'false', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(ROOT, 'scripts', 'start.mjs'), 'main'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-2000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return { child, base };
    if (Date.now() > deadline) throw new Error(`server not healthy: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopNode(n: Node): Promise<void> {
  if (n.child.exitCode !== null) return;
  const gone = new Promise((r) => n.child.once('exit', r));
  n.child.kill('SIGTERM');
  const t = setTimeout(() => n.child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

async function call(base: string, token: string | null, method: string, p: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function must(base: string, token: string | null, method: string, p: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(base, token, method, p, body);
  if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Runs `total` jobs with `concurrency` in flight. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await job(next++);
  }));
}

interface RoundResult {
  stepsPerSec: number;
  timersPerSec: number;
  timerDuplicates: number;
}

async function round(adminUrl: string, servers: number, opts: NodesOptions, jwtKey: string): Promise<RoundResult> {
  const name = `rei_bench_nodes_${process.pid}_${servers}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const nodes: Node[] = [];
  const sql = new pg.Client({ connectionString: url.toString() });
  try {
    nodes.push(await startNode(url.toString(), jwtKey)); // the first one migrates
    for (let i = 1; i < servers; i++) nodes.push(await startNode(url.toString(), jwtKey));
    await sql.connect();
    const first = nodes[0]!.base;
    const adminToken = (await must(first, null, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).token as string;
    await must(first, adminToken, 'POST', '/api/v1/tenants', { code: TENANT, name: 'Comune benchmark nodi' });
    await must(first, adminToken, 'POST', '/api/v1/users', { username: 'bench-nodes-op', password: OP_PASSWORD, tenant: TENANT, roles: ['operatore'], groups: ['g1'] });
    await must(first, adminToken, 'POST', '/api/v1/deployments', { name: 'bench', files: [{ name: 'steps.bpmn', content: STEPS_MODEL }, { name: 'timer.bpmn', content: TIMER_MODEL }] });
    const token = (await must(first, null, 'POST', '/api/v1/auth/login', { username: 'bench-nodes-op', password: OP_PASSWORD })).token as string;
    const via = (i: number) => nodes[i % nodes.length]!.base;

    // steps: start the cases, then complete A and B of each, spread over the nodes
    const firstTasks: string[] = [];
    await pool(opts.cases, opts.concurrency, async (i) => {
      const c = await must(via(i), token, 'POST', '/api/v1/process-definitions/bench_nodes_steps/start', { variables: {} });
      firstTasks[i] = (c.openTasks as Array<{ id: string }>)[0]!.id;
    });
    const t0 = performance.now();
    await pool(opts.cases, opts.concurrency, async (i) => {
      const done = await must(via(i), token, 'POST', `/api/v1/tasks/${firstTasks[i]}/complete`, { variables: {} });
      const instanceId = done.processInstanceId as string;
      const open = await must(via(i + 1), token, 'GET', `/api/v1/tasks?processInstanceId=${instanceId}`);
      const b = (open.items as Array<{ id: string }>)[0]!;
      await must(via(i + 1), token, 'POST', `/api/v1/tasks/${b.id}/complete`, { variables: {} });
    });
    const stepsPerSec = (opts.cases * 2) / ((performance.now() - t0) / 1000);

    // timers: cases waiting on a timer that falls due for all of them within a moment; the executors drain them
    await pool(opts.timers, opts.concurrency, async (i) => {
      await must(via(i), token, 'POST', '/api/v1/process-definitions/bench_nodes_timer/start', { variables: {} });
    });
    const countAfter = async () =>
      Number((await sql.query<{ n: number }>(`select count(*)::int as n from task where definition_key = 'bench_nodes_timer' and element_id = 'a'`)).rows[0]!.n);
    // measured from the moment the first timer fired (the due times are spread over the start phase)
    while ((await countAfter()) === 0) await new Promise((r) => setTimeout(r, 20));
    const t1 = performance.now();
    let n = 0;
    while ((n = await countAfter()) < opts.timers) await new Promise((r) => setTimeout(r, 50));
    const timersPerSec = opts.timers / ((performance.now() - t1) / 1000);
    const timerDuplicates = n - opts.timers;
    return { stepsPerSec, timersPerSec, timerDuplicates };
  } finally {
    await Promise.all(nodes.map(stopNode));
    await sql.end().catch(() => undefined);
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
  }
}

export interface NodesOptions {
  cases: number;
  timers: number;
  concurrency: number;
}

export async function runNodesBench(db: BenchDatabase, opts: NodesOptions): Promise<void> {
  console.log(`\n## nodes (1 vs 2 server processes on one PostgreSQL; ${opts.cases} cases × 2 steps, ${opts.timers} timers, ${opts.concurrency} requests in flight)`);
  if (db.kind !== 'postgresql' || !db.url) {
    console.log('skipped: needs PostgreSQL');
    return;
  }
  const adminUrl = new URL(db.url);
  adminUrl.pathname = '/postgres';
  const jwtKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const one = await round(adminUrl.toString(), 1, opts, jwtKey);
  const two = await round(adminUrl.toString(), 2, opts, jwtKey);
  console.log(`1 server: ${one.stepsPerSec.toFixed(1)} steps/s, ${one.timersPerSec.toFixed(1)} timers/s (${one.timerDuplicates} duplicates)`);
  console.log(`2 servers: ${two.stepsPerSec.toFixed(1)} steps/s, ${two.timersPerSec.toFixed(1)} timers/s (${two.timerDuplicates} duplicates)`);
  benchLine('nodes_steps_2_servers', two.stepsPerSec, 'steps/s', two.stepsPerSec / one.stepsPerSec, '1 server');
  benchLine('nodes_timers_2_servers', two.timersPerSec, 'timers/s', two.timersPerSec / one.timersPerSec, '1 server');
  benchLine('nodes_timer_duplicates', one.timerDuplicates + two.timerDuplicates, 'tasks', 0, 'goal 0');
}
