import { Migration } from '@mikro-orm/migrations';

/**
 * Index of the SLA figures (slaSummary, the dashboards): the tasks of a
 * comune and process in step order, with the columns the figures need, so
 * the summary is one index-only scan grouped without a sort (the plan before
 * was a bitmap heap scan of every task of the comune and a sort spilling to
 * disk). It supersedes task_sla (same key, without the included columns).
 */
export class Migration20261203051000_sla_dashboard extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index if not exists task_sla_window on task (tenant, definition_key, element_id, created_at) include (name, status, due_at, ended_at);
drop index if exists task_sla;
`);
  }

  override async down(): Promise<void> {
    this.addSql('create index if not exists task_sla on task (tenant, definition_key, element_id, created_at); drop index if exists task_sla_window;');
  }
}
