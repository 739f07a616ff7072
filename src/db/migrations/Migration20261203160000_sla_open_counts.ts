import { Migration } from '@mikro-orm/migrations';
import { SLA_AGGREGATE_SQL } from './Migration20261203060000_sla_agg.js';

/**
 * The SLA summary at metropolitan volume (issue 16), two changes to the
 * pre-aggregated figures of migration 20261203060000:
 *
 * - Open tasks are counted in the figures too: `open` (tasks open now) and
 *   `open_due` (open with a due date), per comune, process, step and day of
 *   creation, kept by the same triggers and deltas (a completion moves −1 from
 *   open to completed in the same delta). The summary reads the open counts
 *   from the monthly rows instead of grouping every open task (1,000,000 for
 *   the Città Metropolitana, ≈ 450 ms); only the open tasks not yet due are
 *   read from `task` (index task_sla_due), for the at-risk count, which depends
 *   on the request's instant and share; overdue = open_due − not yet due.
 * - The duration histograms are stored without their leading and trailing
 *   empty buckets: element i is still bucket i − 1, the array's lower bound is
 *   its first non-empty bucket (sla_hist_trim). A year of monthly rows of the
 *   metropolitan view was 1.25 M array elements, 92 % of them zeros; ≈ 0.1 M now.
 *
 * The figures are recomputed from the task table (sla_rebuild) once, here.
 */
const DELTA_COLUMNS = 'tenant, definition_key, element_id, day, name, bucket, total, completed, with_due, on_time, open, open_due';

/** What a task adds to the figures, as SQL over its columns (`row` = 'old.', 'new.' or '' for a table's rows). */
function taskFigures(row: string) {
  const completed = `${row}status = 'completed'`;
  return {
    day: `(${row}created_at at time zone 'Europe/Rome')::date`,
    bucket: `case when ${completed} then sla_bucket(extract(epoch from ${row}ended_at - ${row}created_at)) end`,
    counts: [
      `(${completed})::int`,
      `(${completed} and ${row}due_at is not null)::int`,
      `coalesce(${completed} and ${row}due_at is not null and ${row}ended_at <= ${row}due_at, false)::int`,
      `(${row}status = 'open')::int`,
      `(${row}status = 'open' and ${row}due_at is not null)::int`,
    ],
  };
}

/** One task's delta row (sign 1 or -1), in DELTA_COLUMNS order; the name only with a positive sign. */
function contribution(row: string, sign: 1 | -1): string {
  const f = taskFigures(row);
  const signed = (e: string) => (sign < 0 ? `-${e}` : e);
  return [`${row}tenant`, `${row}definition_key`, `${row}element_id`, f.day, sign < 0 ? 'null' : `${row}name`, f.bucket, signed('1'), ...f.counts.map(signed)].join(', ');
}

/** The delta rows of a set of tasks (a transition table or `task`), grouped by comune, process, step, day and bucket. */
function contributions(from: string, sign: 1 | -1): string {
  const f = taskFigures('');
  const sums = ['count(*)', ...f.counts.map((_, i) => `sum(c${i})`)].map((e) => (sign < 0 ? `-${e}` : e));
  return `select tenant, definition_key, element_id, day, ${sign < 0 ? 'null' : 'max(name)'}, bucket, ${sums.join(', ')}
      from (select tenant, definition_key, element_id, name, ${f.day} as day, ${f.bucket} as bucket, ${f.counts.map((e, i) => `${e} as c${i}`).join(', ')}
              from ${from}) t
     group by tenant, definition_key, element_id, day, bucket`;
}

export class Migration20261203160000_sla_open_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table sla_delta add column if not exists open integer not null default 0, add column if not exists open_due integer not null default 0;
alter table sla_aggregate add column if not exists open integer not null default 0, add column if not exists open_due integer not null default 0;

-- Open tasks not yet due, by comune and due date (the summary's at-risk count); replaces task_sla_open.
create index if not exists task_sla_due on task (tenant, due_at) include (definition_key, element_id, created_at) where status = 'open';
drop index if exists task_sla_open;

-- The histogram without its empty buckets at both ends; subscript i is still bucket i - 1 ('{}' when every bucket is empty).
create or replace function sla_hist_trim(a integer[]) returns integer[] language sql immutable parallel safe as $$
  select case when lo is null then '{}'::integer[] else ('[' || lo || ':' || hi || ']=' || a[lo:hi]::text)::integer[] end
    from (select min(i) filter (where a[i] <> 0) as lo, max(i) filter (where a[i] <> 0) as hi from generate_subscripts(a, 1) i) s
$$;
-- Bucket-wise sum of two histograms whatever their bounds, trimmed.
create or replace function sla_hist_add(a integer[], b integer[]) returns integer[] language sql immutable parallel safe as $$
  select case when coalesce(cardinality(a), 0) = 0 then sla_hist_trim(coalesce(b, '{}')) when coalesce(cardinality(b), 0) = 0 then sla_hist_trim(a) else (
    select sla_hist_trim(('[' || lo || ':' || hi || ']=' || array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i)::text)::integer[])
      from (select least(array_lower(a, 1), array_lower(b, 1)) as lo, greatest(array_upper(a, 1), array_upper(b, 1)) as hi) r, generate_series(r.lo, r.hi) i
     group by lo, hi) end
