import { Migration } from '@mikro-orm/migrations';

/** Core schema: tenants, users, deployments, definitions, instances, tasks, subscriptions, history. */
export class Migration20261127000000_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table tenant (
  code varchar(4) primary key,
  name text not null,
  created_at timestamptz not null default now()
);
create table app_user (
  id uuid primary key,
  username varchar(100) not null unique,
  password_hash text not null,
  tenant varchar(4) null references tenant(code),
  roles text[] not null default '{}',
  groups text[] not null default '{}',
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create table app_setting (key varchar(100) primary key, value text not null);
create table deployment (
  id uuid primary key,
  name text not null,
  tenant varchar(4) null references tenant(code),
  source varchar(30) not null,
  created_by varchar(100) null,
  created_at timestamptz not null
);
create table process_definition (
  id uuid primary key,
  key varchar(255) not null,
  version int not null,
  tenant varchar(4) null references tenant(code),
  name text null,
  deployment_id uuid not null references deployment(id) deferrable initially deferred,
  resource_name text not null,
  source_hash varchar(64) not null,
  source text not null,
  compiled text not null,
  model_index jsonb not null,
  created_at timestamptz not null
);
create unique index process_definition_key_tenant_version on process_definition (key, coalesce(tenant, ''), version);
create table process_instance (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  definition_id uuid not null references process_definition(id) deferrable initially deferred,
  definition_key varchar(255) not null,
  definition_version int not null,
  business_key varchar(255) null,
  status varchar(20) not null,
  state jsonb null,
  variables jsonb not null default '{}',
  params jsonb not null default '{}',
  active_elements text[] not null default '{}',
  version int not null default 1,
  started_by varchar(100) null,
  started_at timestamptz not null,
  updated_at timestamptz not null,
  ended_at timestamptz null
);
create index process_instance_tenant_status on process_instance (tenant, status, started_at desc);
create index process_instance_business_key on process_instance (business_key);
create index process_instance_definition_key on process_instance (tenant, definition_key);
create table task (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  definition_key varchar(255) not null,
  business_key varchar(255) null,
  element_id varchar(255) not null,
  execution_id varchar(255) not null,
  name text null,
  assignee varchar(100) null,
  candidate_groups text[] not null default '{}',
  candidate_users text[] not null default '{}',
  form_key text null,
  priority int not null default 50,
  due_at timestamptz null,
  follow_up_at timestamptz null,
  status varchar(20) not null,
  created_at timestamptz not null,
  claimed_at timestamptz null,
  ended_at timestamptz null,
  completed_by varchar(100) null,
  version int not null default 1
);
create unique index task_open_execution on task (instance_id, execution_id) where status = 'open';
create index task_inbox on task (tenant, status, due_at);
create index task_assignee on task (assignee) where status = 'open';
create index task_candidate_groups on task using gin (candidate_groups);
create index task_instance on task (instance_id);
create table external_task (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  definition_key varchar(255) not null,
  business_key varchar(255) null,
  element_id varchar(255) not null,
  execution_id varchar(255) not null,
  topic varchar(255) not null,
  status varchar(20) not null,
  worker_id varchar(255) null,
  lock_expires_at timestamptz null,
  retries int null,
  error_message text null,
  created_at timestamptz not null,
  ended_at timestamptz null
);
create unique index external_task_open_execution on external_task (instance_id, execution_id) where status = 'open';
create index external_task_topic on external_task (topic, status, created_at);
create table event_subscription (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  kind varchar(20) not null,
  name varchar(255) not null,
  element_id varchar(255) not null,
  execution_id varchar(255) not null,
  business_key varchar(255) null,
  created_at timestamptz not null
);
create unique index event_subscription_execution on event_subscription (instance_id, execution_id);
create index event_subscription_name on event_subscription (tenant, kind, name, business_key);
create table history_event (
  id bigserial primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  at timestamptz not null,
  type varchar(50) not null,
  element_id varchar(255) null,
  element_type varchar(100) null,
  element_name text null,
  task_id uuid null,
  user_name varchar(100) null,
  details jsonb null
);
create index history_event_instance on history_event (instance_id, id);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists history_event, event_subscription, external_task, task, process_instance, process_definition, deployment, app_setting, app_user, tenant cascade;`);
  }
}
