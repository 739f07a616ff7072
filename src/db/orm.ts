/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise embedded
 * PGlite under DATA_DIR (or in memory for tests), and applies the committed
 * migrations.
 */
import fs from 'node:fs';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { allEntities } from './entities/index.js';
import { lockPgliteDir, pgliteDir, takeEarlyPglite, unlockPgliteDir } from './pglite-early.js';
export { pgliteDir } from './pglite-early.js';

/**
 * Settings of every PostgreSQL session the product opens. JIT off: the product's statements are short or read
 * pre-aggregated rows, and LLVM compilation (≈ 85 ms on the SLA summary at metropolitan volume, a third of it)
 * costs more than it saves; PostgreSQL turns it on by default for any plan above jit_above_cost.
 */
export const PG_SESSION_OPTIONS = '-c jit=off';

export type Orm = MikroORM;

export interface DatabaseOptions {
  /** postgres://… ; null selects PGlite. */
  url: string | null;
  /** PGlite data directory; 'memory://' for an in-memory database. */
  dataDir: string;
  debug?: boolean;
  poolMax?: number;
}

/**
 * The committed migrations, in order: name and module. The modules (and @mikro-orm/migrations, with umzug and its
 * command-line dependencies) are imported only when one of them is not applied yet, so a restart on an
 * up-to-date database pays one query for them.
 */
const MIGRATIONS: ReadonlyArray<readonly [string, () => Promise<Record<string, unknown>>]> = [
  ['Migration20261127000000_core', () => import('./migrations/Migration20261127000000_core.js')],
  ['Migration20261127010000_parameters', () => import('./migrations/Migration20261127010000_parameters.js')],
  ['Migration20261127020000_forms', () => import('./migrations/Migration20261127020000_forms.js')],
  ['Migration20261127030000_time', () => import('./migrations/Migration20261127030000_time.js')],
  ['Migration20261128070000_documents', () => import('./migrations/Migration20261128070000_documents.js')],
  ['Migration20261128064000_decisions', () => import('./migrations/Migration20261128064000_decisions.js')],
  ['Migration20261128050000_subjects', () => import('./migrations/Migration20261128050000_subjects.js')],
  ['Migration20261202211500_resource_origin', () => import('./migrations/Migration20261202211500_resource_origin.js')],
  ['Migration20261202221000_office', () => import('./migrations/Migration20261202221000_office.js')],
  ['Migration20261202213000_token_revocation', () => import('./migrations/Migration20261202213000_token_revocation.js')],
  ['Migration20261202210000_web', () => import('./migrations/Migration20261202210000_web.js')],
  ['Migration20261202230537_audit', () => import('./migrations/Migration20261202230537_audit.js')],
  ['Migration20261203050000_oidc', () => import('./migrations/Migration20261203050000_oidc.js')],
  ['Migration20261203050500_dmn_tck', () => import('./migrations/Migration20261203050500_dmn_tck.js')],
  ['Migration20261203051000_siuss_core', () => import('./migrations/Migration20261203051000_siuss_core.js')],
  ['Migration20261203051500_siuss_io', () => import('./migrations/Migration20261203051500_siuss_io.js')],
  ['Migration20261203051000_sla_dashboard', () => import('./migrations/Migration20261203051000_sla_dashboard.js')],
  ['Migration20261203053000_startup_digest', () => import('./migrations/Migration20261203053000_startup_digest.js')],
  ['Migration20261203054500_siuss_perf', () => import('./migrations/Migration20261203054500_siuss_perf.js')],
  ['Migration20261203060000_sla_agg', () => import('./migrations/Migration20261203060000_sla_agg.js')],
  ['Migration20261203060000_metro_data_inbox', () => import('./migrations/Migration20261203060000_metro_data_inbox.js')],
  ['Migration20261203080000_steps_timers_job', () => import('./migrations/Migration20261203080000_steps_timers_job.js')],
  ['Migration20261203091000_job_acquire_in_tx', () => import('./migrations/Migration20261203091000_job_acquire_in_tx.js')],
  ['Migration20261203091500_siuss_flow_lz4', () => import('./migrations/Migration20261203091500_siuss_flow_lz4.js')],
  ['Migration20261203092000_instance_state_json', () => import('./migrations/Migration20261203092000_instance_state_json.js')],
  ['Migration20261203160000_sla_open_counts', () => import('./migrations/Migration20261203160000_sla_open_counts.js')],
];

export async function openDatabase(opts: DatabaseOptions): Promise<Orm> {
  const common: Partial<Options> = {
    entities: allEntities,
    debug: opts.debug ?? false,
    discovery: { warnWhenNoEntities: true },
    logger: () => undefined,
    migrations: { silent: true, transactional: true, allOrNothing: true, tableName: MIGRATIONS_TABLE },
    allowGlobalContext: false,
    forceUtcTimezone: true,
  };
  let orm: MikroORM;
  if (opts.url) {
    orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: opts.url, pool: { min: 0, max: opts.poolMax ?? 10 }, driverOptions: { connection: { options: PG_SESSION_OPTIONS } } } as Options);
  } else {
    const dir = pgliteDir(opts.dataDir);
    lockPgliteDir(dir);
    if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
    // Loaded only for the embedded database: a PostgreSQL server never pays for the WASM build.
    const opened = takeEarlyPglite(dir);
    const [{ PGlite }, { PGliteDriver }] = await Promise.all([import('@electric-sql/pglite'), import('mikro-orm-pglite')]);
    let pglite: InstanceType<typeof PGlite>;
    try {
      pglite = opened ? await opened : new PGlite(dir);
      orm = await MikroORM.init({ ...common, driver: PGliteDriver, dbName: 'postgres', driverOptions: { connection: { pglite: () => pglite } } } as Options);
    } catch (err) {
      unlockPgliteDir(dir);
      throw err;
    }
    const close = orm.close.bind(orm);
    orm.close = async (force?: boolean) => {
      await close(force);
      await pglite.close();
      unlockPgliteDir(dir);
    };
  }
  await migrate(orm);
  return orm;
}

const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** Applies the migrations not applied yet (none: one query, nothing imported). */
async function migrate(orm: MikroORM): Promise<void> {
  const conn = orm.em.fork().getConnection();
  const [table] = (await conn.execute(`select to_regclass('public.${MIGRATIONS_TABLE}') is not null as present`)) as Array<{ present: boolean }>;
  if (table?.present) {
    const applied = new Set(((await conn.execute(`select name from ${MIGRATIONS_TABLE}`)) as Array<{ name: string }>).map((r) => r.name));
    if (MIGRATIONS.every(([name]) => applied.has(name))) return;
  }
  const [{ Migrator }, ...modules] = await Promise.all([import('@mikro-orm/migrations'), ...MIGRATIONS.map(([, load]) => load())]);
  const migrationsList = MIGRATIONS.map(([name], i) => ({ name, class: modules[i]![name] as new (...args: never[]) => unknown }));
  orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList } as NonNullable<Options['migrations']>);
  await new Migrator(orm.em as unknown as EntityManager).up();
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
