/**
 * SLA at metropolitan volume, through the real HTTP API: GET /api/v1/sla/summary
 * (figures per step over the last year) for Milano's responsabile and for the
 * metropolitan analyst (every comune, split per comune), and one case's
 * GET /api/v1/process-instances/{id}/timeline; each against the bare SQL
 * returning the same rows (slaSummarySql; the case, its definition, its
 * history and tasks), on the same indexes, in the same run.
 */
import type { BenchDatabase } from './db.js';
import { apiToken, compare, getJson, metroBench } from './metro/setup.js';
import { DEFAULT_AT_RISK_SHARE, mergeSlaRows, SLA_WORK_MEM, slaSummarySql } from '../src/tasks/sla/sla.service.js';

export interface SlaBenchOptions {
  requests: number;
}

export async function runSlaBench(db: BenchDatabase, opts: SlaBenchOptions): Promise<void> {
  const m = await metroBench(db);
  console.log('\n== sla: summary per step (Milano; metropolitan view) and a case timeline, GET /api/v1 vs the bare SQL ==');
  const numbered = (sql: string) => sql.replace(/\?/g, ((n) => () => `$${++n}`)(0));
  const pg = (sql: string, params: unknown[]) => m.pool.query(numbered(sql), params);
  const summary = async (name: string, username: string, tenant: string | null) => {
    const token = await apiToken(m.base, username);
    const api = () => getJson<{ items: unknown[] }>(m.base, token, '/api/v1/sla/summary');
    const bare = async () => {
      const now = new Date();
      const q = { tenant, from: new Date(now.getTime() - 365 * 86_400_000), to: now, now, atRiskShare: DEFAULT_AT_RISK_SHARE };
      const statements = slaSummarySql(q);
      // As the product runs them: the two statements side by side, the period's in its own transaction with its work_mem.
      const run = async (s: { sql: string; params: unknown[] }, workMem: boolean) => {
        const client = await m.pool.connect();
        try {
          if (!workMem) return (await client.query(numbered(s.sql), s.params)).rows as Array<Record<string, unknown>>;
          await client.query(`begin; set local work_mem = '${SLA_WORK_MEM}'`);
          const rows = (await client.query(numbered(s.sql), s.params)).rows as Array<Record<string, unknown>>;
          await client.query('commit');
          return rows;
        } finally {
          client.release();
        }
      };
      const [periodRows, nowRows] = await Promise.all([run(statements.period, true), run(statements.now, false)]);
      return mergeSlaRows(q, periodRows, nowRows);
    };
    const [a, b] = [await api(), await bare()];
    if (a.items.length !== b.length) throw new Error(`${name}: ${a.items.length} rows from the API, ${b.length} from the bare SQL`);
    console.log(`${name}: ${a.items.length} rows`);
    await compare(name, opts.requests, api, bare);
  };
  await summary('sla-summary-comune', 'resp.f205', 'F205');
  await summary('sla-summary-metro', 'analista.metro', null);

  // The timeline of a case in monitoring (the longest history) of Milano.
  const [c] = (await m.pool.query(
    `select pi.id from process_instance pi where pi.tenant = 'F205' and pi.status = 'active' and pi.active_elements = array['verificaInScadenza'] order by pi.started_at limit 1`,
  )).rows as Array<{ id: string }>;
  const token = await apiToken(m.base, 'resp.f205');
  const api = () => getJson<{ steps: unknown[] }>(m.base, token, `/api/v1/process-instances/${c!.id}/timeline`);
  const bare = async () => {
    const [pi] = (await pg(`select * from process_instance where id = ? and tenant = ?`, [c!.id, 'F205'])).rows as Array<{ definition_id: string }>;
    const [events, tasks] = await Promise.all([
      pg(`select type, element_id, element_type, element_name, at from history_event where instance_id = ? and type in ('element.entered', 'element.left', 'element.discarded') order by id`, [c!.id]),
      pg(`select id, element_id, assignee, due_at, ended_at, status, created_at from task where instance_id = ? order by created_at`, [c!.id]),
      pg(`select model_index from process_definition where id = ?`, [pi!.definition_id]),
    ]);
    return { events: events.rows, tasks: tasks.rows };
  };
  const a = await api();
  console.log(`sla-timeline: ${a.steps.length} steps`);
  await compare('sla-timeline', opts.requests, api, bare);
}
