import { Migration } from '@mikro-orm/migrations';

/**
 * The browser application: server-side sessions (the cookie holds a random
 * token, the table its SHA-256), drafts of task forms, and the indexes the
 * inbox pages need (open tasks of a comune by due date / creation, tab counts
 * from an index-only scan).
 */
export class Migration20261202210000_web extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table web_session (
  id varchar(64) primary key,
  user_id uuid not null references app_user(id) on delete cascade,
  tenant varchar(4) null references tenant(code),
  csrf_token varchar(64) not null,
  inbox_filter jsonb null,
  flash jsonb null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null
);
create index web_session_user on web_session (user_id);
create index web_session_expires on web_session (expires_at);
create table task_draft (
  task_id uuid primary key references task(id) on delete cascade,
  tenant varchar(4) not null references tenant(code),
  data jsonb not null,
  updated_by varchar(100) not null,
  updated_at timestamptz not null
);
create index task_open_due_page on task (tenant, due_at, created_at, id) where status = 'open';
create index task_open_created_page on task (tenant, created_at, id) where status = 'open';
create index task_open_counts on task (tenant) include (assignee, candidate_groups, candidate_users) where status = 'open';
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists task_open_counts; drop index if exists task_open_created_page; drop index if exists task_open_due_page; drop table if exists task_draft; drop table if exists web_session;');
  }
}
