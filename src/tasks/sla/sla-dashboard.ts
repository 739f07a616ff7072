/**
 * What the SLA dashboard needs beyond slaSummary (sla.service.ts), by the same
 * rules and in SQL: the monthly trend (volumes and on-time share per month of
 * creation, Europe/Rome), and the tasks behind each number of the summary
 * (the click-through lists, one comune only).
 */
import type { EntityManager } from '@mikro-orm/core';
import { slaPartsSql, type SlaQuery } from './sla.service.js';

export interface SlaTrendRow {
  /** `YYYY-MM` (Europe/Rome). */
  month: string;
  tenant?: string;
  total: number;
  completed: number;
  completedWithDue: number;
  completedOnTime: number;
  onTimePercent: number | null;
}

/** Volumes and on-time share per month of creation; per comune too when `tenant` is null. */
export async function slaTrend(em: EntityManager, q: Omit<SlaQuery, 'now' | 'atRiskShare'>): Promise<SlaTrendRow[]> {
  const perTenant = q.tenant === null;
  const { sql, params } = trendSql(q);
  const rows = (await em.getConnection().execute(sql, params)) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const completedWithDue = Number(r.completedWithDue);
    const onTime = Number(r.completedOnTime);
    return {
      month: String(r.month),
      ...(perTenant ? { tenant: String(r.tenant) } : {}),
      total: Number(r.total),
      completed: Number(r.completed),
      completedWithDue,
      completedOnTime: onTime,
      onTimePercent: completedWithDue ? Math.round((onTime / completedWithDue) * 1000) / 10 : null,
    };
  });
}

/** The SQL of slaTrend (also run bare by the benchmark): sums of the pre-aggregated figures (slaPartsSql), exact. */
export function trendSql(q: Omit<SlaQuery, 'now' | 'atRiskShare'>): { sql: string; params: unknown[] } {
  const perTenant = q.tenant === null;
  const parts = slaPartsSql(q, { month: true, durations: false });
  const sql = `
    with parts as (
    ${parts.sql}
    )
    select month${perTenant ? ', tenant' : ''},
      sum(total)::int as total, sum(completed)::int as completed, sum(with_due)::int as "completedWithDue", sum(on_time)::int as "completedOnTime"
    from parts
    group by 1${perTenant ? ', 2' : ''} having sum(total) > 0 order by 1${perTenant ? ', 2' : ''}`;
  return { sql, params: parts.params };
}

/** The numbers of a summary row that click through to their tasks. */
export const SLA_MEASURES = ['totale', 'concluse', 'in-tempo', 'in-ritardo', 'aperte', 'scadute', 'a-rischio'] as const;
export type SlaMeasure = (typeof SLA_MEASURES)[number];

export interface SlaCaseRow {
  taskId: string;
  instanceId: string;
  businessKey: string | null;
  name: string | null;
  elementId: string;
  status: string;
  createdAt: Date;
  dueAt: Date | null;
  endedAt: Date | null;
}

/**
 * The tasks counted by one number of slaSummary (same conditions), newest
 * first, a page at a time; one comune only (the list names cases).
 */
export async function slaCases(
  em: EntityManager,
  q: SlaQuery & { tenant: string; processKey: string; elementId: string; measure: SlaMeasure; limit: number; offset: number },
): Promise<{ items: SlaCaseRow[]; total: number }> {
  const inWindow = 'created_at >= ? and created_at < ?';
  const cond: Record<SlaMeasure, { sql: string; params: unknown[] }> = {
    totale: { sql: inWindow, params: [q.from, q.to] },
    concluse: { sql: `${inWindow} and status = 'completed'`, params: [q.from, q.to] },
    'in-tempo': { sql: `${inWindow} and status = 'completed' and due_at is not null and ended_at <= due_at`, params: [q.from, q.to] },
    'in-ritardo': { sql: `${inWindow} and status = 'completed' and due_at is not null and ended_at > due_at`, params: [q.from, q.to] },
    aperte: { sql: `status = 'open'`, params: [] },
    scadute: { sql: `status = 'open' and due_at < ?`, params: [q.now] },
    'a-rischio': { sql: `status = 'open' and due_at >= ? and created_at + (due_at - created_at) * ? <= ?`, params: [q.now, q.atRiskShare, q.now] },
  };
  const c = cond[q.measure];
  const where = `tenant = ? and definition_key = ? and element_id = ? and ${c.sql}`;
  const params = [q.tenant, q.processKey, q.elementId, ...c.params];
  const conn = em.getConnection();
  const [rows, count] = await Promise.all([
    conn.execute(
      `select id as "taskId", instance_id as "instanceId", business_key as "businessKey", name, element_id as "elementId", status,
              created_at as "createdAt", due_at as "dueAt", ended_at as "endedAt"
         from task where ${where} order by created_at desc, id limit ? offset ?`,
      [...params, q.limit, q.offset],
    ) as Promise<SlaCaseRow[]>,
    conn.execute(`select count(*)::int as n from task where ${where}`, params) as Promise<Array<{ n: number }>>,
  ]);
  return { items: rows, total: count[0]?.n ?? 0 };
}
