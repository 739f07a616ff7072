/**
 * The database the benchmarks run on, opened once by bench/index.ts:
 * - DATABASE_URL when set (used as is, nothing dropped);
 * - else a dedicated database rei_bench_<pid> on the local PostgreSQL
 *   (postgres://postgres@127.0.0.1:5432/postgres), dropped at the end;
 * - else, when PostgreSQL is unreachable, in-memory PGlite (said in the output).
 * It offers the product's ORM (migrated) and a plain SQL client for the naive
 * reference loops: a `pg` Pool on PostgreSQL; on PGlite, the ORM's own
 * single-connection pool, since PGlite has one session and a second client
 * would run inside the ORM's open transactions.
 */
import pg from 'pg';
import { openDatabase, PG_SESSION_OPTIONS, type Orm } from '../src/db/orm.js';

const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Minimal SQL access for the naive loops: `?` placeholders, rows back. */
export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export interface BenchDatabase {
  kind: 'postgresql' | 'pglite';
  /** Human-readable description for the report header. */
  description: string;
  /** Connection string of the PostgreSQL database (null for PGlite). */
  url: string | null;
  orm: Orm;
  sql: SqlClient;
  close(): Promise<void>;
}

export async function openBenchDatabase(opts: { poolMax: number }): Promise<BenchDatabase> {
  const envUrl = process.env.DATABASE_URL?.trim();
  if (envUrl) return openPostgres(envUrl, `PostgreSQL (DATABASE_URL, ${redact(envUrl)})`, opts.poolMax, null);

  const dbName = `rei_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: LOCAL_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`create database ${dbName}`);
  } catch (err) {
    await admin.end().catch(() => undefined);
    console.log(`PostgreSQL unreachable at ${LOCAL_ADMIN_URL} (${(err as Error).message}): falling back to in-memory PGlite.`);
    return openPglite();
  }
  await admin.end();
  const url = new URL(LOCAL_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dropDatabase = async () => {
    const c = new pg.Client({ connectionString: LOCAL_ADMIN_URL });
    await c.connect();
    try {
      await c.query(`drop database if exists ${dbName} with (force)`);
    } finally {
      await c.end();
    }
  };
  try {
    return await openPostgres(url.toString(), `PostgreSQL (dedicated database ${dbName}, dropped at the end)`, opts.poolMax, dropDatabase);
  } catch (err) {
    await dropDatabase().catch(() => undefined);
    throw err;
  }
}

async function openPostgres(url: string, description: string, poolMax: number, drop: (() => Promise<void>) | null): Promise<BenchDatabase> {
  const orm = await openDatabase({ url, dataDir: 'memory://', poolMax });
  // The product's session settings (PG_SESSION_OPTIONS: JIT off), so bare SQL and product run alike.
  const pool = new pg.Pool({ connectionString: url, max: poolMax, options: PG_SESSION_OPTIONS });
  return {
    kind: 'postgresql',
    description,
    url,
    orm,
    sql: {
      async query<R>(sql: string, params: unknown[] = []) {
        let n = 0;
        return (await pool.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as R[];
      },
    },
    async close() {
      await pool.end();
      await orm.close(true);
      await drop?.();
    },
  };
}

async function openPglite(): Promise<BenchDatabase> {
  const orm = await openDatabase({ url: null, dataDir: 'memory://' });
  const connection = orm.em.fork().getConnection();
  return {
    kind: 'pglite',
    url: null,
    description: 'PGlite in memory (PostgreSQL unreachable; naive loop shares the ORM connection instead of a pg Pool)',
    orm,
    sql: {
      async query<R>(sql: string, params: unknown[] = []) {
        return (await connection.execute(sql, params, 'all')) as R[];
      },
    },
    close: () => orm.close(true),
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
