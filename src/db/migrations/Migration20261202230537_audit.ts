import { Migration } from '@mikro-orm/migrations';

/**
 * Audit of reads (issue 11, item 7; GDPR art. 30/32): one row per read of a
 * case, subject, task form or document by a person. Append-only: the
 * application only inserts, and the database refuses UPDATE, DELETE and
 * TRUNCATE on the table (triggers), so not even a bug or a stray SQL
 * statement through the application's connection can rewrite the record.
 */
export class Migration20261202230537_audit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table if not exists audit_record (
  id uuid primary key,
  at timestamptz not null,
  tenant varchar(8) not null,
  user_id uuid not null,
  username varchar(100) not null,
  action varchar(32) not null,
  object_type varchar(32) not null,
  object_id varchar(64) not null,
  detail varchar(32) null,
  subject_id varchar(64) null,
  channel varchar(8) not null,
  ip varchar(64) null,
  user_agent varchar(512) null
);
create index if not exists audit_record_tenant_at_idx on audit_record (tenant, at desc);
create index if not exists audit_record_subject_idx on audit_record (subject_id, at desc) where subject_id is not null;
create index if not exists audit_record_user_idx on audit_record (user_id, at desc);
create or replace function audit_record_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_record è in sola aggiunta: % non consentito', tg_op using errcode = '42501';
end;
$$;
drop trigger if exists audit_record_no_change on audit_record;
create trigger audit_record_no_change before update or delete on audit_record for each row execute function audit_record_append_only();
drop trigger if exists audit_record_no_truncate on audit_record;
create trigger audit_record_no_truncate before truncate on audit_record for each statement execute function audit_record_append_only();
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists audit_record; drop function if exists audit_record_append_only();`);
  }
}
