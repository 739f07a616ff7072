import { Migration } from '@mikro-orm/migrations';

/** Per-comune parameter overrides, one row per version (the audit trail of every edit). */
export class Migration20261127010000_parameters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table parameter_set (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  key varchar(255) not null,
  version int not null,
  values jsonb not null,
  comment text null,
  created_by varchar(100) not null,
  created_at timestamptz not null,
  unique (tenant, key, version)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists parameter_set;');
  }
}
