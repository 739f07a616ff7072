import { Migration } from '@mikro-orm/migrations';

/** DMN decisions deployed with (or without) the BPMN models, versioned per decision key and comune. */
export class Migration20261128064000_decisions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table decision_definition (
  id uuid primary key,
  key varchar(255) not null,
  version int not null,
  tenant varchar(4) null references tenant(code),
  name text null,
  deployment_id uuid not null references deployment(id) deferrable initially deferred,
  resource_name text not null,
  source_hash varchar(64) not null,
  xml text not null,
  created_at timestamptz not null
);
create unique index decision_definition_key_tenant_version on decision_definition (key, coalesce(tenant, ''), version);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists decision_definition;');
  }
}
