import { Migration } from '@mikro-orm/migrations';

/**
 * Where each deployed version came from (origin: file = processes/ at
 * start-up, api = REST deployment, modeler = Camunda Modeler) and the hash of
 * the file it was made from, so a restart never redeploys a file on top of a
 * newer API or Modeler deployment. Existing rows take their deployment's source.
 */
export class Migration20261202211500_resource_origin extends Migration {
  override async up(): Promise<void> {
    for (const table of ['process_definition', 'form_definition', 'decision_definition']) {
      this.addSql(`alter table ${table} add column origin varchar(16) not null default 'api', add column file_hash varchar(64) null;`);
      this.addSql(
        `update ${table} t set origin = case d.source when 'startup' then 'file' when 'modeler' then 'modeler' else 'api' end from deployment d where d.id = t.deployment_id;`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const table of ['process_definition', 'form_definition', 'decision_definition']) this.addSql(`alter table ${table} drop column origin, drop column file_hash;`);
  }
}
