/**
 * Inbox at metropolitan volume: an operatore of Milano (F205, a third of the
 * Città Metropolitana's cases) asks GET /api/v1/tasks for the first page (25)
 * with every sort and every filter the API offers, `total` included (exact up
 * to 10,000, as the API counts by default; and once with `exactTotal=true`);
 * each against the bare SQL returning the same rows (page with its case
 * context, and the count, side by side on a plain pg pool) on the same
 * indexes, in the same run. The rows of both are checked to be the same first.
 */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type pg from 'pg';
import type { BenchDatabase } from './db.js';
import { apiToken, compare, getJson, metroBench } from './metro/setup.js';
import { benchLine, latencySummary, quantile } from './report.js';
import { TASK_TOTAL_CAP } from '../src/tasks/inbox.service.js';

export interface InboxBenchOptions {
  requests: number;
}

const USER = 'op.f205.1';
const LIMIT = 25;

interface Variant {
  name: string;
  query: Record<string, string>;
  /** SQL conditions after tenant (and status unless `status` says otherwise). */
  where: string[];
  params: unknown[];
  status?: 'completed' | 'all';
  order: string;
  /** The full count (`exactTotal=true`) instead of the default one that stops past TASK_TOTAL_CAP. */
  exactTotal?: boolean;
}

export async function runInboxBench(db: BenchDatabase, opts: InboxBenchOptions): Promise<void> {
  const m = await metroBench(db);
  console.log(`\n== inbox: ${USER} (operatore, F205), first page of ${LIMIT}, each sort and filter of GET /api/v1/tasks vs the bare SQL ==`);
  const token = await apiToken(m.base, USER);
  const [user] = (await m.pool.query(`select tenant, groups from app_user where username = $1`, [USER])).rows as Array<{ tenant: string; groups: string[] }>;
  const tenant = user!.tenant;
  const [{ n: open }] = (await m.pool.query(`select count(*)::int as n from task where tenant = $1 and status = 'open'`, [tenant])).rows as Array<{ n: number }>;
  const [{ n: all }] = (await m.pool.query(`select count(*)::int as n from task`)).rows as Array<{ n: number }>;
  console.log(`${open.toLocaleString('it-IT')} open tasks in ${tenant}, ${all.toLocaleString('it-IT')} tasks in the database`);
  const [sample] = (await m.pool.query(`select instance_id, business_key from task where tenant = $1 and status = 'open' order by created_at desc limit 1`, [tenant])).rows as Array<{ instance_id: string; business_key: string }>;
  const now = new Date();
  const inAWeek = new Date(now.getTime() + 7 * 86_400_000);
  const group = user!.groups[0]!;
  const created = 'created_at asc, id asc';
  const variants: Variant[] = [
    { name: 'inbox-first-page', query: {}, where: [], params: [], order: created },
    { name: 'inbox-first-page-exact-total', query: { exactTotal: 'true' }, where: [], params: [], order: created, exactTotal: true },
    { name: 'inbox-sort-due', query: { sort: 'due' }, where: [], params: [], order: 'due_at asc nulls last, created_at asc, id asc' },
    { name: 'inbox-sort-due-desc', query: { sort: 'due', order: 'desc' }, where: [], params: [], order: 'due_at desc nulls last, created_at asc, id asc' },
    { name: 'inbox-sort-created-desc', query: { sort: 'created', order: 'desc' }, where: [], params: [], order: 'created_at desc nulls last, id asc' },
    { name: 'inbox-sort-priority', query: { sort: 'priority' }, where: [], params: [], order: 'priority desc nulls last, created_at asc, id asc' },
    { name: 'inbox-sort-priority-asc', query: { sort: 'priority', order: 'asc' }, where: [], params: [], order: 'priority asc nulls last, created_at asc, id asc' },
    { name: 'inbox-assignee-me', query: { assignee: 'me' }, where: ['assignee = $U'], params: [], order: created },
    { name: 'inbox-mine', query: { mine: 'true' }, where: ['(assignee = $U or (assignee is null and candidate_users && array[$U]::text[]) or (assignee is null and candidate_groups && $G::text[]))'], params: [], order: created },
    { name: 'inbox-candidate-group', query: { candidateGroup: group }, where: ['candidate_groups && array[$X]::text[]'], params: [group], order: created },
    { name: 'inbox-process-key', query: { processKey: 'rei' }, where: ['definition_key = $X'], params: ['rei'], order: created },
    { name: 'inbox-element-id', query: { elementId: 'analisiPreliminare' }, where: ['element_id = $X'], params: ['analisiPreliminare'], order: created },
    { name: 'inbox-business-key', query: { businessKey: sample!.business_key }, where: ['business_key = $X'], params: [sample!.business_key], order: created },
    { name: 'inbox-instance', query: { processInstanceId: sample!.instance_id }, where: ['instance_id = $X'], params: [sample!.instance_id], order: created },
    { name: 'inbox-due-before', query: { dueBefore: now.toISOString() }, where: ['due_at < $X'], params: [now], order: created },
    { name: 'inbox-due-window', query: { dueAfter: now.toISOString(), dueBefore: inAWeek.toISOString(), sort: 'due' }, where: ['due_at < $X', 'due_at > $X'], params: [inAWeek, now], order: 'due_at asc nulls last, created_at asc, id asc' },
    { name: 'inbox-completed', query: { status: 'completed' }, where: [], params: [], status: 'completed', order: created },
  ];
  const results: Array<{ name: string; p95: number; bareP95: number }> = [];
  for (const v of variants) {
    const path = `/api/v1/tasks?${new URLSearchParams({ ...v.query, limit: String(LIMIT) })}`;
    const { sql: pageSql, countSql, params } = bareSql(v, tenant, USER, user!.groups);
    const bare = async () => {
      const [page, count] = await Promise.all([m.pool.query(pageSql, params), m.pool.query(countSql, params)]);
      return { ids: page.rows.map((r: { id: string }) => r.id), total: Number((count.rows[0] as { n: number }).n) };
    };
    const api = () => getJson<{ items: Array<{ id: string }>; total: number }>(m.base, token, path);
    const [a, b] = [await api(), await bare()];
    if (a.total !== b.total || a.items.map((i) => i.id).join() !== b.ids.join()) {
      throw new Error(`${v.name}: the API and the bare SQL disagree (total ${a.total} vs ${b.total}; ids ${a.items.length} vs ${b.ids.length})`);
    }
    console.log(`${v.name}  GET ${path}: ${a.items.length} rows, total ${a.total}`);
    results.push({ name: v.name, ...(await compare(v.name, opts.requests, api, bare)) });
  }
  const worst = results.reduce((w, r) => (r.p95 > w.p95 ? r : w));
  const worstRatio = results.reduce((w, r) => (r.p95 / r.bareP95 > w.p95 / w.bareP95 ? r : w));
  console.log(`inbox: slowest p95 ${worst.p95.toFixed(1)} ms (${worst.name}; goal ≤ 50 ms); highest p95 ratio ${(worstRatio.p95 / worstRatio.bareP95).toFixed(2)} (${worstRatio.name}; goal ≤ 1.5)`);

  // The floor under any request, for reading the ratios: the first page's JSON sent by Koa with no middleware at
  // all, through the same HTTP client in this process; and the same after one database round trip (what checking
  // a bearer token against revocation needs at least).
  const page = await getJson<unknown>(m.base, token, `/api/v1/tasks?limit=${LIMIT}`);
  const floor = await httpFloor(page, m.pool, opts.requests * 2);
  console.log(`HTTP floor (Koa without middleware, same client, the first page's JSON): ${latencySummary(floor.bare)}`);
  console.log(`HTTP floor plus one database round trip (select 1):               ${latencySummary(floor.withQuery)}`);
  const first = results[0]!;
  const best = (first.bareP95 + quantile(floor.withQuery, 0.95)) / first.bareP95;
  console.log(`${first.name}: bare SQL p95 ${first.bareP95.toFixed(1)} ms + that floor → no API could answer under ${best.toFixed(2)}× the bare SQL here (the product: ${(first.p95 / first.bareP95).toFixed(2)}×)`);
  benchLine('inbox-http-floor-p95', quantile(floor.withQuery, 0.95), 'ms', quantile(floor.withQuery, 0.95) / first.bareP95, `${first.name}-bare-sql-p95`);
}

