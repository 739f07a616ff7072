/**
 * The rows every command touches — the process instance, its user tasks and
 * the history — read and written with hand-written SQL on the transaction's
 * own connection instead of through MikroORM's unit of work, which costs more
 * per step (change sets, identity map, hydration, one statement per table)
 * than the engine itself. Everything else an EngineTx does stays on the ORM.
 *
 * Same guarantees as the unit of work it replaces:
 * - one identity per row and transaction (loading a task twice, or finding a
 *   created task among the open ones, gives the same object);
 * - changes to loaded rows are found by comparing with a snapshot taken at
 *   load time and written on commit, with the `version` column checked
 *   (`where id = … and version = …`): a row changed by another transaction in
 *   the meantime makes the commit fail with 409 CONCURRENT_MODIFICATION;
 * - new rows are inserted on commit with their final values.
 * Reads: a completion's task row-locked together with its instance and the
 * instance's open tasks, in one statement. All the writes of a commit go in
 * ONE statement (data-modifying CTEs over one jsonb parameter, only the parts
 * the commit has); on PostgreSQL every statement is a named prepared
 * statement, parsed and planned once per connection (PGlite runs the same
 * text). The column lists come from the entity metadata, so a property added
 * to an entity is read and written here too.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, EntityProperty } from '@mikro-orm/core';
import { ConflictError } from '../shared/errors.js';
import type { InstanceRecord, JobRecord, TaskRecord, TenantScope } from '../engine/store.js';
import { HistoryEvent, Job, ProcessInstance, Task } from './entities/index.js';

type Row = Record<string, unknown>;

/** The 409 of a lost optimistic race, whoever detects it. */
export function concurrentModification(): ConflictError {
  return new ConflictError('Il caso è stato modificato da un\'altra operazione nel frattempo: ricaricare e riprovare', 'CONCURRENT_MODIFICATION');
}

// ------------------------------------------------------------------ columns

type Kind = 'scalar' | 'date' | 'json' | 'array';

interface Column {
  prop: string;
  field: string;
  /** Type in a jsonb_to_recordset column list (strings as text: the target column enforces its own length). */
  recordType: string;
  kind: Kind;
  primary: boolean;
  version: boolean;
  /** Filled by the database (bigserial): never inserted. */
  generated: boolean;
  /**
   * A `json` (not `jsonb`) column, e.g. the engine state: its values travel in
   * the write's second parameter (a json array; the row holds the index), so
   * the server stores their text as is instead of building and printing jsonb.
   */
  sideJson: boolean;
}

interface Table {
  name: string;
  columns: Column[];
  /** `"a", "b"::text as "b", …` for selects: json columns come as their text (see fromRow). */
  selectList: string;
}

/** The select list of a table qualified by `alias`, each column named `prefix` + its name. */
function selectListOf(t: Table, alias: string, prefix = ''): string {
  return t.columns.map((c) => `${alias}."${c.field}"${c.kind === 'json' ? '::text' : ''} as "${prefix}${c.field}"`).join(', ');
}

const tables = new Map<string, Table>();

function tableOf(em: EntityManager, cls: { name: string }): Table {
  let table = tables.get(cls.name);
  if (!table) {
    const meta = em.getMetadata().get(cls.name);
    const columns = meta.props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false).map(columnOf);
    const selectList = columns.map((c) => (c.kind === 'json' ? `"${c.field}"::text as "${c.field}"` : `"${c.field}"`)).join(', ');
    table = { name: meta.tableName, columns, selectList };
    tables.set(cls.name, table);
  }
  return table;
}

function columnOf(p: EntityProperty): Column {
  const columnType = (p.columnTypes?.[0] ?? 'text').toLowerCase();
  const typeName = p.customType?.constructor.name ?? '';
  const kind: Kind = p.runtimeType === 'Date' ? 'date' : typeName === 'JsonType' ? 'json' : typeName === 'ArrayType' ? 'array' : 'scalar';
  const generated = columnType.includes('serial');
  const recordType = /^(varchar|character varying|char|character)\b/.test(columnType) ? 'text' : columnType;
  const sideJson = kind === 'json' && columnType === 'json';
  return { prop: p.name, field: p.fieldNames[0]!, recordType: sideJson ? 'int' : recordType, kind, primary: !!p.primary, version: !!p.version, generated, sideJson };
}

const toDate = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(v as string));