$$;

-- A task's contribution to the figures of the day it was created (Europe/Rome), open counts included.
create or replace function sla_task_delta() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into sla_delta (${DELTA_COLUMNS})
    ${contributions('sla_new', 1)};
  elsif tg_op = 'DELETE' then
    insert into sla_delta (${DELTA_COLUMNS})
    ${contributions('sla_old', -1)};
  else
    insert into sla_delta (${DELTA_COLUMNS})
    values (${contribution('old.', -1)}), (${contribution('new.', 1)});
  end if;
  return null;
end $$;

-- Folds the deltas into sla_aggregate (per day and per month); one compactor at a time.
create or replace function sla_compact() returns integer language plpgsql as $$
declare folded integer;
begin
  perform pg_advisory_xact_lock(hashtext('sla_compact'));
  with d as (
    delete from sla_delta returning *
  ), spans as (
    select tenant, definition_key, element_id, 'd'::char(1) as span, day, name, bucket, total, completed, with_due, on_time, open, open_due from d
    union all
    select tenant, definition_key, element_id, 'm'::char(1), date_trunc('month', day)::date, name, bucket, total, completed, with_due, on_time, open, open_due from d
  ), counts as (
    select tenant, definition_key, element_id, span, day, max(name) as name, sum(total)::int as total, sum(completed)::int as completed,
           sum(with_due)::int as with_due, sum(on_time)::int as on_time, sum(open)::int as open, sum(open_due)::int as open_due,
           min(bucket) as bottom, max(bucket) as top
      from spans group by tenant, definition_key, element_id, span, day
  ), buckets as (
    select tenant, definition_key, element_id, span, day, bucket, sum(completed)::int as n
      from spans where bucket is not null group by tenant, definition_key, element_id, span, day, bucket
  ), hists as (
    select c.tenant, c.definition_key, c.element_id, c.span, c.day, c.name, c.total, c.completed, c.with_due, c.on_time, c.open, c.open_due,
           case when c.bottom is null then '{}'::integer[]
                else sla_hist_trim(('[' || c.bottom + 1 || ':' || c.top + 1 || ']=' || array_agg(coalesce(b.n, 0) order by s.i)::text)::integer[]) end as hist
      from counts c
      left join lateral generate_series(c.bottom::int, c.top::int) s(i) on true
      left join buckets b on b.tenant = c.tenant and b.definition_key = c.definition_key and b.element_id = c.element_id
                         and b.span = c.span and b.day = c.day and b.bucket = s.i
     group by c.tenant, c.definition_key, c.element_id, c.span, c.day, c.name, c.total, c.completed, c.with_due, c.on_time, c.open, c.open_due, c.bottom, c.top
  )
  insert into sla_aggregate (tenant, definition_key, element_id, span, day, name, total, completed, with_due, on_time, open, open_due, hist)
  select * from hists order by tenant, definition_key, span, day, element_id
  on conflict (tenant, definition_key, span, day, element_id) do update set
    name = coalesce(excluded.name, sla_aggregate.name),
    total = sla_aggregate.total + excluded.total,
    completed = sla_aggregate.completed + excluded.completed,
    with_due = sla_aggregate.with_due + excluded.with_due,
    on_time = sla_aggregate.on_time + excluded.on_time,
    open = sla_aggregate.open + excluded.open,
    open_due = sla_aggregate.open_due + excluded.open_due,
    hist = sla_hist_add(sla_aggregate.hist, excluded.hist);
  get diagnostics folded = row_count;
  return folded;
end $$;

-- Recomputes the figures from the task table (idempotent); writes to task wait meanwhile.
create or replace function sla_rebuild() returns integer language plpgsql as $$
declare n integer;
begin
  lock table task in share mode;
  perform pg_advisory_xact_lock(hashtext('sla_compact'));
  delete from sla_delta;
  delete from sla_aggregate;
  insert into sla_delta (${DELTA_COLUMNS})
  ${contributions('task', 1)};
  select count(*)::int into n from task;
  perform sla_compact();
  return n;
end $$;
select sla_rebuild();
`);
  }

  override async down(): Promise<void> {
    // The functions of 20261203060000 again (their sla_rebuild recomputes dense histograms), then the new columns go.
    this.addSql(`drop index if exists task_sla_due;`);
    this.addSql(SLA_AGGREGATE_SQL);
    this.addSql(`
drop function if exists sla_hist_trim(integer[]);
alter table sla_delta drop column if exists open, drop column if exists open_due;
alter table sla_aggregate drop column if exists open, drop column if exists open_due;`);
  }
}
