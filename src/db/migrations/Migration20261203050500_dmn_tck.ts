import { Migration } from '@mikro-orm/migrations';

/**
 * DMN files stored once (issue 15, item 1): a file with 1,087 decisions was
 * stored in full with every decision (476 KB × 1,087). The file now lives once
 * per comune and content in decision_file; each decision version points at it
 * (older rows keep their own copy in decision_definition.xml).
 */
export class Migration20261203050500_dmn_tck extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table if not exists decision_file (
  id uuid primary key,
  tenant varchar(4) null references tenant(code),
  file_hash varchar(64) not null,
  xml text not null,
  created_at timestamptz not null
);
create unique index if not exists decision_file_hash_tenant on decision_file (file_hash, coalesce(tenant, ''));
alter table decision_definition alter column xml drop not null;
alter table decision_definition add column if not exists file_id uuid null references decision_file(id) deferrable initially deferred;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table decision_definition drop column if exists file_id; drop table if exists decision_file;');
  }
}