/**
 * A record from a selected row, and its snapshot. Json columns arrive as text
 * and are parsed here; the snapshot keeps that text, so nothing is serialized
 * at load time (commands replace the large json values, never mutate them).
 */
function fromRow<T>(table: Table, cls: new () => T, row: Row): { rec: T; snapshot: Snapshot } {
  const rec = new cls() as Row;
  const images: unknown[] = [];
  const refs: unknown[] = [];
  for (const c of table.columns) {
    const raw = row[c.field];
    const v = raw == null ? null : c.kind === 'date' ? toDate(raw) : c.kind === 'json' && typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
    rec[c.prop] = v;
    refs.push(v);
    images.push(c.kind === 'json' ? (raw == null ? null : typeof raw === 'string' ? raw : JSON.stringify(raw)) : image(c.kind, v));
  }
  return { rec: rec as T, snapshot: { images, refs } };
}

/**
 * An entity's plain record from a row selected with its columns (`t.*`): read-only lists that do not go through the
 * EntityManager (no identity map, no change tracking — a page of tasks maps in microseconds instead of a millisecond).
 */
export function recordFromRow<T>(em: EntityManager, cls: new () => T, row: Row): T {
  return fromRow(tableOf(em, cls), cls, row).rec;
}

/** A comparable image of a value: dates by time, arrays by their text. */
function image(kind: Kind, v: unknown): unknown {
  if (v == null) return null;
  if (kind === 'date') return v instanceof Date ? v.getTime() : String(v);
  if (kind === 'array' || kind === 'json') return JSON.stringify(v);
  return v;
}

/**
 * Per column: the image of the loaded value (json: the text read from the
 * database), plus the loaded value itself.
 */
interface Snapshot {
  images: unknown[];
  refs: unknown[];
}

function changed(table: Table, rec: Row, snap: Snapshot): boolean {
  return table.columns.some((c, i) => {
    if (c.version) return false;
    const v = rec[c.prop];
    const loaded = snap.refs[i];
    if (c.kind !== 'json') return !Object.is(image(c.kind, v), snap.images[i]);
    // A replaced json value is changed; the same object may have been mutated in place.
    if (v !== loaded) return true;
    return v != null && JSON.stringify(v) !== JSON.stringify(JSON.parse(snap.images[i] as string));
  });
}

/**
 * The row as JSON-ready values by column name (dates become ISO text in JSON);
 * a `json` column's value goes to `side` and the row holds its index there.
 */
function toRow(table: Table, rec: Row, overrides: Row = {}, side?: unknown[]): Row {
  const row: Row = {};
  for (const c of table.columns) {
    if (c.generated) continue;
    let v = c.field in overrides ? overrides[c.field] : rec[c.prop];
    if (v === undefined) v = null;
    if (c.sideJson && v !== null) {
      if (!side) throw new Error(`engine-rows: colonna json ${table.name}.${c.field} fuori dalla scrittura`);
      side.push(v);
      v = side.length - 1;
    }
    row[c.field] = v;
  }
  return row;
}

// ------------------------------------------------------------------ statements

interface Statement {
  /** Prepared-statement name on PostgreSQL (derived from the text, so a different text never reuses a name). */
  name: string;
  text: string;
}

