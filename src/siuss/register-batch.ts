/**
 * Set-based upsert of many SIUSS records at once (imports): the same
 * outcome per row as SiussRegister.upsert applied row after row, with a
 * handful of statements per chunk instead of ~7 per row.
 *
 * 1. In memory, no database: each row is normalised, keyed and checked once
 *    (prepareInput); rows without a key, or with an invalid value, are
 *    refused here and store nothing.
 * 2. One transaction per chunk: the records with the chunk's natural keys
 *    are read and locked in one query (`= any(...)`), the peers the
 *    duplicate warnings need in another; the rows are then applied in file
 *    order on that in-memory state (a later row of the same key merges into
 *    what the earlier one wrote, as it would row by row); the new records
 *    are inserted, the merged ones updated and the history rows written with
 *    one multi-row statement each (`jsonb_to_recordset`, on PostgreSQL and
 *    PGlite alike); `within` (the import's report and progress) runs last in
 *    the same transaction.
 * 3. If the chunk fails anyway (a concurrent writer created one of its keys,
 *    a database error no check foresaw), it is rolled back whole and applied
 *    again row by row through SiussRegister.upsert, each row in its own
 *    transaction: only the row the database refuses is refused.
 */
import { randomUUID } from 'node:crypto';
import { checkRecord } from './check.js';
import {
  boundSqlOf,
  cfOf,
  codeOf,
  diff,
  duplicatesAmong,
  isUniqueViolation,
  naturalKey,
  prepareInput,
  sameData,
  stableJson,
  statusFor,
  toRecord,
  type PreparedInput,
  type Row,
  type SiussRegister,
  type Sql,
} from './register.service.js';
import { type FieldProblem, type NormalisationNote, type RecordData, type RecordStatus, type SiussOrigin, type SiussTipo } from './types.js';

/** One row's outcome in a batch (the record itself is not read back: its id and status are enough for a report). */
export type BatchRowResult =
  | { outcome: 'created' | 'merged' | 'unchanged'; recordId: string; status: RecordStatus; errors: FieldProblem[]; warnings: FieldProblem[]; notes: NormalisationNote[] }
  | { outcome: 'refused'; errors: FieldProblem[]; warnings: FieldProblem[]; notes: NormalisationNote[] };

export interface BatchOptions {
  refuseInvalid?: boolean;
  /** The rows already normalised and checked by prepareBatch (same order); else done here. */
  prepared?: PreparedInput[];
  /** Runs last inside the chunk's transaction (or in its own after a row-by-row fallback) with the results. */
  within?: (sql: Sql, results: BatchRowResult[]) => Promise<void>;
}

/** Rows normalised and checked between two yields to the event loop (≈ a few milliseconds of work). */
const PREPARE_SLICE = 64;

/**
 * Step 1 alone, for a pipeline: normalises and checks the rows in slices,
 * yielding to the event loop between them, so that the transaction of the
 * previous chunk keeps its statements flowing while this one is prepared.
 */
export async function prepareBatch(tipo: SiussTipo, rows: Array<Record<string, unknown>>, refuseInvalid: boolean): Promise<PreparedInput[]> {
  const prepared: PreparedInput[] = [];
  for (let i = 0; i < rows.length; i += PREPARE_SLICE) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const fields of rows.slice(i, i + PREPARE_SLICE)) prepared.push(prepareInput(tipo, fields, refuseInvalid));
  }
  return prepared;
}

/** What a record is while a chunk is applied to it. */
interface State {
  id: string;
  key: string;
  isNew: boolean;
  dirty: boolean;
  data: RecordData;
  status: RecordStatus;
  errors: FieldProblem[];
  warnings: FieldProblem[];
  acquired: RecordData | null;
  deleted: boolean;
  cancelled: boolean;
  version: number;
}

const json = (v: unknown) => JSON.stringify(v);
const pairOf = (data: RecordData) => `${cfOf(data) ?? ''}|${codeOf(data) ?? ''}`;

/**
 * Upserts the rows (in file order) into the comune's register, merging by
 * natural key (fields present in a row replace the stored ones). Returns one
 * result per row, in order; never half-writes a row. `rowByRow`: the
 * fallback path only (each row its own upsert), the reference the tests and
 * the benchmark compare the set-based path with.
 */
export async function upsertBatch(
  register: SiussRegister,
  tenant: string,
  tipo: SiussTipo,
  rows: Array<Record<string, unknown>>,
  origin: SiussOrigin,
  now: () => Date,
  opts: BatchOptions & { rowByRow?: boolean } = {},
): Promise<BatchRowResult[]> {
  const prepared = opts.prepared ?? rows.map((fields) => prepareInput(tipo, fields, opts.refuseInvalid ?? false));
  if (opts.rowByRow) return rowByRow(register, tenant, tipo, prepared, origin, opts);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await register.transaction((_sql, em) => applyChunk(boundSqlOf(em), tenant, tipo, prepared, origin, now(), opts));
    } catch (err) {
      // A concurrent writer created one of the keys: once more, the key is then merged into.
      if (attempt === 0 && isUniqueViolation(err)) continue;
      break;
    }
  }
  return rowByRow(register, tenant, tipo, prepared, origin, opts);
}

