import { Migration } from '@mikro-orm/migrations';

/** Documents of a case (rendered HTML + PDF); external_task_id makes connector runs idempotent. */
export class Migration20261128070000_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table document (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  type varchar(30) not null,
  template varchar(255) not null,
  title varchar(255) not null,
  file_name varchar(255) not null,
  html text not null,
  pdf bytea not null,
  created_at timestamptz not null,
  created_by varchar(100) null,
  external_task_id varchar(255) null,
  constraint document_external_task_id_unique unique (external_task_id)
);
create index document_instance on document (tenant, instance_id, created_at);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists document;');
  }
}
