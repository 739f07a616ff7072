import { Migration } from '@mikro-orm/migrations';

/**
 * Jobs are acquired inside the transaction that runs them (no lease row
 * update). The acquisition looks first for due jobs of no instance (timer
 * start events): this partial index finds them without walking the due jobs
 * of instances, which may be hundreds of thousands in a timer storm.
 */
export class Migration20261203091000_job_acquire_in_tx extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index if not exists job_due_no_instance on job (due_at) include (retries) where instance_id is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists job_due_no_instance;`);
  }
}