async function applyChunk(sql: Sql, tenant: string, tipo: SiussTipo, prepared: PreparedInput[], origin: SiussOrigin, at: Date, opts: BatchOptions): Promise<BatchRowResult[]> {
  const candidates = prepared.filter((p): p is Extract<PreparedInput, { refused: false }> => !p.refused);
  const byKey = new Map<string, State>();
  const byId = new Map<string, State>();
  const load = (row: Record<string, unknown>) => {
    const r = toRecord(row as unknown as Row);
    if (r.tipo !== tipo || byId.has(r.id)) return;
    const s: State = { id: r.id, key: r.naturalKey, isNew: false, dirty: false, data: r.data, status: r.status, errors: r.errors, warnings: r.warnings, acquired: r.acquired, deleted: r.deleted, cancelled: r.cancelled, version: r.version };
    byKey.set(s.key, s);
    byId.set(s.id, s);
  };
  // The lookups go through a lateral subquery per value (an index probe each, whatever the table's statistics say).
  // PS: by codice fiscale, which is part of the key, so the same query finds the records to merge into and the
  // peers of the duplicate warnings; SINBA (and a PS key without a usable codice fiscale): by natural key.
  const cfs = tipo === 'PS_PSA_SINA' ? [...new Set(candidates.map((c) => cfOf(c.data)).filter((cf): cf is string => !!cf))] : [];
  const keys = [...new Set(candidates.filter((c) => tipo !== 'PS_PSA_SINA' || !cfOf(c.data)).map((c) => c.key))];
  if (cfs.length) {
    const rows = await sql(`select r.* from jsonb_array_elements_text(?::jsonb) as k(cf), lateral (select * from siuss_record r where r.tenant = ? and r.codice_fiscale = k.cf offset 0) r for update of r`, [json(cfs), tenant]);
    rows.forEach(load);
  }
  if (keys.length) {
    const rows = await sql(`select r.* from jsonb_array_elements_text(?::jsonb) as k(key), lateral (select * from siuss_record r where r.tenant = ? and r.tipo = ? and r.natural_key = k.key offset 0) r for update of r`, [json(keys), tenant, tipo]);
    rows.forEach(load);
  }
  // Peers for the duplicate warnings (same beneficiary and benefit, not deleted), kept current as rows apply.
  // A PS record's pair never changes (codice fiscale and prestazione are part of its key).
  const peers = new Map<string, Map<string, { id: string; data: RecordData }>>();
  const setPeer = (s: State) => {
    if (tipo !== 'PS_PSA_SINA' || !cfOf(s.data) || !codeOf(s.data)) return;
    const pair = pairOf(s.data);
    const group = peers.get(pair) ?? peers.set(pair, new Map()).get(pair)!;
    if (s.deleted) group.delete(s.id);
    else group.set(s.id, { id: s.id, data: s.data });
  };
  for (const s of byId.values()) setPeer(s);
  const duplicates = (s: State) => (tipo === 'PS_PSA_SINA' && cfOf(s.data) && codeOf(s.data) ? duplicatesAmong(s.data, [...(peers.get(pairOf(s.data))?.values() ?? [])].filter((p) => p.id !== s.id)) : []);

  const history: Array<{ n: number; record_id: string; action: string; changes: unknown }> = [];
  const results: BatchRowResult[] = prepared.map((p) => {
    if (p.refused) return { outcome: 'refused', errors: p.result.errors, warnings: p.result.warnings, notes: p.result.notes };
    const existing = byKey.get(p.key);
    if (!existing) {
      const s: State = { id: randomUUID(), key: p.key, isNew: true, dirty: true, data: p.data, status: 'pronto', errors: p.errors, warnings: [], acquired: null, deleted: false, cancelled: false, version: 1 };
      s.warnings = [...p.warnings, ...duplicates(s)];
      s.status = statusFor(s, s.errors);
      byKey.set(s.key, s);
      byId.set(s.id, s);
      setPeer(s);
      history.push({ n: history.length, record_id: s.id, action: 'created', changes: diff({}, s.data) });
      return { outcome: 'created', recordId: s.id, status: s.status, errors: s.errors, warnings: s.warnings, notes: p.notes };
    }
    const merged: RecordData = { ...existing.data, ...p.data };
    if (sameData(merged, existing.data) && !existing.deleted) return { outcome: 'unchanged', recordId: existing.id, status: existing.status, errors: existing.errors, warnings: existing.warnings, notes: p.notes };
    // The row's own check holds when the merge added nothing to it.
    const checked = stableJson(merged) === stableJson(p.data) ? { errors: p.errors, warnings: p.warnings } : checkRecord(tipo, merged);
    const before = existing.data;
    existing.data = merged;
    existing.key = naturalKey(tipo, merged) ?? existing.key;
    existing.deleted = false;
    existing.cancelled = false;
    existing.errors = checked.errors;
    existing.warnings = [...checked.warnings, ...duplicates(existing)];
    existing.status = statusFor(existing, checked.errors);
    existing.version++;
    existing.dirty = true;
    setPeer(existing);
    history.push({ n: history.length, record_id: existing.id, action: 'merged', changes: diff(before, merged) });
    return { outcome: 'merged', recordId: existing.id, status: existing.status, errors: existing.errors, warnings: existing.warnings, notes: p.notes };
  });

  const written = [...byId.values()].filter((s) => s.dirty);
  const rowOf = (s: State) => ({ id: s.id, natural_key: s.key, codice_fiscale: cfOf(s.data), codice_prestazione: codeOf(s.data), data: s.data, status: s.status, errors: s.errors, warnings: s.warnings, version: s.version });
  const columns = 'x(id uuid, natural_key text, codice_fiscale text, codice_prestazione text, data jsonb, status text, errors jsonb, warnings jsonb, version int)';
  const inserts = written.filter((s) => s.isNew).map(rowOf);
  if (inserts.length) {
    await sql(
      `insert into siuss_record (id, tenant, tipo, natural_key, codice_fiscale, codice_prestazione, data, origin, origin_ref, status, errors, warnings, created_at, updated_at, version)
       select x.id, ?, ?, x.natural_key, x.codice_fiscale, x.codice_prestazione, x.data, ?, ?, x.status, x.errors, x.warnings, ?, ?, x.version from jsonb_to_recordset(?::jsonb) as ${columns}`,
      [tenant, tipo, origin.kind, origin.ref ?? null, at, at, json(inserts)],
    );
  }
  const updates = written.filter((s) => !s.isNew).map(rowOf);
  if (updates.length) {
    await sql(
      `update siuss_record r set data = x.data, natural_key = x.natural_key, codice_fiscale = x.codice_fiscale, codice_prestazione = x.codice_prestazione, status = x.status,
         errors = x.errors, warnings = x.warnings, deleted = false, cancelled = false, updated_at = ?, version = x.version
       from jsonb_to_recordset(?::jsonb) as ${columns} where r.id = x.id and r.tenant = ?`,
      [at, json(updates), tenant],
    );
  }
  if (history.length) {
    await sql(
      `insert into siuss_record_history (id, record_id, tenant, at, actor, action, origin, origin_ref, changes, note)
       select gen_random_uuid(), x.record_id, ?, ?, ?, x.action, ?, ?, x.changes, null from jsonb_to_recordset(?::jsonb) as x(n int, record_id uuid, action text, changes jsonb) order by x.n`,
      [tenant, at, origin.actor ?? null, origin.kind, origin.ref ?? null, json(history)],
    );
  }
  if (opts.within) await opts.within(sql, results);
  return results;
}

