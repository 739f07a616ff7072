import { Migration } from '@mikro-orm/migrations';

/**
 * Lawful letters: each comune's office profile (letterhead, address, contacts,
 * signer, responsabile del procedimento), a per-comune per-year outgoing
 * protocol counter, and the protocol number each stored document received.
 */
export class Migration20261202221000_office extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table tenant_office (
  tenant varchar(4) primary key references tenant(code),
  profile jsonb not null,
  updated_at timestamptz not null,
  updated_by varchar(100) null
);
create table protocol_counter (
  tenant varchar(4) not null references tenant(code),
  year int not null,
  last int not null,
  primary key (tenant, year)
);
alter table document add column protocol_number int null, add column protocol_year int null;
create unique index document_protocol on document (tenant, protocol_year, protocol_number) where protocol_number is not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table document drop column if exists protocol_number, drop column if exists protocol_year;');
    this.addSql('drop table if exists protocol_counter;');
    this.addSql('drop table if exists tenant_office;');
  }
}
