/**
 * SLA figures from the task table and the history, computed in SQL (indexed
 * by tenant, process, element and creation time), never by scanning in Node:
 * per step counts, on-time share, overdue and at-risk now, median and p90
 * durations; and a case's timeline with planned and actual times.
 */
import type { EntityManager } from '@mikro-orm/core';
import { addIsoDuration } from '../../shared/clock.js';
import type { SlaPhase } from '../../engine/definitions/model.js';

/** Share of the allowed time after which an open task is "at risk", unless the caller says otherwise. */
export const DEFAULT_AT_RISK_SHARE = 0.75;

export type DueState = 'in_tempo' | 'a_rischio' | 'scaduta';

/**
 * An open task's due state by the rule slaSummary counts with (overdueNow,
 * atRiskNow): past due → scaduta; at or past `atRiskShare` of the time from
 * creation to due → a_rischio; else in_tempo. No due date: null.
 */
export function dueState(t: { createdAt: Date; dueAt: Date | null }, now: Date, atRiskShare = DEFAULT_AT_RISK_SHARE): DueState | null {
  if (!t.dueAt) return null;
  const due = t.dueAt.getTime();
  if (due < now.getTime()) return 'scaduta';
  const created = t.createdAt.getTime();
  return created + (due - created) * atRiskShare <= now.getTime() ? 'a_rischio' : 'in_tempo';
}

export interface SlaQuery {
  /** null = every comune (metropolitan user); figures are then also split per comune. */
  tenant: string | null;
  from: Date;
  to: Date;
  now: Date;
  processKey?: string;
  elementId?: string;
  /** Share of the allowed time after which an open task is "at risk" (0–1). */
  atRiskShare: number;
  /** Split the figures per comune (default: when `tenant` is null). */
  perTenant?: boolean;
}

export interface SlaRow {
  processKey: string;
  elementId: string;
  name: string | null;
  tenant?: string;
  total: number;
  completed: number;
  completedWithDue: number;
  completedOnTime: number;
  onTimePercent: number | null;
  open: number;
  overdueNow: number;
  atRiskNow: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export async function slaSummary(em: EntityManager, q: SlaQuery): Promise<SlaRow[]> {
  const perTenant = q.perTenant ?? q.tenant === null;
  const { sql, params } = slaSummarySql(q);
  const rows = (await em.getConnection().execute(sql, params)) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const completedWithDue = Number(r.completedWithDue);
    const onTime = Number(r.completedOnTime);
    return {
      processKey: String(r.processKey),
      elementId: String(r.elementId),
      name: (r.name as string | null) ?? null,
      ...(perTenant ? { tenant: String(r.tenant) } : {}),
      total: Number(r.total),
      completed: Number(r.completed),
      completedWithDue,
      completedOnTime: onTime,
      onTimePercent: completedWithDue ? Math.round((onTime / completedWithDue) * 1000) / 10 : null,
      open: Number(r.open),
      overdueNow: Number(r.overdueNow),
      atRiskNow: Number(r.atRiskNow),
      medianSeconds: r.medianSeconds == null ? null : Math.round(Number(r.medianSeconds)),
      p90Seconds: r.p90Seconds == null ? null : Math.round(Number(r.p90Seconds)),
    };
  });
}

/** The scope filters shared by the SLA queries: comune, process, step (each only when given). */
export function taskScope(q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId'>): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (q.tenant) {
    conditions.push('tenant = ?');
    params.push(q.tenant);
  }
  if (q.processKey) {
    conditions.push('definition_key = ?');
    params.push(q.processKey);
  }
  if (q.elementId) {
    conditions.push('element_id = ?');
    params.push(q.elementId);
  }
  return { conditions, params };
}

/**
 * The SQL of slaSummary (also run bare by the benchmark): the tasks created
 * in the period plus those open now, with only the columns the figures need,
 * read for one comune and process by an index-only scan of task_sla_window
 * (migration 20261203051000) in step order, so the grouping needs no sort.
 */
