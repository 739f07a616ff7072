import { Migration } from '@mikro-orm/migrations';

/**
 * SIUSS import (issue 13, item 3): the column mappings each comune saves per
 * source software, the import batches with their progress and counts, and
 * the outcome of each row (imported, merged, refused with its reasons).
 */
export class Migration20261203051500_siuss_io extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table siuss_import_mapping (
  tenant varchar(4) not null references tenant(code),
  name varchar(100) not null,
  mapping jsonb not null,
  updated_at timestamptz not null,
  updated_by varchar(100) null,
  primary key (tenant, name)
);
create table siuss_import (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  file_name varchar(255) not null,
  format varchar(8) not null,
  mapping_name varchar(100) null,
  mapping jsonb not null,
  status varchar(16) not null,
  bytes_total bigint not null,
  bytes_read bigint not null default 0,
  rows_read int not null default 0,
  imported int not null default 0,
  merged int not null default 0,
  refused int not null default 0,
  error jsonb null,
  created_by varchar(100) null,
  created_at timestamptz not null,
  finished_at timestamptz null
);
create index siuss_import_tenant on siuss_import (tenant, created_at desc);
create table siuss_import_row (
  import_id uuid not null references siuss_import(id) on delete cascade,
  line int not null,
  outcome varchar(10) not null,
  record_id varchar(64) null,
  detail jsonb null,
  primary key (import_id, line)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists siuss_import_row;');
    this.addSql('drop table if exists siuss_import;');
    this.addSql('drop table if exists siuss_import_mapping;');
  }
}
