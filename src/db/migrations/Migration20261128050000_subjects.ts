import { Migration } from '@mikro-orm/migrations';

/**
 * Subject registry of each comune: persons by codice fiscale (unique per comune),
 * households declared with each application, and each person's part in a case.
 * Only one applicant row per protocollo and comune: the protocollo is unique.
 */
export class Migration20261128050000_subjects extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table subject (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  codice_fiscale varchar(16) not null,
  nome varchar(255) not null,
  cognome varchar(255) not null,
  data_nascita date not null,
  sesso varchar(1) null,
  cittadinanza varchar(8) null,
  permesso_lungo_periodo boolean null,
  residente_in_italia_dal date null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version int not null default 1
);
create unique index subject_tenant_codice_fiscale on subject (tenant, codice_fiscale);
create index subject_tenant_cognome on subject (tenant, lower(cognome));

create table household (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  created_at timestamptz not null
);

create table household_member (
  household_id uuid not null references household(id) deferrable initially deferred,
  subject_id uuid not null references subject(id) deferrable initially deferred,
  relazione varchar(16) not null,
  primary key (household_id, subject_id)
);
create index household_member_subject on household_member (subject_id);

create table subject_case (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  subject_id uuid not null references subject(id) deferrable initially deferred,
  instance_id uuid not null references process_instance(id) deferrable initially deferred,
  household_id uuid not null references household(id) deferrable initially deferred,
  process_key varchar(255) not null,
  protocollo varchar(255) not null,
  data_domanda date not null,
  role varchar(16) not null,
  durata_mesi int not null,
  rinnovo boolean not null,
  created_at timestamptz not null
);
create unique index subject_case_instance_subject on subject_case (instance_id, subject_id);
create unique index subject_case_protocollo on subject_case (tenant, process_key, protocollo) where role = 'richiedente';
create index subject_case_subject on subject_case (subject_id, data_domanda);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists subject_case, household_member, household, subject cascade;');
  }
}
