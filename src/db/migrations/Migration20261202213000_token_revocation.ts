import { Migration } from '@mikro-orm/migrations';

/**
 * Token revocation (issue 11, item 4): a per-user token generation (raising it
 * revokes every token of the user: password change, deactivation) and the
 * revoked token ids (logout) until they expire. The JWT secret leaves the
 * database: signing keys live in the data directory or the environment.
 */
export class Migration20261202213000_token_revocation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table app_user add column if not exists token_generation integer not null default 0;
create table if not exists revoked_token (
  jti varchar(64) primary key,
  user_id uuid not null,
  expires_at timestamptz not null
);
create index if not exists revoked_token_expires_at_idx on revoked_token (expires_at);
delete from app_setting where key = 'jwt_secret';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists revoked_token; alter table app_user drop column if exists token_generation;`);
  }
}