export function slaSummarySql(q: SlaQuery): { sql: string; params: unknown[] } {
  const perTenant = q.perTenant ?? q.tenant === null;
  const { conditions: and, params } = taskScope(q);
  const filter = and.map((c) => `${c} and `).join('');
  const groupTenant = perTenant ? ', t.tenant' : '';
  const sql = `
    with t as (
      select definition_key, element_id, name, tenant, status, due_at, created_at, ended_at, (created_at >= ? and created_at < ?) as in_window
        from task where ${filter}((created_at >= ? and created_at < ?) or status = 'open')
    )
    select t.definition_key as "processKey", t.element_id as "elementId", max(t.name) as name${groupTenant ? ', t.tenant as tenant' : ''},
      count(*) filter (where in_window)::int as total,
      count(*) filter (where in_window and status = 'completed')::int as completed,
      count(*) filter (where in_window and status = 'completed' and due_at is not null)::int as "completedWithDue",
      count(*) filter (where in_window and status = 'completed' and due_at is not null and ended_at <= due_at)::int as "completedOnTime",
      count(*) filter (where status = 'open')::int as open,
      count(*) filter (where status = 'open' and due_at < ?)::int as "overdueNow",
      count(*) filter (where status = 'open' and due_at >= ? and created_at + (due_at - created_at) * ? <= ?)::int as "atRiskNow",
      percentile_cont(0.5) within group (order by extract(epoch from (ended_at - created_at))) filter (where in_window and status = 'completed') as "medianSeconds",
      percentile_cont(0.9) within group (order by extract(epoch from (ended_at - created_at))) filter (where in_window and status = 'completed') as "p90Seconds"
    from t
    group by t.definition_key, t.element_id${groupTenant}
    order by t.definition_key, t.element_id${groupTenant}`;
  return { sql, params: [q.from, q.to, ...params, q.from, q.to, q.now, q.now, q.atRiskShare, q.now] };
}

export interface TimelineStep {
  elementId: string;
  name: string | null;
  type: string | null;
  enteredAt: string;
  leftAt: string | null;
  durationSeconds: number | null;
  task?: { id: string; assignee: string | null; plannedDue: string | null; completedAt: string | null; status: string; onTime: boolean | null };
}

/** `phases` may still be loading (the definition's model index): read side by side with the history and tasks. */
export async function instanceTimeline(em: EntityManager, instanceId: string, phasesOf: SlaPhase[] | Promise<SlaPhase[]>, now: Date) {
  const conn = em.getConnection();
  const [phases, events, tasks] = await Promise.all([phasesOf, conn.execute(
    `select type, element_id as "elementId", element_type as "elementType", element_name as "elementName", at from history_event
      where instance_id = ? and type in ('element.entered', 'element.left', 'element.discarded') order by id`,
    [instanceId],
  ) as Promise<Array<{ type: string; elementId: string; elementType: string | null; elementName: string | null; at: Date | string }>>,
  conn.execute(
    `select id, element_id as "elementId", assignee, due_at as "dueAt", ended_at as "endedAt", status, created_at as "createdAt" from task where instance_id = ? order by created_at`,
    [instanceId],
  ) as Promise<Array<{ id: string; elementId: string; assignee: string | null; dueAt: Date | string | null; endedAt: Date | string | null; status: string; createdAt: Date | string }>>]);
  const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());
  const steps: TimelineStep[] = [];
  const open = new Map<string, TimelineStep[]>();
  for (const e of events) {
    if (e.type === 'element.entered') {
      const step: TimelineStep = { elementId: e.elementId, name: e.elementName, type: e.elementType, enteredAt: iso(e.at)!, leftAt: null, durationSeconds: null };
      steps.push(step);
      open.set(e.elementId, [...(open.get(e.elementId) ?? []), step]);
    } else {
      const step = open.get(e.elementId)?.shift();
      if (step) {
        step.leftAt = iso(e.at);
        step.durationSeconds = Math.round((new Date(step.leftAt!).getTime() - new Date(step.enteredAt).getTime()) / 1000);
      }
    }
  }
  const taskQueue = new Map<string, typeof tasks>();
  for (const t of tasks) taskQueue.set(t.elementId, [...(taskQueue.get(t.elementId) ?? []), t]);
  for (const step of steps) {
    const t = taskQueue.get(step.elementId)?.shift();
    if (!t) continue;
    const due = t.dueAt ? new Date(t.dueAt) : null;
    const done = t.endedAt ? new Date(t.endedAt) : null;
    step.task = {
      id: t.id,
      assignee: t.assignee,
      plannedDue: iso(due),
      completedAt: t.status === 'completed' ? iso(done) : null,
      status: t.status,
      onTime: due ? (t.status === 'completed' ? done! <= due : t.status === 'open' ? now <= due : null) : null,
    };
  }
  const phaseViews = phases.map((p) => {
    const start = steps.find((s) => s.elementId === p.from);
    const end = steps.find((s) => s.elementId === p.to && s.leftAt);
    const plannedEnd = start && p.target ? addIsoDuration(new Date(start.enteredAt), p.target) : null;
    const endedAt = end?.leftAt ?? null;
    return {
      name: p.name,
      from: p.from,
      to: p.to,
      target: p.target ?? null,
      startedAt: start?.enteredAt ?? null,
      endedAt,
      plannedEnd: plannedEnd?.toISOString() ?? null,
      durationSeconds: start && endedAt ? Math.round((new Date(endedAt).getTime() - new Date(start.enteredAt).getTime()) / 1000) : null,
      onTime: plannedEnd ? (endedAt ? new Date(endedAt) <= plannedEnd : now <= plannedEnd) : null,
    };
  });
  return { steps, phases: phaseViews };
}
