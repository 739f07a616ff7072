import { Migration } from '@mikro-orm/migrations';

/**
 * Pre-aggregated SLA figures (slaSummary, slaTrend): per comune, process, step
 * and Rome day of creation of the tasks — tasks, completed, completed with a
 * due date, on time, and a histogram of the durations of the completed ones
 * (log-spaced buckets, sla_bucket) — plus the same per month, so a period of
 * months reads a few hundred rows instead of every task.
 *
 * Kept by triggers on task, in the transaction that writes the task (engine,
 * MikroORM and raw SQL alike: insert, completion, cancellation, migration,
 * deletion): each change appends its contribution (+/−) to sla_delta, an
 * append-only table (no lock on a shared row, so no contention and no
 * deadlock between cases); sla_compact() folds the deltas into sla_aggregate
 * (one compactor at a time, rows in key order). Readers add sla_aggregate and
 * the not yet folded deltas, so the figures are exact whenever read.
 * sla_rebuild() recomputes everything from the task table (idempotent): the
 * backfill here and `npm run admin -- sla-rebuild`.
 */
/** The tables, functions, triggers and backfill of this migration (the down of 20261203160000 restores them). */
export const SLA_AGGREGATE_SQL = `
create table if not exists sla_aggregate (
  tenant varchar(4) not null,
  definition_key varchar(255) not null,
  element_id varchar(255) not null,
  span char(1) not null check (span in ('d', 'm')),
  day date not null,
  name text null,
  total integer not null,
  completed integer not null,
  with_due integer not null,
  on_time integer not null,
  hist integer[] not null,
  primary key (tenant, definition_key, span, day, element_id)
);
create table if not exists sla_delta (
  id bigserial primary key,
  tenant varchar(4) not null,
  definition_key varchar(255) not null,
  element_id varchar(255) not null,
  day date not null,
  name text null,
  bucket smallint null,
  total integer not null,
  completed integer not null,
  with_due integer not null,
  on_time integer not null
);
create index if not exists sla_delta_scope on sla_delta (tenant, definition_key, day);
-- All comuni (metropolitan view): one process, a range of days.
create index if not exists sla_aggregate_process on sla_aggregate (definition_key, span, day);
create index if not exists task_sla_open on task (tenant, definition_key, element_id) include (name, created_at, due_at) where status = 'open';
-- The part-days at the edges of a period and the click-through lists: tasks of a comune and process by creation time.
create index if not exists task_sla_created on task (tenant, definition_key, created_at) include (element_id, name, status, due_at, ended_at);
drop index if exists task_sla_window;

-- Bucket of a duration: 0 under a minute, then 8 buckets per doubling from 1 minute:
-- bucket b >= 1 holds [60 * 2^((b-1)/8), 60 * 2^(b/8)) seconds; the readers take its geometric middle, 60 * 2^((b-0.5)/8)
-- (within 4.5 % of any duration in it; 30 s for bucket 0).
create or replace function sla_bucket(seconds double precision) returns smallint language sql immutable parallel safe as $$
  select case when seconds is null then null when seconds < 60 then 0 else least(400, 1 + floor(8 * ln(seconds / 60.0) / ln(2.0)))::smallint end
$$;
create or replace function sla_hist_add(a integer[], b integer[]) returns integer[] language sql immutable parallel safe as $$
  select coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) order by i), '{}') from unnest(a, b) with ordinality u(x, y, i)
$$;

-- A task's contribution to the figures of the day it was created (Europe/Rome).
create or replace function sla_task_delta() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into sla_delta (tenant, definition_key, element_id, day, name, bucket, total, completed, with_due, on_time)
    select tenant, definition_key, element_id, day, max(name), bucket, count(*), sum(c), sum(d), sum(o)
      from (select tenant, definition_key, element_id, (created_at at time zone 'Europe/Rome')::date as day, name,
                   case when status = 'completed' then sla_bucket(extract(epoch from ended_at - created_at)) end as bucket,
                   (status = 'completed')::int as c, (status = 'completed' and due_at is not null)::int as d,
                   (status = 'completed' and due_at is not null and ended_at <= due_at)::int as o
              from sla_new) t
     group by tenant, definition_key, element_id, day, bucket;
  elsif tg_op = 'DELETE' then
    insert into sla_delta (tenant, definition_key, element_id, day, name, bucket, total, completed, with_due, on_time)
    select tenant, definition_key, element_id, day, null, bucket, -count(*), -sum(c), -sum(d), -sum(o)
      from (select tenant, definition_key, element_id, (created_at at time zone 'Europe/Rome')::date as day,
                   case when status = 'completed' then sla_bucket(extract(epoch from ended_at - created_at)) end as bucket,
                   (status = 'completed')::int as c, (status = 'completed' and due_at is not null)::int as d,
                   (status = 'completed' and due_at is not null and ended_at <= due_at)::int as o
              from sla_old) t
     group by tenant, definition_key, element_id, day, bucket;
  else
    insert into sla_delta (tenant, definition_key, element_id, day, name, bucket, total, completed, with_due, on_time)
    values
      (old.tenant, old.definition_key, old.element_id, (old.created_at at time zone 'Europe/Rome')::date, null,
       case when old.status = 'completed' then sla_bucket(extract(epoch from old.ended_at - old.created_at)) end,
       -1, -(old.status = 'completed')::int, -(old.status = 'completed' and old.due_at is not null)::int,
       -coalesce(old.status = 'completed' and old.due_at is not null and old.ended_at <= old.due_at, false)::int),
      (new.tenant, new.definition_key, new.element_id, (new.created_at at time zone 'Europe/Rome')::date, new.name,
       case when new.status = 'completed' then sla_bucket(extract(epoch from new.ended_at - new.created_at)) end,
       1, (new.status = 'completed')::int, (new.status = 'completed' and new.due_at is not null)::int,
       coalesce(new.status = 'completed' and new.due_at is not null and new.ended_at <= new.due_at, false)::int);
  end if;
  return null;
end $$;
drop trigger if exists task_sla_insert on task;
create trigger task_sla_insert after insert on task referencing new table as sla_new for each statement execute function sla_task_delta();
drop trigger if exists task_sla_delete on task;
create trigger task_sla_delete after delete on task referencing old table as sla_old for each statement execute function sla_task_delta();
drop trigger if exists task_sla_update on task;
create trigger task_sla_update after update on task for each row
  when (old.status is distinct from new.status or old.ended_at is distinct from new.ended_at or old.due_at is distinct from new.due_at
     or old.created_at is distinct from new.created_at or old.tenant is distinct from new.tenant
     or old.definition_key is distinct from new.definition_key or old.element_id is distinct from new.element_id)
  execute function sla_task_delta();

-- Folds the deltas into sla_aggregate (per day and per month); one compactor at a time.
create or replace function sla_compact() returns integer language plpgsql as $$
declare folded integer;
begin
  perform pg_advisory_xact_lock(hashtext('sla_compact'));
  with d as (
    delete from sla_delta returning *
  ), spans as (
    select tenant, definition_key, element_id, 'd'::char(1) as span, day, name, bucket, total, completed, with_due, on_time from d
    union all
    select tenant, definition_key, element_id, 'm'::char(1), date_trunc('month', day)::date, name, bucket, total, completed, with_due, on_time from d
  ), counts as (
    select tenant, definition_key, element_id, span, day, max(name) as name, sum(total)::int as total, sum(completed)::int as completed,
           sum(with_due)::int as with_due, sum(on_time)::int as on_time, max(bucket) as top
      from spans group by tenant, definition_key, element_id, span, day
  ), buckets as (
    select tenant, definition_key, element_id, span, day, bucket, sum(completed)::int as n
      from spans where bucket is not null group by tenant, definition_key, element_id, span, day, bucket
  ), hists as (
    select c.tenant, c.definition_key, c.element_id, c.span, c.day, c.name, c.total, c.completed, c.with_due, c.on_time,
           coalesce(array_agg(coalesce(b.n, 0) order by s.i) filter (where s.i is not null), '{}') as hist
      from counts c
      left join lateral generate_series(0, c.top) s(i) on true
      left join buckets b on b.tenant = c.tenant and b.definition_key = c.definition_key and b.element_id = c.element_id
                         and b.span = c.span and b.day = c.day and b.bucket = s.i
     group by c.tenant, c.definition_key, c.element_id, c.span, c.day, c.name, c.total, c.completed, c.with_due, c.on_time
  )
  insert into sla_aggregate (tenant, definition_key, element_id, span, day, name, total, completed, with_due, on_time, hist)
  select * from hists order by tenant, definition_key, span, day, element_id
  on conflict (tenant, definition_key, span, day, element_id) do update set
    name = coalesce(excluded.name, sla_aggregate.name),
    total = sla_aggregate.total + excluded.total,
    completed = sla_aggregate.completed + excluded.completed,
    with_due = sla_aggregate.with_due + excluded.with_due,
    on_time = sla_aggregate.on_time + excluded.on_time,
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
  insert into sla_delta (tenant, definition_key, element_id, day, name, bucket, total, completed, with_due, on_time)
  select tenant, definition_key, element_id, day, max(name), bucket, count(*), sum(c), sum(d), sum(o)
    from (select tenant, definition_key, element_id, (created_at at time zone 'Europe/Rome')::date as day, name,
                 case when status = 'completed' then sla_bucket(extract(epoch from ended_at - created_at)) end as bucket,
                 (status = 'completed')::int as c, (status = 'completed' and due_at is not null)::int as d,
                 (status = 'completed' and due_at is not null and ended_at <= due_at)::int as o
            from task) t
   group by tenant, definition_key, element_id, day, bucket;
  select count(*)::int into n from task;
  perform sla_compact();
  return n;
end $$;
select sla_rebuild();
`;

export class Migration20261203060000_sla_agg extends Migration {
  override async up(): Promise<void> {
    this.addSql(SLA_AGGREGATE_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists task_sla_insert on task;
drop trigger if exists task_sla_delete on task;
drop trigger if exists task_sla_update on task;
drop function if exists sla_rebuild();
drop function if exists sla_compact();
drop function if exists sla_task_delta();
drop function if exists sla_hist_add(integer[], integer[]);
drop function if exists sla_bucket(double precision);
drop index if exists task_sla_open;
create index if not exists task_sla_window on task (tenant, definition_key, element_id, created_at) include (name, status, due_at, ended_at);
drop index if exists task_sla_created;
drop table if exists sla_delta;
drop table if exists sla_aggregate;`);
  }
}
