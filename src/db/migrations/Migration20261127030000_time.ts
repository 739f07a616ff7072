import { Migration } from '@mikro-orm/migrations';

/** Time: durable jobs (timers, continuations, retries), incidents, per-comune calendars, external-task retries. */
export class Migration20261127030000_time extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table job (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid null references process_instance(id) deferrable initially deferred,
  definition_id uuid null references process_definition(id) deferrable initially deferred,
  kind varchar(30) not null,
  element_id varchar(255) not null,
  execution_id varchar(255) not null,
  due_at timestamptz not null,
  locked_by varchar(100) null,
  locked_until timestamptz null,
  retries int not null default 3,
  attempts int not null default 0,
  last_error text null,
  payload jsonb null,
  created_at timestamptz not null
);
create unique index job_instance_execution on job (instance_id, kind, execution_id);
create unique index job_timer_start on job (definition_id, tenant, element_id) where kind = 'timer-start';
create index job_acquire on job (due_at) include (locked_until, retries);
create index job_instance on job (instance_id);
create table incident (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid null references process_instance(id) deferrable initially deferred,
  kind varchar(30) not null,
  job_id uuid null,
  external_task_id uuid null,
  element_id varchar(255) null,
  message text not null,
  status varchar(20) not null,
  created_at timestamptz not null,
  resolved_at timestamptz null,
  resolved_by varchar(100) null
);
create index incident_tenant_status on incident (tenant, status, created_at desc);
alter table tenant add column calendar jsonb not null default '{}';
alter table external_task add column retry_at timestamptz null;
alter table external_task add column error_details text null;
alter table external_task add column priority int not null default 0;
create index task_sla on task (tenant, definition_key, element_id, created_at);
create index task_open_due on task (due_at) where status = 'open';
create index external_task_fetch on external_task (topic, status, priority desc, created_at) where status = 'open';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists incident, job; alter table tenant drop column if exists calendar;
alter table external_task drop column if exists retry_at, drop column if exists error_details, drop column if exists priority;`);
  }
}
