/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise embedded
 * PGlite under DATA_DIR (or in memory for tests), and applies the committed
 * migrations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from './entities/index.js';
import { Migration20261127000000_core } from './migrations/Migration20261127000000_core.js';
import { Migration20261127010000_parameters } from './migrations/Migration20261127010000_parameters.js';
import { Migration20261127030000_time } from './migrations/Migration20261127030000_time.js';
import { Migration20261127020000_forms } from './migrations/Migration20261127020000_forms.js';
import { Migration20261128070000_documents } from './migrations/Migration20261128070000_documents.js';
import { Migration20261128064000_decisions } from './migrations/Migration20261128064000_decisions.js';
import { Migration20261128050000_subjects } from './migrations/Migration20261128050000_subjects.js';
import { Migration20261202211500_resource_origin } from './migrations/Migration20261202211500_resource_origin.js';
import { Migration20261202221000_office } from './migrations/Migration20261202221000_office.js';
import { Migration20261202213000_token_revocation } from './migrations/Migration20261202213000_token_revocation.js';
import { Migration20261202210000_web } from './migrations/Migration20261202210000_web.js';
import { Migration20261202230537_audit } from './migrations/Migration20261202230537_audit.js';
import { Migration20261203050000_oidc } from './migrations/Migration20261203050000_oidc.js';
import { Migration20261203050500_dmn_tck } from './migrations/Migration20261203050500_dmn_tck.js';
import { Migration20261203051000_siuss_core } from './migrations/Migration20261203051000_siuss_core.js';
import { Migration20261203051500_siuss_io } from './migrations/Migration20261203051500_siuss_io.js';
import { Migration20261203054500_siuss_perf } from './migrations/Migration20261203054500_siuss_perf.js';
import { Migration20261203051000_sla_dashboard } from './migrations/Migration20261203051000_sla_dashboard.js';
import { Migration20261203053000_startup_digest } from './migrations/Migration20261203053000_startup_digest.js';
import { Migration20261203060000_sla_agg } from './migrations/Migration20261203060000_sla_agg.js';
import { Migration20261203060000_metro_data_inbox } from './migrations/Migration20261203060000_metro_data_inbox.js';
import { Migration20261203080000_steps_timers_job } from './migrations/Migration20261203080000_steps_timers_job.js';
import { Migration20261203091000_job_acquire_in_tx } from './migrations/Migration20261203091000_job_acquire_in_tx.js';
import { Migration20261203092000_instance_state_json } from './migrations/Migration20261203092000_instance_state_json.js';

export type Orm = MikroORM;

export interface DatabaseOptions {
  /** postgres://… ; null selects PGlite. */
  url: string | null;
  /** PGlite data directory; 'memory://' for an in-memory database. */
  dataDir: string;
  debug?: boolean;
  poolMax?: number;
}

const migrationsList = [
  { name: 'Migration20261127000000_core', class: Migration20261127000000_core },
  { name: 'Migration20261127010000_parameters', class: Migration20261127010000_parameters },
  { name: 'Migration20261127020000_forms', class: Migration20261127020000_forms },
  { name: 'Migration20261127030000_time', class: Migration20261127030000_time },
  { name: 'Migration20261128070000_documents', class: Migration20261128070000_documents },
  { name: 'Migration20261128064000_decisions', class: Migration20261128064000_decisions },
  { name: 'Migration20261128050000_subjects', class: Migration20261128050000_subjects },
  { name: 'Migration20261202211500_resource_origin', class: Migration20261202211500_resource_origin },
  { name: 'Migration20261202221000_office', class: Migration20261202221000_office },
  { name: 'Migration20261202213000_token_revocation', class: Migration20261202213000_token_revocation },
  { name: 'Migration20261202210000_web', class: Migration20261202210000_web },
  { name: 'Migration20261202230537_audit', class: Migration20261202230537_audit },
  { name: 'Migration20261203050000_oidc', class: Migration20261203050000_oidc },
  { name: 'Migration20261203050500_dmn_tck', class: Migration20261203050500_dmn_tck },
  { name: 'Migration20261203051000_siuss_core', class: Migration20261203051000_siuss_core },
  { name: 'Migration20261203051500_siuss_io', class: Migration20261203051500_siuss_io },
  { name: 'Migration20261203051000_sla_dashboard', class: Migration20261203051000_sla_dashboard },
  { name: 'Migration20261203053000_startup_digest', class: Migration20261203053000_startup_digest },
  { name: 'Migration20261203054500_siuss_perf', class: Migration20261203054500_siuss_perf },
  { name: 'Migration20261203060000_sla_agg', class: Migration20261203060000_sla_agg },
  { name: 'Migration20261203060000_metro_data_inbox', class: Migration20261203060000_metro_data_inbox },
  { name: 'Migration20261203080000_steps_timers_job', class: Migration20261203080000_steps_timers_job },
  { name: 'Migration20261203091000_job_acquire_in_tx', class: Migration20261203091000_job_acquire_in_tx },
  { name: 'Migration20261203092000_instance_state_json', class: Migration20261203092000_instance_state_json },
];

export async function openDatabase(opts: DatabaseOptions): Promise<Orm> {
  const common: Partial<Options> = {
    entities: allEntities,
    debug: opts.debug ?? false,
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator],
    logger: () => undefined,
    migrations: { silent: true, migrationsList, transactional: true, allOrNothing: true, tableName: 'mikro_orm_migrations' },
    allowGlobalContext: false,
    forceUtcTimezone: true,
  };
  let orm: MikroORM;
  if (opts.url) {
    orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: opts.url, pool: { min: 0, max: opts.poolMax ?? 10 } } as Options);
  } else {
    const dir = pgliteDir(opts.dataDir);
    if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
    // Loaded only for the embedded database: a PostgreSQL server never pays for the WASM build.
    const [{ PGlite }, { PGliteDriver }] = await Promise.all([import('@electric-sql/pglite'), import('mikro-orm-pglite')]);
    const pglite = new PGlite(dir);
    orm = await MikroORM.init({ ...common, driver: PGliteDriver, dbName: 'postgres', driverOptions: { connection: { pglite: () => pglite } } } as Options);
    const close = orm.close.bind(orm);
    orm.close = async (force?: boolean) => {
      await close(force);
      await pglite.close();
    };
  }
  await orm.getMigrator().up();
  return orm;
}

export async function databaseStatus(orm: Orm): Promise<{ ok: boolean; driver: string; error?: string }> {
  const driver = orm.config.get('driver')?.name ?? 'unknown';
  try {
    await orm.em.fork().getConnection().execute('select 1');
    return { ok: true, driver: driver.includes('PGlite') ? 'pglite' : 'postgresql' };
  } catch (err) {
    return { ok: false, driver, error: (err as Error).message };
  }
}

/**
 * Where PGlite keeps its cluster: DATA_DIR/pglite, so that DATA_DIR can hold other
 * files too (the token signing key in DATA_DIR/keys). A DATA_DIR that already is a
 * cluster (PG_VERSION at its top, the earlier layout) is used as it is.
 */
export function pgliteDir(dataDir: string): string {
  if (dataDir.startsWith('memory://') || fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return dataDir;
  return path.join(dataDir, 'pglite');
}
