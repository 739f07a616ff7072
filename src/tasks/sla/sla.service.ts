/**
 * SLA figures computed in SQL, never by scanning in Node: per step counts
 * and on-time share (from the per-day and per-month figures kept by the
 * triggers of migration 20261203060000), overdue and at-risk now (from the
 * open tasks), median and p90 durations (from duration histograms); and a
 * case's timeline with planned and actual times.
 */
import type { EntityManager } from '@mikro-orm/core';
import { addIsoDuration } from '../../shared/clock.js';
import type { SlaPhase } from '../../engine/definitions/model.js';
import { slaPeriod } from './sla-period.js';

/** Share of the allowed time after which an open task is "at risk", unless the caller says otherwise. */
export const DEFAULT_AT_RISK_SHARE = 0.75;

/**
 * Median and p90 durations come from histograms (sla_bucket: 8 buckets per
 * doubling, each duration taken as its bucket's middle): within this share of
 * the exact value. Counts and on-time shares are exact.
 */
export const SLA_DURATION_TOLERANCE = 0.045;

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

/** work_mem of the SLA summary's statement (see slaSummary). */
export const SLA_WORK_MEM = '64MB';

export async function slaSummary(em: EntityManager, q: SlaQuery): Promise<SlaRow[]> {
  const perTenant = q.perTenant ?? q.tenant === null;
  const { sql, params } = slaSummarySql(q);
  // The duration histograms of a metropolitan view are ≈ 1.3 M (step, bucket) rows to group: with the default 4 MB
  // of work_mem that aggregation spills to disk (≈ 2.5× slower); the statement gets its own, in its own transaction.
  type Row = Record<string, unknown>;
  const rows = (await em.transactional(async (t): Promise<Row[]> => {
    const ctx: unknown = t.getTransactionContext(); // the driver's transaction (typed any by MikroORM)
    await t.getConnection().execute(`set local work_mem = '${SLA_WORK_MEM}'`, [], 'run', ctx);
    const result: unknown = await t.getConnection().execute(sql, params, 'all', ctx);
    return result as Row[];
  })) as Row[];
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

const COMPLETED = `status = 'completed'`;
const WITH_DUE = `${COMPLETED} and due_at is not null`;

/**
 * The task-level rows of a period for the SLA figures, one per source, all
 * with the same columns (definition_key, element_id, tenant, name[, month],
 * total, completed, with_due, on_time[, hist, bucket]): the monthly and daily
 * rows of sla_aggregate, the deltas not folded yet (sla_delta) and the tasks
 * of the part-days at the edges (slaPeriod). `hist` is a duration histogram
 * (index = bucket of sla_bucket), `bucket` one bucket (deltas, tasks).
 */
export function slaPartsSql(q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId' | 'from' | 'to'>, opts: { month: boolean; durations: boolean }): { sql: string; params: unknown[] } {
  const period = slaPeriod(q.from, q.to);
  const scope = taskScope(q);
  const filter = scope.conditions.map((c) => `${c} and `).join('');
  const params: unknown[] = [];
  const cols = (month: string, counts: string, durations: string) =>
    `definition_key, element_id, tenant, name${opts.month ? `, ${month} as month` : ''}, ${counts}${opts.durations ? `, ${durations}` : ''}`;
  const [before, after] = period.days;
  params.push(...scope.params, ...period.months, ...before, ...after);
  const parts = [
    `select ${cols(`to_char(day, 'YYYY-MM')`, 'total, completed, with_due, on_time', 'hist, null::smallint as bucket')} from sla_aggregate
      where ${filter}((span = 'm' and day >= ?::date and day < ?::date) or (span = 'd' and ((day >= ?::date and day < ?::date) or (day >= ?::date and day < ?::date))))`,
  ];
  parts.push(
    `select ${cols(`to_char(day, 'YYYY-MM')`, 'total, completed, with_due, on_time', 'null::int[], bucket')} from sla_delta where ${filter}day >= ?::date and day < ?::date`,
  );
  params.push(...scope.params, ...period.wholeDays);
  if (period.edges.length) {
    parts.push(
      `select ${cols(
        `to_char(created_at at time zone 'Europe/Rome', 'YYYY-MM')`,
        `1, (${COMPLETED})::int, (${WITH_DUE})::int, (${WITH_DUE} and ended_at <= due_at)::int`,
        `null::int[], case when ${COMPLETED} then sla_bucket(extract(epoch from ended_at - created_at)) end`,
      )} from task where ${filter}${edgeKeys(q)}(${period.edges.map(() => '(created_at >= ? and created_at < ?)').join(' or ')})`,
    );
    params.push(...scope.params, ...period.edges.flat());
  }
  return { sql: parts.join('\n    union all\n    '), params };
}

/**
 * Bounds for the leading columns of task_sla_created (tenant, definition_key, created_at) that the scope leaves
 * open, so the part-day edges are ranges of that index per comune and process (a few probes) instead of a scan of
 * every task of the comune (PostgreSQL 15 has no skip scan): a task's process key is always a deployed one.
 */
function edgeKeys(q: Pick<SlaQuery, 'tenant' | 'processKey'>): string {
  return `${q.tenant ? '' : 'tenant = any(array(select code from tenant)) and '}${q.processKey ? '' : 'definition_key = any(array(select distinct key from process_definition)) and '}`;
}

/**
 * The SQL of slaSummary (also run bare by the benchmark). Counts and on-time
 * share are exact sums of the pre-aggregated rows (slaPartsSql); median and
 * p90 are percentile_cont over the durations each replaced by the middle of
 * its histogram bucket, hence within 4.5 % of the exact value (a bucket spans
 * a factor 2^(1/8)). Open, overdue and at-risk tasks are counted now from the
 * open tasks (partial index task_sla_open).
 */
export function slaSummarySql(q: SlaQuery): { sql: string; params: unknown[] } {
  const perTenant = q.perTenant ?? q.tenant === null;
  const key = `definition_key, element_id${perTenant ? ', tenant' : ''}`;
  const parts = slaPartsSql(q, { month: false, durations: true });
  const scope = taskScope(q);
  const filter = scope.conditions.map((c) => `${c} and `).join('');
  const rank = (p: number, bound: 'floor' | 'ceil') => `${bound}(${p} * (cnt - 1))`;
  const pick = (p: number, bound: 'floor' | 'ceil') => `min(v) filter (where before <= ${rank(p, bound)} and ${rank(p, bound)} < upto)`;
  const percentile = (p: number) => `${pick(p, 'floor')} + (${pick(p, 'ceil')} - ${pick(p, 'floor')}) * max(${p} * (cnt - 1) - ${rank(p, 'floor')})`;
  const sql = `
    with parts as (
    ${parts.sql}
    ), counts as (
      select ${key}, max(name) as name, sum(total)::int as total, sum(completed)::int as completed, sum(with_due)::int as with_due, sum(on_time)::int as on_time
        from parts group by ${key} having sum(total) > 0
    ), buckets as (
      select ${key}, b, sum(n) as n from (
        select ${key}, u.i - 1 as b, u.n from parts, unnest(parts.hist) with ordinality u(n, i) where parts.hist is not null
        union all
        select ${key}, bucket, completed from parts where bucket is not null
      ) x group by ${key}, b
    ), ranked as (
      select ${key}, case when b = 0 then 30.0 else 60.0 * power(2.0, (b - 0.5) / 8.0) end as v, sum(n) over w - n as before, sum(n) over w as upto, sum(n) over (partition by ${key}) as cnt
        from buckets where n > 0 window w as (partition by ${key} order by b)
    ), pct as (
      select ${key}, ${percentile(0.5)} as median, ${percentile(0.9)} as p90 from ranked group by ${key}
    ), open as (
      select ${key}, max(name) as name, count(*)::int as open,
        count(*) filter (where due_at < ?)::int as overdue,
        count(*) filter (where due_at >= ? and created_at + (due_at - created_at) * ? <= ?)::int as at_risk
        from task where ${filter}status = 'open' group by ${key}
    )
    select definition_key as "processKey", element_id as "elementId", coalesce(c.name, o.name) as name${perTenant ? ', tenant' : ''},
      coalesce(c.total, 0) as total, coalesce(c.completed, 0) as completed, coalesce(c.with_due, 0) as "completedWithDue", coalesce(c.on_time, 0) as "completedOnTime",
      coalesce(o.open, 0) as open, coalesce(o.overdue, 0) as "overdueNow", coalesce(o.at_risk, 0) as "atRiskNow",
      p.median as "medianSeconds", p.p90 as "p90Seconds"
    from counts c full join open o using (${key}) left join pct p using (${key})
    order by ${key}`;
  return { sql, params: [...parts.params, q.now, q.now, q.atRiskShare, q.now, ...scope.params] };
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