/** Latencies of a Koa server without middleware answering `body`, alone and after one `select 1`. */
async function httpFloor(body: unknown, pool: pg.Pool, requests: number): Promise<{ bare: number[]; withQuery: number[] }> {
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === '/query') await pool.query('select 1');
    ctx.body = body;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out = { bare: [] as number[], withQuery: [] as number[] };
  try {
    for (let i = 0; i < requests + 10; i++) {
      for (const [path, into] of [['/', out.bare], ['/query', out.withQuery]] as const) {
        const t0 = performance.now();
        await getJson(base, 'floor', path);
        if (i >= 10) into.push(performance.now() - t0);
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return out;
}

/** The page (with the case context the API shows) and its count (exact, or stopped past the cap like the API's), as bare SQL. */
function bareSql(v: Variant, tenant: string, username: string, groups: string[]) {
  const params: unknown[] = [tenant];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  let next = 0;
  const conditions = ['tenant = $1', ...(v.status === 'all' ? [] : [`status = ${bind(v.status ?? 'open')}`])];
  for (const w of v.where) {
    conditions.push(w.replace(/\$U/g, () => bind(username)).replace(/\$G/g, () => bind(groups)).replace(/\$X/g, () => bind(v.params[next++])));
  }
  const where = conditions.join(' and ');
  const sql = `select t.*, pd.name as process_name, sc.protocollo, s.nome, s.cognome, s.codice_fiscale
      from (select * from task where ${where} order by ${v.order} limit ${LIMIT}) t
      join process_instance pi on pi.id = t.instance_id
      join process_definition pd on pd.id = pi.definition_id
      left join subject_case sc on sc.instance_id = t.instance_id and sc.role = 'richiedente'
      left join subject s on s.id = sc.subject_id
     order by ${v.order.replace(/(^|, )/g, '$1t.')}`;
  const countSql = v.exactTotal
    ? `select count(*)::int as n from task where ${where}`
    : `select least(count(*), ${TASK_TOTAL_CAP})::int as n from (select 1 from task where ${where} limit ${TASK_TOTAL_CAP + 1}) capped`;
  return { sql, countSql, params };
}
