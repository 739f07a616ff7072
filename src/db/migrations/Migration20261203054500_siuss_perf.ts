import { Migration } from '@mikro-orm/migrations';

/**
 * SIUSS flow generation reads the comune's `pronto` records in pages ordered
 * by beneficiary (keyset on codice fiscale, id): this partial index serves
 * each page as an index range, so a million records are read in a million
 * index steps rather than re-sorted for every page.
 */
export class Migration20261203054500_siuss_perf extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index if not exists siuss_record_pronto_page on siuss_record (tenant, tipo, (coalesce(codice_fiscale, '')), id) where status = 'pronto';`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists siuss_record_pronto_page;');
  }
}
