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
import { periodEnd, slaPeriod } from './sla-period.js';

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

/** work_mem of the SLA summary's period statement (see slaSummary). */
export const SLA_WORK_MEM = '64MB';

type Row = Record<string, unknown>;

/**
 * The figures of a period per step (counts, on-time share, durations) and those of now (open, overdue, at risk),
 * read side by side: two statements on two connections (slaSummarySql), merged by step.
 */
export async function slaSummary(em: EntityManager, q: SlaQuery): Promise<SlaRow[]> {
  const { period, now } = slaSummarySql(q);
  const [periodRows, nowRows] = await Promise.all([
    // The period's histograms are tens of thousands of (step, bucket) rows to group at metropolitan volume: with the
    // default 4 MB of work_mem that spills to disk; the statement gets its own, in its own transaction.
    em.fork().transactional(async (t): Promise<Row[]> => {
      const ctx: unknown = t.getTransactionContext(); // the driver's transaction (typed any by MikroORM)
      await t.getConnection().execute(`set local work_mem = '${SLA_WORK_MEM}'`, [], 'run', ctx);
      return (await t.getConnection().execute(period.sql, period.params, 'all', ctx)) as Row[];
    }),
    em.fork().getConnection().execute(now.sql, now.params) as Promise<Row[]>,
  ]);
  return mergeSlaRows(q, periodRows, nowRows);
}

