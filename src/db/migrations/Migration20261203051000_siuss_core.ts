import { Migration } from '@mikro-orm/migrations';

/**
 * SIUSS register (issue 13): the records each comune owes INPS (PS-PSA-SINA
 * and SINBA), their history, the flows generated from them, which records
 * (and which snapshot, which TipoOperazione) went into each flow, and the
 * daily progressive of flow ids per comune.
 */
export class Migration20261203051000_siuss_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table siuss_record (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  tipo varchar(12) not null,
  natural_key varchar(200) not null,
  codice_fiscale varchar(16) null,
  codice_prestazione varchar(10) null,
  data jsonb not null,
  origin varchar(8) not null,
  origin_ref varchar(100) null,
  status varchar(16) not null,
  errors jsonb not null default '[]',
  warnings jsonb not null default '[]',
  acquired jsonb null,
  deleted boolean not null default false,
  cancelled boolean not null default false,
  esito_codice varchar(32) null,
  esito_descrizione varchar(1000) null,
  id_acquisizione varchar(100) null,
  last_flow_id uuid null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version int not null default 1
);
create unique index siuss_record_key on siuss_record (tenant, tipo, natural_key);
create index siuss_record_tenant_status on siuss_record (tenant, tipo, status);
create index siuss_record_tenant_cf on siuss_record (tenant, codice_fiscale);

create table siuss_record_history (
  id uuid primary key,
  record_id uuid not null,
  tenant varchar(4) not null,
  at timestamptz not null,
  actor varchar(100) null,
  action varchar(16) not null,
  origin varchar(8) null,
  origin_ref varchar(100) null,
  changes jsonb not null default '{}',
  note varchar(1000) null,
  seq bigserial not null
);
create index siuss_record_history_record on siuss_record_history (record_id, seq);

create table siuss_flow (
  id uuid primary key,
  tenant varchar(4) not null references tenant(code),
  id_flusso varchar(32) not null,
  tipo varchar(12) not null,
  modalita varchar(8) not null,
  status varchar(16) not null,
  xml text not null,
  size_bytes int not null,
  records int not null,
  esito_codice varchar(32) null,
  esito_descrizione varchar(1000) null,
  id_acquisizione varchar(100) null,
  created_at timestamptz not null,
  created_ms bigint not null,
  pulled_at timestamptz null,
  esito_at timestamptz null,
  version int not null default 1
);
create unique index siuss_flow_id_flusso on siuss_flow (id_flusso);
create index siuss_flow_tenant_created on siuss_flow (tenant, created_ms);

create table siuss_flow_record (
  flow_id uuid not null references siuss_flow(id) on delete cascade,
  record_id uuid not null,
  operation varchar(1) not null,
  snapshot jsonb null,
  primary key (flow_id, record_id, operation)
);
create index siuss_flow_record_record on siuss_flow_record (record_id);

create table siuss_flow_counter (
  tenant varchar(4) not null,
  day varchar(8) not null,
  last int not null,
  primary key (tenant, day)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists siuss_flow_counter, siuss_flow_record, siuss_flow, siuss_record_history, siuss_record cascade;');
  }
}
