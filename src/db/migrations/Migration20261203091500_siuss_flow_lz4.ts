import { Migration } from '@mikro-orm/migrations';

/**
 * SIUSS flows store their XML (megabytes each) compressed by TOAST: with lz4
 * instead of the default pglz it compresses about as well for a fraction of
 * the CPU, which flow generation pays once per flow (and reading a flow back
 * once per download). Servers built without lz4 (PGlite) keep pglz; flows
 * stored before keep the compression they were written with.
 */
export class Migration20261203091500_siuss_flow_lz4 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`do $$ begin
  alter table siuss_flow alter column xml set compression lz4;
exception when feature_not_supported then null;
end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table siuss_flow alter column xml set compression default;');
  }
}
