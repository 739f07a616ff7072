/**
 * Work run after the generator has written its rows and before VACUUM ANALYZE:
 * rebuilding what is derived from tasks and history (e.g. a pre-aggregated
 * per-day SLA summary). A module that keeps such a table adds its rebuild
 * here, e.g. `{ name: 'sla daily summary', run: (pool) => rebuildSlaDaily(pool) }`.
 */
import type pg from 'pg';

export interface AfterGenerateHook {
  name: string;
  run(pool: pg.Pool): Promise<unknown>;
}

export const afterGenerate: AfterGenerateHook[] = [
  // The SLA dashboard's per-day and per-month figures (src/tasks/sla/sla-compactor.ts): recomputed from the task table.
  { name: 'SLA summary (sla_rebuild)', run: (pool) => pool.query('select sla_rebuild()') },
];
