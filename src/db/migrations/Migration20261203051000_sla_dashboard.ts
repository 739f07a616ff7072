import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes of the SLA figures (slaSummary, the dashboards): the tasks of a
 * comune and process created in a period, and its open tasks, each read by
 * an index-only scan with the columns the figures need (the plan before was
 * a bitmap heap scan of every task of the comune and a sort spilling to disk).
 */
export class Migration20261203051000_sla_dashboard extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index if not exists task_sla_window on task (tenant, definition_key, element_id, created_at) include (name, status, due_at, ended_at);
create index if not exists task_sla_open on task (tenant, definition_key, element_id, created_at) include (name, status, due_at) where status = 'open';
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists task_sla_open; drop index if exists task_sla_window;');
  }
}
