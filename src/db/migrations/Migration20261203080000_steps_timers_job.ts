import { Migration } from '@mikro-orm/migrations';

/**
 * The job table under a timer storm: every job is updated once (its lease,
 * when acquired) and deleted once (when run), so the table produces dead rows
 * as fast as jobs run. So that the drain does not slow down as it goes:
 * - the lease columns are no longer in any index (job_acquire only carries
 *   `retries`): with free room on the page (fillfactor 70) taking a lease is a
 *   HOT update, which adds no index entries and is pruned on the page itself;
 * - autovacuum visits the table after 1% of it (plus 1,000 rows) died, without
 *   the cost-based pauses, instead of after 20% (the default): the dead index
 *   entries of deleted jobs do not pile up in front of the acquisition scan.
 */
export class Migration20261203080000_steps_timers_job extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
drop index if exists job_acquire;
create index job_acquire on job (due_at) include (retries);
alter table job set (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table job reset (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
  autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay);
drop index if exists job_acquire;
create index job_acquire on job (due_at) include (locked_until, retries);`);
  }
}
