import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-in with SPID/CIE through OpenID Connect (issue 11, item 5): a user is
 * found by the codice fiscale the provider asserts, so users get one (unique
 * when set; service accounts and development users have none).
 */
export class Migration20261203050000_oidc extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table app_user add column if not exists codice_fiscale varchar(16) null;
create unique index if not exists app_user_codice_fiscale_idx on app_user (codice_fiscale) where codice_fiscale is not null;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists app_user_codice_fiscale_idx; alter table app_user drop column if exists codice_fiscale;`);
  }
}