/** The rows of slaSummarySql's two statements as one row per step (and comune), in key order. */
export function mergeSlaRows(q: Pick<SlaQuery, 'tenant' | 'perTenant'>, periodRows: Row[], nowRows: Row[]): SlaRow[] {
  const perTenant = q.perTenant ?? q.tenant === null;
  const keyOf = (r: Row) => [r.processKey, r.elementId, ...(perTenant ? [r.tenant] : [])].map(String);
  const merged = new Map<string, { key: string[]; period?: Row; now?: Row }>();
  for (const [side, rows] of [['period', periodRows], ['now', nowRows]] as const) {
    for (const r of rows) {
      const key = keyOf(r);
      const id = JSON.stringify(key);
      const entry = merged.get(id) ?? { key };
      entry[side] = r;
      merged.set(id, entry);
    }
  }
  const byKey = (a: string[], b: string[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  return [...merged.values()]
    .sort((a, b) => byKey(a.key, b.key))
    .map(({ key, period: p = {}, now: n = {} }) => {
      const completedWithDue = Number(p.completedWithDue ?? 0);
      const onTime = Number(p.completedOnTime ?? 0);
      return {
        processKey: key[0]!,
        elementId: key[1]!,
        name: ((p.name ?? n.name) as string | null | undefined) ?? null,
        ...(perTenant ? { tenant: key[2]! } : {}),
        total: Number(p.total ?? 0),
        completed: Number(p.completed ?? 0),
        completedWithDue,
        completedOnTime: onTime,
        onTimePercent: completedWithDue ? Math.round((onTime / completedWithDue) * 1000) / 10 : null,
        open: Number(n.open ?? 0),
        overdueNow: Number(n.overdueNow ?? 0),
        atRiskNow: Number(n.atRiskNow ?? 0),
        medianSeconds: p.medianSeconds == null ? null : Math.round(Number(p.medianSeconds)),
        p90Seconds: p.p90Seconds == null ? null : Math.round(Number(p.p90Seconds)),
      };
    });
}

/**
 * The scope filters shared by the SLA queries: comune, process, step (each only when given), as the start of a
 * where clause (`filter`: each condition followed by `and`) and its parameters.
 */
function taskScope(q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId'>): { filter: string; params: unknown[] } {
  const given = [
    ['tenant', q.tenant],
    ['definition_key', q.processKey],
    ['element_id', q.elementId],
  ].filter((c): c is [string, string] => Boolean(c[1]));
  return { filter: given.map(([column]) => `${column} = ? and `).join(''), params: given.map(([, value]) => value) };
}

const COMPLETED = `status = 'completed'`;
const WITH_DUE = `${COMPLETED} and due_at is not null`;

/**
 * The task-level rows of a period for the SLA figures, one per source, all
 * with the same columns (definition_key, element_id, tenant, name[, month],
 * total, completed, with_due, on_time[, hist, bucket]): the monthly and daily
 * rows of sla_aggregate, the deltas not folded yet (sla_delta) and the tasks
 * of the part-days at the edges (slaPeriod; with `now`, a period ending at
 * or after it ends with the whole day: periodEnd). `hist` is a duration
 * histogram (subscript i = bucket i − 1 of sla_bucket, stored without its
 * empty buckets at either end), `bucket` one bucket (deltas, tasks).
 */
export function slaPartsSql(
  q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId' | 'from' | 'to'> & { now?: Date },
  opts: { month: boolean; durations: boolean },
): { sql: string; params: unknown[] } {
  const period = slaPeriod(q.from, q.now ? periodEnd(q.to, q.now) : q.to);
  const scope = taskScope(q);
  const { filter } = scope;
  const params: unknown[] = [];
  const cols = (month: string, counts: string, durations: string) =>
    `definition_key, element_id, tenant, name${opts.month ? `, ${month} as month` : ''}, ${counts}${opts.durations ? `, ${durations}` : ''}`;
  // The months and the whole days before and after them, each a range of an index of sla_aggregate (its primary key
  // for a comune, sla_aggregate_process for every comune) rather than a scan of the table.
  const parts: string[] = [];
  for (const [span, range] of [['m', period.months], ['d', period.days[0]], ['d', period.days[1]]] as const) {
    if (range[0] >= range[1]) continue;
    parts.push(
      `select ${cols(`to_char(day, 'YYYY-MM')`, 'total, completed, with_due, on_time', 'hist, null::smallint as bucket')} from sla_aggregate
      where ${filter}${processKeys(q)}span = '${span}' and day >= ?::date and day < ?::date`,
    );
    params.push(...scope.params, ...range);
  }
  parts.push(
    `select ${cols(`to_char(day, 'YYYY-MM')`, 'total, completed, with_due, on_time', 'null::int[] as hist, bucket')} from sla_delta where ${filter}day >= ?::date and day < ?::date`,
  );
  params.push(...scope.params, ...period.wholeDays);
  // One part per edge: a single range of task_sla_created each, read from the index alone (an OR of the two ranges
  // made PostgreSQL read the table's pages through a bitmap).
  for (const edge of period.edges) {
    parts.push(
      `select ${cols(
        `to_char(created_at at time zone 'Europe/Rome', 'YYYY-MM')`,
        `1 as total, (${COMPLETED})::int as completed, (${WITH_DUE})::int as with_due, (${WITH_DUE} and ended_at <= due_at)::int as on_time`,
        `null::int[] as hist, case when ${COMPLETED} then sla_bucket(extract(epoch from ended_at - created_at)) end as bucket`,
      )} from task where ${filter}${edgeKeys(q)}created_at >= ? and created_at < ?`,
    );
    params.push(...scope.params, ...edge);
  }
  return { sql: parts.join('\n    union all\n    '), params };
}

/**
 * Bounds for the leading columns of task_sla_created (tenant, definition_key, created_at) that the scope leaves
 * open, so the part-day edges are ranges of that index per comune and process (a few probes) instead of a scan of
 * every task of the comune (PostgreSQL 15 has no skip scan): a task's process key is always a deployed one.
 */
function edgeKeys(q: Pick<SlaQuery, 'tenant' | 'processKey'>): string {
  return `${tenantKeys(q)}${processKeys(q)}`;
}

/** Every comune's code when the scope gives none: the leading column of task_sla_created and task_sla_due. */
function tenantKeys(q: Pick<SlaQuery, 'tenant'>): string {
  return q.tenant ? '' : 'tenant = any(array(select code from tenant)) and ';
}

/** The deployed process keys when the scope gives none: the leading column of sla_aggregate_process, the second of task_sla_created. */
function processKeys(q: Pick<SlaQuery, 'processKey'>): string {
  return q.processKey ? '' : 'definition_key = any(array(select distinct key from process_definition)) and ';
}

/**
 * The SQL of slaSummary (also run bare by the benchmark), two statements that
 * PostgreSQL runs on two connections at once:
 *
 * - `period`: counts and on-time share, exact sums of the pre-aggregated rows
 *   (slaPartsSql); median and p90, percentile_cont over the durations each
 *   replaced by the middle of its histogram bucket, hence within 4.5 % of the
 *   exact value (a bucket spans a factor 2^(1/8));
 * - `now`: open tasks, and those with a due date, from every monthly row and
 *   the deltas (migration 20261203160000); the open tasks not yet due from
 *   `task` (index task_sla_due), for the at-risk count of the request's instant
 *   and share; overdue = open with a due date − not yet due (one snapshot).
 */
export function slaSummarySql(q: SlaQuery): { period: { sql: string; params: unknown[] }; now: { sql: string; params: unknown[] } } {
  const perTenant = q.perTenant ?? q.tenant === null;
  const key = `definition_key, element_id${perTenant ? ', tenant' : ''}`;
  const columns = `definition_key as "processKey", element_id as "elementId"${perTenant ? ', tenant' : ''}`;
  const parts = slaPartsSql(q, { month: false, durations: true });
  const scope = taskScope(q);
  const { filter } = scope;
  const rank = (p: number, bound: 'floor' | 'ceil') => `${bound}(${p}::float8 * (cnt - 1))`;
  const pick = (p: number, bound: 'floor' | 'ceil') => `min(v) filter (where before <= ${rank(p, bound)} and ${rank(p, bound)} < upto)`;
  const percentile = (p: number) => `${pick(p, 'floor')} + (${pick(p, 'ceil')} - ${pick(p, 'floor')}) * max(${p}::float8 * (cnt - 1) - ${rank(p, 'floor')})`;
  const period = `
    with parts as (
    ${parts.sql}
    ), counts as (
      select ${key}, max(name) as name, sum(total)::int as total, sum(completed)::int as completed, sum(with_due)::int as with_due, sum(on_time)::int as on_time
        from parts group by ${key} having sum(total) > 0
    ), buckets as (
      select ${key}, b, sum(n)::bigint as n from (
        select ${key}, u.i + array_lower(parts.hist, 1) - 2 as b, u.n from parts, unnest(parts.hist) with ordinality u(n, i) where parts.hist is not null and u.n <> 0
        union all
        select ${key}, bucket, completed from parts where bucket is not null
      ) x group by ${key}, b
    ), ranked as (
      select ${key}, case when b = 0 then 30.0::float8 else 60.0::float8 * power(2.0::float8, (b - 0.5) / 8.0) end as v,
        (sum(n) over w - n)::bigint as before, (sum(n) over w)::bigint as upto, (sum(n) over (partition by ${key}))::bigint as cnt
        from buckets where n > 0 window w as (partition by ${key} order by b)
    ), pct as (
      select ${key}, ${percentile(0.5)} as median, ${percentile(0.9)} as p90 from ranked group by ${key}
    )
    select ${columns}, c.name, c.total, c.completed, c.with_due as "completedWithDue", c.on_time as "completedOnTime",
      p.median as "medianSeconds", p.p90 as "p90Seconds"
    from counts c left join pct p using (${key})`;
  const now = `
    with open as (
      select ${key}, max(name) as name, sum(open)::int as open, sum(open_due)::int as open_due from (${openCountsSql(q, `${key}, name`)}) x
       group by ${key} having sum(open) > 0
    ), pending as (
      select ${key}, count(*)::int as not_due, count(*) filter (where created_at + (due_at - created_at) * ? <= ?)::int as at_risk
        from task where ${filter}${tenantKeys(q)}status = 'open' and due_at >= ? group by ${key}
    )
    select ${columns}, o.name, o.open, o.open_due - coalesce(d.not_due, 0) as "overdueNow", coalesce(d.at_risk, 0) as "atRiskNow"
    from open o left join pending d using (${key})`;
  return {
    period: { sql: period, params: parts.params },
    now: { sql: now, params: [...scope.params, ...scope.params, q.atRiskShare, q.now, ...scope.params, q.now] },
  };
}

/**
 * Open tasks of a comune (null: every comune), and of a process and step when given, from the open counts kept
 * with the SLA figures (migration 20261203160000): exact, and a few hundred rows to add instead of a count of
 * the comune's whole backlog.
 */
export async function openTaskCount(em: EntityManager, q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId'>): Promise<number> {
  const { params } = taskScope(q);
  const sql = `select coalesce(sum(open), 0)::bigint as n from (${openCountsSql(q, 'tenant')}) x`;
  const [row] = (await em.getConnection().execute(sql, [...params, ...params])) as Array<{ n: number | string }>;
  return Number(row?.n ?? 0);
}

/**
 * The rows holding the open counts of a scope (`columns`, then open and open_due): every monthly row of the figures
 * and the deltas not folded yet. Its parameters: the scope's, twice.
 */
function openCountsSql(q: Pick<SlaQuery, 'tenant' | 'processKey' | 'elementId'>, columns: string): string {
  const { filter } = taskScope(q);
  return `select ${columns}, open, open_due from sla_aggregate where ${filter}${processKeys(q)}span = 'm' and open <> 0
      union all
      select ${columns}, open, open_due from sla_delta where ${filter}open <> 0`;
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
