import { Migration } from '@mikro-orm/migrations';

/** Task forms (form-js schemas) deployed with the BPMN models, versioned per form id and comune. */
export class Migration20261127020000_forms extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table form_definition (
  id uuid primary key,
  form_id varchar(255) not null,
  tenant varchar(4) null references tenant(code),
  version int not null,
  deployment_id uuid not null references deployment(id) deferrable initially deferred,
  resource_name text not null,
  source_hash varchar(64) not null,
  schema jsonb not null,
  created_at timestamptz not null
);
create unique index form_definition_form_tenant_version on form_definition (form_id, coalesce(tenant, ''), version);
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists form_definition;');
  }
}
