import { Migration } from '@mikro-orm/migrations';

/**
 * What the last start deployed from each layer of processes/ (the shared
 * defaults, one per comune folder): a digest of the files and the number of
 * deployments of that layer's comune at the time. A restart whose files and
 * deployments are the same skips parsing and validating the models again.
 */
export class Migration20261203053000_startup_digest extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table if not exists startup_layer (
  layer varchar(8) primary key,
  digest varchar(64) not null,
  deployments integer not null,
  recorded_at timestamptz not null
);`);
  }
}