const statement = (text: string): Statement => ({ name: `rei_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text });

interface Statements {
  instanceById: Statement;
  taskForUpdate: Statement;
  taskForUpdateWithInstance: Statement;
  openTasks: Statement;
  latestDefinition: Statement;
  parameterOverride: Statement;
  /** Row-locks the instance of a job (the first statement of a job's transaction). */
  lockJobInstance: Statement;
  /** A job still held by this worker, row-locked, with its instance, the instance's open tasks and jobs, and its comune's calendar. */
  jobForUpdate: Statement;
  /** The next due job, row-locked with its instance (both SKIP LOCKED), read as jobForUpdate reads it: a job's transaction acquires its job. */
  acquireJob: Statement;
  /** A job this transaction already holds, read again in a fresh snapshot (acquireJob's snapshot predates its instance lock). */
  heldJob: Statement;
  instanceJobs: Statement;
  tenantCalendar: Statement;
  deleteJobs: Statement;
  /** The write of a commit with these parts (e.g. `ii,it,ih` for a start), one statement per combination. */
  write(parts: WritePart[]): Statement;
}

/**
 * Parts of a commit: instances inserted/updated, tasks updated/inserted, history inserted, jobs
 * inserted/updated/deleted, and `dd`: the saved form drafts of the tasks this commit closes (a closed
 * task's draft is of no use; deleted in the same statement instead of one more round trip).
 */
type WritePart = 'ii' | 'ui' | 'ut' | 'it' | 'ih' | 'ij' | 'uj' | 'dj' | 'dd';

let cachedStatements: Statements | null = null;
const OPEN_TASKS = 'open_tasks$';
const INSTANCE_JOBS = 'jobs$';
const CALENDAR = 'calendar$';
const INSTANCE_PREFIX = 'instance$';
const LOCKED_VERSION = 'locked_version$';

function statementsFor(em: EntityManager): Statements {
  if (cachedStatements) return cachedStatements;
  const instance = tableOf(em, ProcessInstance);
  const task = tableOf(em, Task);
  const history = tableOf(em, HistoryEvent);
  const job = tableOf(em, Job);
  const writes = new Map<string, Statement>();
  const openTasksOf = (alias: string) =>
    `(select json_agg(o) from (select ${task.selectList} from "${task.name}" where instance_id = ${alias}.id and status = 'open') o) as "${OPEN_TASKS}"`;
  const recordDef = (t: Table) =>
    t.columns
      .filter((c) => !c.generated)
      .map((c) => `"${c.field}" ${c.recordType}`)
      .join(', ');
  // A json column's value: its index in the side array (d.s), taken as json text.
  const valueOf = (c: Column) => (c.sideJson ? `d.s -> x."${c.field}"` : `x."${c.field}"`);
  const insertPart = (alias: string, t: Table) => {
    const inserted = t.columns.filter((c) => !c.generated);
    const cols = inserted.map((c) => `"${c.field}"`);
    return `${alias} as (insert into "${t.name}" (${cols.join(', ')}) select ${inserted.map(valueOf).join(', ')} from d, rows from (jsonb_to_recordset(d.j->'${alias}') as (${recordDef(t)})) with ordinality as x(${cols.join(', ')}, n) order by x.n)`;
  };
  // `key = any(ids)` lets the planner find the rows by primary key instead of
  // joining the whole table. The ids come from the same parameter (an
  // InitPlan), not a separate one: with nothing for a custom plan to know
  // better, the server keeps one generic plan for the statement instead of
  // planning it again at every execution.
  const updatePart = (alias: string, t: Table) => {
    const key = t.columns.find((c) => c.primary)!;
    const version = t.columns.find((c) => c.version)!;
    const set = t.columns.filter((c) => !c.primary && !c.version && !c.generated).map((c) => `"${c.field}" = ${valueOf(c)}`);
    set.push(`"${version.field}" = t."${version.field}" + 1`);
    return `${alias} as (update "${t.name}" t set ${set.join(', ')} from d, jsonb_to_recordset(d.j->'${alias}') as x(${recordDef(t)}) where t."${key.field}" = any(array(select (e->>'${key.field}')::${key.recordType} from d, jsonb_array_elements(d.j->'${alias}') e)) and t."${key.field}" = x."${key.field}" and t."${version.field}" = x."${version.field}" returning 1)`;
  };
  // Jobs have no version column: they change only under their instance's row lock (job executor) or with the instance's version check (commands).
  const updateJobs = () => {
    const set = job.columns.filter((c) => !c.primary && !c.generated).map((c) => `"${c.field}" = x."${c.field}"`);
    return `uj as (update "${job.name}" t set ${set.join(', ')} from d, jsonb_to_recordset(d.j->'uj') as x(${recordDef(job)}) where t.id = any(array(select (e->>'id')::uuid from d, jsonb_array_elements(d.j->'uj') e)) and t.id = x.id returning 1)`;
  };
  const uuidsOf = (part: string) => `array(select (e#>>'{}')::uuid from d, jsonb_array_elements(d.j->'${part}') e)`;
  cachedStatements = {
    // With the instance, its open tasks (read in the same snapshot: a command needs both).
    instanceById: statement(`select ${selectListOf(instance, 'i')}, ${openTasksOf('i')} from "${instance.name}" i where i.id = $1 and ($2::text is null or i.tenant = $2)`),
    taskForUpdate: statement(`select ${task.selectList} from "${task.name}" where id = $1 and ($2::text is null or tenant = $2) for update`),
    // A completion: the task locked, with its instance and the instance's open tasks, in one round trip.
    taskForUpdateWithInstance: statement(
      `select ${selectListOf(task, 't')}, ${selectListOf(instance, 'i', INSTANCE_PREFIX)}, ${openTasksOf('i')} ` +
        `from "${task.name}" t left join "${instance.name}" i on i.id = t.instance_id and i.tenant = t.tenant ` +
        `where t.id = $1 and ($2::text is null or t.tenant = $2) for update of t`,
    ),
    openTasks: statement(`select ${task.selectList} from "${task.name}" where instance_id = $1 and status = 'open'`),
    // The comune's latest version, else the latest shared one; with it the
    // comune's latest parameter overrides for the key, which a start reads next.
    latestDefinition: statement(
      `select d.id, (select json_build_object('version', p.version, 'values', p.values) from parameter_set p where p.key = $1 and p.tenant = $2 order by p.version desc limit 1) as override ` +
        `from process_definition d where d.key = $1 and (d.tenant = $2 or d.tenant is null) order by d.tenant asc nulls last, d.version desc limit 1`,
    ),
    parameterOverride: statement(`select version, values from parameter_set where key = $1 and tenant = $2 order by version desc limit 1`),
    lockJobInstance: statement(`select id from "${instance.name}" where id = (select instance_id from "${job.name}" where id = $1) for update`),
    // Read after lockJobInstance, so in a snapshot taken once the instance is ours.
    jobForUpdate: statement(
      `select ${selectListOf(job, 'j')}, ${selectListOf(instance, 'i', INSTANCE_PREFIX)}, ${openTasksOf('i')}, ` +
        `(select json_agg(o) from (select ${job.selectList} from "${job.name}" where instance_id = i.id) o) as "${INSTANCE_JOBS}", ` +
        `(select calendar::text from tenant where code = j.tenant) as "${CALENDAR}" ` +
        `from "${job.name}" j left join "${instance.name}" i on i.id = j.instance_id ` +
        `where j.id = $1 and j.locked_by = $2 for update of j`,
    ),
    // The job's transaction acquires its job: no lease row update. The first due
    // job whose row AND whose instance's row are free is locked (SKIP LOCKED on
    // both: never waits, so never deadlocks with a command holding the instance;
    // a job whose case is busy waits for a later pick). Jobs of no instance
    // (timer starts, partial index job_due_no_instance) go first. The instance
    // and what it owns are read in the statement's snapshot, which predates
    // the lock: the version of the locked row is returned beside it, and a
    // difference means another transaction committed in between (the caller
    // then reads again with heldJob). Leases taken by `JobQueue.acquire` are
    // still respected.
    acquireJob: statement(
      `with s as materialized (select ${selectListOf(job, 'j')}, null::int as "${LOCKED_VERSION}" from "${job.name}" j ` +
        `where j.instance_id is null and j.due_at <= $1 and j.retries > 0 and (j.locked_until is null or j.locked_until < $1) ` +
        `order by j.due_at limit 1 for update skip locked), ` +
        `a as materialized (select ${selectListOf(job, 'j')}, i.version as "${LOCKED_VERSION}" from "${job.name}" j join "${instance.name}" i on i.id = j.instance_id ` +
        `where not exists (select 1 from s) and j.due_at <= $1 and j.retries > 0 and (j.locked_until is null or j.locked_until < $1) ` +
        `order by j.due_at limit 1 for update of j, i skip locked), ` +
        `x as (select * from s union all select * from a) ` +
        `select x.*, ${selectListOf(instance, 'i', INSTANCE_PREFIX)}, ${openTasksOf('i')}, ` +
        `(select json_agg(o) from (select ${job.selectList} from "${job.name}" where instance_id = i.id) o) as "${INSTANCE_JOBS}", ` +
        `(select calendar::text from tenant where code = x.tenant) as "${CALENDAR}" ` +
        `from x left join "${instance.name}" i on i.id = x.instance_id`,
    ),
    heldJob: statement(
      `select ${selectListOf(job, 'j')}, ${selectListOf(instance, 'i', INSTANCE_PREFIX)}, ${openTasksOf('i')}, ` +
        `(select json_agg(o) from (select ${job.selectList} from "${job.name}" where instance_id = i.id) o) as "${INSTANCE_JOBS}", ` +
        `(select calendar::text from tenant where code = j.tenant) as "${CALENDAR}" ` +
        `from "${job.name}" j left join "${instance.name}" i on i.id = j.instance_id where j.id = $1`,
    ),
    instanceJobs: statement(`select ${job.selectList} from "${job.name}" where instance_id = $1`),
    tenantCalendar: statement(`select calendar::text as calendar from tenant where code = $1`),
    deleteJobs: statement(`with d as (select $1::text::jsonb as j) delete from "${job.name}" where id = any(${uuidsOf('dj')})`),
    // Only the parts a commit has: an empty part still costs the server its executor set-up.
    write: (parts) => {
      const key = parts.join(',');
      let stmt = writes.get(key);
      if (!stmt) {
        const cte = {
          ii: insertPart('ii', instance),
          ui: updatePart('ui', instance),
          ut: updatePart('ut', task),
          it: insertPart('it', task),
          ih: insertPart('ih', history),
          ij: insertPart('ij', job),
          uj: updateJobs(),
          dj: `dj as (delete from "${job.name}" where id = any(${uuidsOf('dj')}) returning 1)`,
          dd: `dd as (delete from task_draft where task_id = any(${uuidsOf('dd')}) returning 1)`,
        };
        const count = (p: 'ui' | 'ut') => (parts.includes(p) ? `(select count(*) from ${p})::int` : '0');
        stmt = statement(`with d as (select $1::text::jsonb as j, $2::text::json as s), ${parts.map((p) => cte[p]).join(', ')} select ${count('ui')} as ui, ${count('ut')} as ut`);
        writes.set(key, stmt);
      }
      return stmt;
    },
  };
  return cachedStatements;
}

// ------------------------------------------------------------------ connection

interface Sql {
  run(stmt: Statement, values: unknown[]): Promise<Row[]>;
}

interface PgClientLike {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}
interface PgliteLike {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params: unknown[]): Promise<{ rows: Row[] }>;
}

/** The connection of the em's open transaction (knex keeps it on the transaction's client). */
async function transactionSql(em: EntityManager): Promise<Sql> {
  const trx = em.getTransactionContext<{ client?: { acquireConnection(): Promise<unknown> } } & object>();
  if (!trx?.client) throw new Error('engine-rows: nessuna transazione aperta');
  const conn = (await trx.client.acquireConnection()) as PgClientLike | PgliteLike;
  if ('exec' in conn && typeof conn.exec === 'function') {
    const pglite = conn as PgliteLike;
    return { run: async (stmt, values) => (await pglite.query(stmt.text, values)).rows };
  }
  const client = conn as PgClientLike;
  return { run: async (stmt, values) => (await client.query({ name: stmt.name, text: stmt.text, values })).rows };
}

// ------------------------------------------------------------------ rows of one transaction

interface Tracked<T> {
  rec: T;
  /** The version loaded (or 1 for a new row). */
  version: number;
  /** null for a row created in this transaction. */
  snapshot: Snapshot | null;
}

export interface ParameterOverride {
  version: number;
  values: Record<string, unknown>;
}

export class EngineRows {
  private sqlPromise: Promise<Sql> | null = null;
  private readonly instances = new Map<string, Tracked<ProcessInstance>>();
  private readonly tasks = new Map<string, Tracked<Task>>();
  private history: HistoryEvent[] = [];
  private readonly overrides = new Map<string, ParameterOverride | null>();
  /** Open task rows read with an instance, by instance id, until openTasks() takes them. */
  private readonly openTaskRows = new Map<string, Row[]>();
  /** Jobs loaded or created in this transaction, by id; `deleted` once removed. */
  private readonly jobs = new Map<string, Tracked<Job> & { deleted?: boolean }>();
  /** Instances whose stored jobs are all tracked (read with the job being run, or by instanceJobs). */
  private readonly jobsLoaded = new Set<string>();
  private readonly calendars = new Map<string, Record<string, unknown>>();

  constructor(private readonly em: EntityManager) {}

  private sql(): Promise<Sql> {
    return (this.sqlPromise ??= transactionSql(this.em));
  }

  private async query(pick: (s: Statements) => Statement, values: unknown[]): Promise<Row[]> {
    return (await this.sql()).run(pick(statementsFor(this.em)), values);
  }

  async instance(id: string, scope: TenantScope): Promise<InstanceRecord | null> {
    const known = this.instances.get(id);
    if (known) return !scope || known.rec.tenant === scope ? known.rec : null;
    const [row] = await this.query((s) => s.instanceById, [id, scope]);
    return row ? this.trackInstance(row) : null;
  }

  /**
   * The task row-locked (FOR UPDATE) even when already loaded: a concurrent
   * action on it waits for this transaction. `withInstance` reads the task's
   * instance and its open tasks in the same statement; after a wait for the
   * lock they are as they were when the statement started, and a change to
   * the instance meanwhile makes the commit fail its version check (409).
   */
  async lockTask(id: string, scope: TenantScope, withInstance = false): Promise<TaskRecord | null> {
    const [row] = await this.query((s) => (withInstance ? s.taskForUpdateWithInstance : s.taskForUpdate), [id, scope]);
    if (!row) return null;
    const task = this.trackTask(row);
    const instanceId = row[`${INSTANCE_PREFIX}id`] as string | null | undefined;
    if (withInstance && instanceId && !this.instances.has(instanceId)) {
      const instanceRow: Row = { [OPEN_TASKS]: row[OPEN_TASKS] };
      for (const c of tableOf(this.em, ProcessInstance).columns) instanceRow[c.field] = row[`${INSTANCE_PREFIX}${c.field}`];
      this.trackInstance(instanceRow);
    }
    return task;
  }

  /** Open tasks of the instance as this transaction sees them: stored rows, minus those closed here, plus those created here. */
  async openTasks(instanceId: string): Promise<TaskRecord[]> {
    // Read with the instance, in the same snapshot: another transaction that
    // creates or closes tasks of the instance also bumps its version, so the
    // version check at commit covers a stale read. An instance created in this
    // transaction has no stored rows yet.
    const isNew = this.instances.get(instanceId)?.snapshot === null;
    const prefetched = this.openTaskRows.get(instanceId);
    this.openTaskRows.delete(instanceId);
    const rows = isNew ? [] : (prefetched ?? (await this.query((s) => s.openTasks, [instanceId])));
    const found = new Set<Task>();
    for (const row of rows) found.add(this.trackTask(row));
    for (const t of this.tasks.values()) if (t.rec.instanceId === instanceId) found.add(t.rec);
    return [...found].filter((t) => t.status === 'open');
  }

  /** Id of the definition a start uses; also reads the comune's parameter overrides of the key (same transaction). */
  async latestDefinitionId(key: string, tenant: string): Promise<string | null> {
    const [row] = await this.query((s) => s.latestDefinition, [key, tenant]);
    if (!row) return null;
    const override = row.override as ParameterOverride | null;
    this.overrides.set(`${key}\u0000${tenant}`, override ? { version: override.version, values: override.values } : null);
    return row.id as string;
  }

  async parameterOverride(key: string, tenant: string): Promise<ParameterOverride | null> {
    const cacheKey = `${key}\u0000${tenant}`;
    if (this.overrides.has(cacheKey)) return this.overrides.get(cacheKey)!;
    const [row] = await this.query((s) => s.parameterOverride, [key, tenant]);
    const override = row ? { version: row.version as number, values: row.values as Record<string, unknown> } : null;
    this.overrides.set(cacheKey, override);
    return override;
  }

  /**
   * The job if this worker still holds it, row-locked; with it, in the same
   * snapshot (taken after lockJobInstance), its instance, the instance's open
   * tasks and jobs, and its comune's calendar: a job's command reads nothing else.
   */
  async lockedJob(id: string, workerId: string): Promise<JobRecord | null> {
    const [row] = await this.query((s) => s.jobForUpdate, [id, workerId]);
    return row ? this.adoptJobRow(row) : null;
  }

  /**
   * Acquires the next due job in this transaction (see the acquireJob
   * statement): locked with its instance until commit or rollback, read with
   * its instance, open tasks, jobs and calendar — in one round trip unless
   * another transaction changed the instance between the statement's
   * snapshot and the lock (then read again). null: nothing due is free.
   */
  async acquireJob(now: Date): Promise<JobRecord | null> {
    let [row] = await this.query((s) => s.acquireJob, [now]);
    if (!row) return null;
    const lockedVersion = row[LOCKED_VERSION];
    if (lockedVersion != null && Number(lockedVersion) !== Number(row[`${INSTANCE_PREFIX}version`])) {
      [row] = await this.query((s) => s.heldJob, [row.id]);
      if (!row) return null;
    }
    return this.adoptJobRow(row);
  }

  /** Tracks a job row read with its instance, open tasks, jobs and calendar (jobForUpdate, acquireJob, heldJob). */
  private adoptJobRow(row: Row): JobRecord {
    const job = this.trackJob(row);
    const instanceId = row[`${INSTANCE_PREFIX}id`] as string | null | undefined;
    if (instanceId && !this.instances.has(instanceId)) {
      const instanceRow: Row = { [OPEN_TASKS]: row[OPEN_TASKS] };
      for (const c of tableOf(this.em, ProcessInstance).columns) instanceRow[c.field] = row[`${INSTANCE_PREFIX}${c.field}`];
      this.trackInstance(instanceRow);
      for (const j of (row[INSTANCE_JOBS] as Row[] | null) ?? []) this.trackJob(j);
      this.jobsLoaded.add(instanceId);
    }
    // A job belongs to its case's comune.
    if (row[CALENDAR] != null) this.calendars.set(job.tenant, JSON.parse(row[CALENDAR] as string) as Record<string, unknown>);
    return job;
  }

  /** Row-locks the instance of a job (no row for a timer-start job): jobs of one case run one at a time. */
  async lockJobInstance(jobId: string): Promise<void> {
    await this.query((s) => s.lockJobInstance, [jobId]);
  }

  /** The instance's jobs as this transaction sees them, by due time. */
  async instanceJobs(instanceId: string): Promise<JobRecord[]> {
    const isNew = this.instances.get(instanceId)?.snapshot === null;
    if (!isNew && !this.jobsLoaded.has(instanceId)) {
      for (const row of await this.query((s) => s.instanceJobs, [instanceId])) this.trackJob(row);
      this.jobsLoaded.add(instanceId);
    }
    const out: Job[] = [];
    for (const t of this.jobs.values()) if (!t.deleted && t.rec.instanceId === instanceId) out.push(t.rec);
    return out.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  createJob(rec: JobRecord): JobRecord {
    const entity = Object.assign(new Job(), rec);
    this.jobs.set(entity.id, { rec: entity, version: 0, snapshot: null });
    return entity;
  }

  removeJob(rec: JobRecord): void {
    const t = this.jobs.get(rec.id);
    if (!t) throw new Error(`engine-rows: job ${rec.id} non caricato in questa transazione`);
    if (!t.snapshot) this.jobs.delete(rec.id);
    else t.deleted = true;
  }

  /** The comune's calendar settings (read with a job, else once per transaction). */
  async tenantCalendar(tenant: string): Promise<Record<string, unknown>> {
    let cal = this.calendars.get(tenant);
    if (!cal) {
      const [row] = await this.query((s) => s.tenantCalendar, [tenant]);
      cal = row?.calendar != null ? (JSON.parse(row.calendar as string) as Record<string, unknown>) : {};
      this.calendars.set(tenant, cal);
    }
    return cal;
  }

  createInstance(rec: InstanceRecord): InstanceRecord {
    const entity = Object.assign(new ProcessInstance(), rec);
    this.instances.set(entity.id, { rec: entity, version: entity.version, snapshot: null });
    return entity;
  }

  createTask(rec: TaskRecord): TaskRecord {
    const entity = Object.assign(new Task(), rec);
    this.tasks.set(entity.id, { rec: entity, version: 1, snapshot: null });
    return entity;
  }

  addHistory(rec: Partial<HistoryEvent> & Pick<HistoryEvent, 'tenant' | 'instanceId' | 'at' | 'type'>): void {
    this.history.push(Object.assign(new HistoryEvent(), rec));
  }

  /**
   * Writes what this transaction changed, in one statement, once, right before
   * the ORM flushes its own entities and commits. Throws 409 when a loaded instance or
   * task was changed by another transaction since it was read.
   */
  async flush(): Promise<void> {
    if (!this.instances.size && !this.tasks.size && !this.history.length && !this.jobs.size) return;
    const instanceTable = tableOf(this.em, ProcessInstance);
    const taskTable = tableOf(this.em, Task);
    const historyTable = tableOf(this.em, HistoryEvent);
    const ii: Row[] = [];
    const ui: Row[] = [];
    const it: Row[] = [];
    const ut: Row[] = [];
    const side: unknown[] = [];
    const dirtyInstances: Array<Tracked<ProcessInstance>> = [];
    const dirtyTasks: Array<Tracked<Task>> = [];
    const closedTasks: string[] = [];
    for (const t of this.instances.values()) {
      if (!t.snapshot) ii.push(toRow(instanceTable, t.rec as unknown as Row, {}, side));
      else if (changed(instanceTable, t.rec as unknown as Row, t.snapshot)) {
        ui.push(toRow(instanceTable, t.rec as unknown as Row, { version: t.version }, side));
        dirtyInstances.push(t);
      }
    }
    for (const t of this.tasks.values()) {
      if (!t.snapshot) it.push(toRow(taskTable, t.rec as unknown as Row, { version: 1 }));
      else if (changed(taskTable, t.rec as unknown as Row, t.snapshot)) {
        ut.push(toRow(taskTable, t.rec as unknown as Row, { version: t.version }));
        dirtyTasks.push(t);
        if (t.rec.status !== 'open') closedTasks.push(t.rec.id);
      }
    }
    const ih = this.history.map((h) => toRow(historyTable, h as unknown as Row));
    this.history = [];
    const jobTable = tableOf(this.em, Job);
    const ij: Row[] = [];
    const uj: Row[] = [];
    let dj: string[] = [];
    const jobKey = (instanceId: unknown, kind: unknown, executionId: unknown) => [instanceId, kind, executionId].map(String).join('\u0000');
    const deletedKeys = new Set<string>();
    for (const t of this.jobs.values()) {
      if (t.deleted) {
        dj.push(t.rec.id);
        deletedKeys.add(jobKey(t.rec.instanceId, t.rec.kind, t.rec.executionId));
      }
      else if (!t.snapshot) ij.push(toRow(jobTable, t.rec as unknown as Row));
      else if (changed(jobTable, t.rec as unknown as Row, t.snapshot)) uj.push(toRow(jobTable, t.rec as unknown as Row));
    }
    this.jobs.clear();
    this.jobsLoaded.clear();
    if (!ii.length && !ui.length && !it.length && !ut.length && !ih.length && !ij.length && !uj.length && !dj.length) return;
    // The parts of one statement run in no set order: a job replacing a deleted
    // one under the same (instance, kind, execution) key is inserted after the delete.
    if (dj.length && ij.some((r) => deletedKeys.has(jobKey(r.instance_id, r.kind, r.execution_id)))) {
      await this.query((s) => s.deleteJobs, [JSON.stringify({ dj })]);
      dj = [];
    }

    const payload: Partial<Record<WritePart, Row[]>> = {};
    if (ii.length) payload.ii = ii;
    if (ui.length) payload.ui = ui;
    if (ut.length) payload.ut = ut;
    if (it.length) payload.it = it;
    if (ih.length) payload.ih = ih;
    if (ij.length) payload.ij = ij;
    if (uj.length) payload.uj = uj;
    if (dj.length) payload.dj = dj as unknown as Row[];
    if (closedTasks.length) payload.dd = closedTasks as unknown as Row[];
    if (!Object.keys(payload).length) return;
    const [counts] = await this.query((s) => s.write(Object.keys(payload) as WritePart[]), [JSON.stringify(payload), JSON.stringify(side)]);
    if (Number(counts?.ui) !== ui.length || Number(counts?.ut) !== ut.length) throw concurrentModification();
    for (const t of dirtyInstances) t.rec.version = t.version + 1;
    for (const t of dirtyTasks) t.rec.version = t.version + 1;
    // Called once, when the transaction commits: the tracked rows are done with.
    this.instances.clear();
    this.tasks.clear();
  }

  private trackInstance(row: Row): ProcessInstance {
    const table = tableOf(this.em, ProcessInstance);
    const { rec, snapshot } = fromRow(table, ProcessInstance, row);
    this.openTaskRows.set(rec.id, (row[OPEN_TASKS] as Row[] | null) ?? []);
    this.instances.set(rec.id, { rec, version: rec.version, snapshot });
    return rec;
  }

  private trackJob(row: Row): Job {
    const known = this.jobs.get(row.id as string);
    if (known) return known.rec;
    const { rec, snapshot } = fromRow(tableOf(this.em, Job), Job, row);
    this.jobs.set(rec.id, { rec, version: 0, snapshot });
    return rec;
  }

  private trackTask(row: Row): Task {
    const known = this.tasks.get(row.id as string);
    if (known) return known.rec;
    const table = tableOf(this.em, Task);
    const { rec, snapshot } = fromRow(table, Task, row);
    this.tasks.set(rec.id, { rec, version: rec.version, snapshot });
    return rec;
  }
}