/** The fallback: each row in its own transaction through the register's upsert; a row the database refuses is refused alone. */
async function rowByRow(register: SiussRegister, tenant: string, tipo: SiussTipo, prepared: PreparedInput[], origin: SiussOrigin, opts: BatchOptions): Promise<BatchRowResult[]> {
  const results: BatchRowResult[] = [];
  for (const p of prepared) {
    if (p.refused) {
      results.push({ outcome: 'refused', errors: p.result.errors, warnings: p.result.warnings, notes: p.result.notes });
      continue;
    }
    try {
      const r = await register.upsert(tenant, { tipo, fields: p.data }, origin, { refuseInvalid: opts.refuseInvalid ?? false });
      results.push(
        r.outcome === 'refused' || !r.record
          ? { outcome: 'refused', errors: r.errors, warnings: r.warnings, notes: p.notes }
          : { outcome: r.outcome, recordId: r.record.id, status: r.record.status, errors: r.errors, warnings: r.warnings, notes: p.notes },
      );
    } catch (err) {
      results.push({ outcome: 'refused', errors: [{ field: '', message: `Riga non salvata per un errore del database: ${databaseMessage(err)}`.slice(0, 500), kind: 'non_valido' }], warnings: [], notes: p.notes });
    }
  }
  if (opts.within) {
    const within = opts.within;
    await register.transaction((_sql, em) => within(boundSqlOf(em), results));
  }
  return results;
}

/** The database's own words: knex prefixes the failing statement ("<sql> - <message>"), which a report does not need. */
function databaseMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = message.lastIndexOf(' - ');
  return at >= 0 ? message.slice(at + 3) : message;
}
