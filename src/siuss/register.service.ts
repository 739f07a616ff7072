/**
 * The register of SIUSS records of each comune. Every change is one
 * transaction: the record row (optimistic version), its history row, and
 * (for outcomes) the flow. Every query filters by the comune; another
 * comune's record is not found (404 at the edge).
 *
 * Life cycle: a record is `da_completare` while the check finds errors,
 * `pronto` when it has something to send (insert, update, cancellation),
 * `inviato` once in a generated flow, then `accettato` (INPS OK) or
 * `scartato` (INPS refused it: back in the work list, corrected with PUT).
 * What INPS holds is kept in `acquired`: the next operation is derived from
 * it — I (never acquired), U (acquired and changed since: sent as C of the
 * acquired version then I of the new one), C (deleted after acquisition).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { checkRecord } from './check.js';
import { normalise } from './normalize.js';
import {
  KEY_FIELDS,
  type FieldProblem,
  type NormalisationNote,
  type Operation,
  type RecordData,
  type RecordStatus,
  type SiussInput,
  type SiussOrigin,
  type SiussRecord,
  type SiussTipo,
} from './types.js';

export type UpsertOutcome = 'created' | 'merged' | 'unchanged' | 'refused';

export interface UpsertResult {
  /** null when refused. */
  record: SiussRecord | null;
  outcome: UpsertOutcome;
  /** Errors of the stored record (it stays `da_completare`), or why it was refused. */
  errors: FieldProblem[];
  warnings: FieldProblem[];
  /** What normalisation changed. */
  notes: NormalisationNote[];
}

export interface UpsertOptions {
  /** Refuse (store nothing) when a present value is invalid, not only when the key is missing. Manual entry uses it. */
  refuseInvalid?: boolean;
  /** Merge: fields missing from the input keep their stored value (default). false: the input replaces the data. */
  merge?: boolean;
}

export interface RecordFilter {
  status?: RecordStatus;
  codiceFiscale?: string;
  tipo?: SiussTipo;
  limit?: number;
  offset?: number;
}

export interface HistoryEntry {
  id: string;
  at: Date;
  actor: string | null;
  action: string;
  origin: string | null;
  originRef: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  note: string | null;
}

export interface RecordCheck {
  id: string;
  status: RecordStatus;
  errors: FieldProblem[];
  warnings: FieldProblem[];
}

export interface Row {
  id: string;
  tenant: string;
  tipo: SiussTipo;
  natural_key: string;
  codice_fiscale: string | null;
  codice_prestazione: string | null;
  data: RecordData;
  origin: SiussRecord['origin'];
  origin_ref: string | null;
  status: RecordStatus;
  errors: FieldProblem[];
  warnings: FieldProblem[];
  acquired: RecordData | null;
  deleted: boolean;
  cancelled: boolean;
  esito_codice: string | null;
  esito_descrizione: string | null;
  id_acquisizione: string | null;
  last_flow_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

/** Deterministic JSON (sorted keys) to compare record data. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sameData(a: RecordData | null, b: RecordData | null): boolean {
  return stableJson(a ?? null) === stableJson(b ?? null);
}

/** The operation the next flow carries for a record, from what INPS holds. */
export function pendingOperation(r: { deleted: boolean; cancelled: boolean; acquired: RecordData | null; data: RecordData }): Operation | null {
  if (r.deleted) return r.acquired && !r.cancelled ? 'C' : null;
  if (!r.acquired) return 'I';
  return sameData(r.acquired, r.data) ? null : 'U';
}

export function statusFor(r: { deleted: boolean; cancelled: boolean; acquired: RecordData | null; data: RecordData }, errors: FieldProblem[]): RecordStatus {
  const op = pendingOperation(r);
  if (op === 'C') return 'pronto';
  if (errors.length && op) return 'da_completare';
  return op ? 'pronto' : 'accettato';
}

export function naturalKey(tipo: SiussTipo, data: RecordData): string | null {
  const parts = KEY_FIELDS[tipo].map((f) => data[f]);
  if (parts.some((p) => typeof p !== 'string' || p === '')) return null;
  return (parts as string[]).join('|');
}

export function toRecord(row: Row): SiussRecord {
  const r = {
    id: row.id,
    tenant: row.tenant,
    tipo: row.tipo,
    naturalKey: row.natural_key,
    codiceFiscale: row.codice_fiscale,
    codicePrestazione: row.codice_prestazione,
    data: row.data,
    origin: row.origin,
    originRef: row.origin_ref,
    status: row.status,
    errors: row.errors ?? [],
    warnings: row.warnings ?? [],
    acquired: row.acquired,
    deleted: row.deleted,
    cancelled: row.cancelled,
    operation: null as Operation | null,
    esitoCodice: row.esito_codice,
    esitoDescrizione: row.esito_descrizione,
    idAcquisizione: row.id_acquisizione,
    lastFlowId: row.last_flow_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: Number(row.version),
  };
  r.operation = pendingOperation(r);
  return r;
}

export function diff(before: RecordData, after: RecordData): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  // A new record (nothing before): every field present is a change; no comparison needed.
  if (Object.keys(before).length === 0) {
    for (const [k, v] of Object.entries(after)) if (v !== undefined) out[k] = { from: null, to: v ?? null };
    return out;
  }
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (stableJson(before[k]) !== stableJson(after[k])) out[k] = { from: before[k] ?? null, to: after[k] ?? null };
  }
  return out;
}

export function isUniqueViolation(err: unknown): boolean {
  let e = err as Record<string, unknown> | undefined;
  for (let i = 0; e && typeof e === 'object' && i < 5; i++) {
    if (e.code === '23505') return true;
    e = (e.previous ?? e.cause) as Record<string, unknown> | undefined;
  }
  return false;
}

export type Sql = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export function sqlOf(em: EntityManager): Sql {
  const conn = em.getConnection();
  return async (sql, params = []) => (await conn.execute(sql, params, 'all', em.getTransactionContext())) as Record<string, unknown>[];
}

/**
 * Like sqlOf, but the parameters travel to the server as bind parameters
 * (knex raw) instead of being inlined into the SQL text by the ORM: for the
 * set-based statements whose one parameter is megabytes of JSON (inlining
 * and re-parsing it costs more than the statement itself).
 */
export function boundSqlOf(em: EntityManager): Sql {
  const conn = em.getConnection() as unknown as { getKnex(): Knex };
  return async (sql, params = []) => {
    const query = conn.getKnex().raw(sql, params as Knex.RawBinding[]);
    const ctx = em.getTransactionContext<Knex.Transaction>();
    if (ctx) query.transacting(ctx);
    const res = (await query) as { rows?: Record<string, unknown>[] };
    return res.rows ?? [];
  };
}

const json = (v: unknown) => JSON.stringify(v);

/** A row normalised, keyed and checked in memory; `refused` when it can store nothing. */
export type PreparedInput =
  | { refused: true; result: UpsertResult }
  | { refused: false; key: string; data: RecordData; notes: NormalisationNote[]; errors: FieldProblem[]; warnings: FieldProblem[] };

/** The in-memory half of an upsert: normalisation, key, check, refusal (the same for one row and for a batch). */
export function prepareInput(tipo: SiussTipo, fields: Record<string, unknown>, refuseInvalid: boolean): PreparedInput {
  const { data, notes } = normalise(tipo, fields);
  const key = naturalKey(tipo, data);
  const pre = checkRecord(tipo, data);
  if (!key) {
    const missing = KEY_FIELDS[tipo].filter((f) => !data[f]).map((f): FieldProblem => ({ field: f, message: `${f}: campo obbligatorio per identificare il record`, kind: 'mancante' }));
    return { refused: true, result: { record: null, outcome: 'refused', errors: [...missing, ...pre.errors.filter((e) => !missing.some((m) => m.field === e.field))], warnings: pre.warnings, notes } };
  }
  if (refuseInvalid && pre.errors.some((e) => e.kind !== 'mancante')) return { refused: true, result: { record: null, outcome: 'refused', errors: pre.errors, warnings: pre.warnings, notes } };
  return { refused: false, key, data, notes, errors: pre.errors, warnings: pre.warnings };
}

export class SiussRegister {
  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
  ) {}

  /** Runs `fn` in one transaction with a raw SQL helper. */
  transaction<T>(fn: (sql: Sql, em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional((em) => fn(sqlOf(em), em));
  }

  /**
   * Creates or merges one record from raw or normalised input (normalised
   * again here: it is idempotent), in one transaction. A record with the
   * same key (PS: codice fiscale + codice prestazione + protocollo domanda;
   * SINBA: IDBeneficiario) in the comune is merged: fields present in the
   * input replace the stored ones (the others stay). Outcomes: created,
   * merged (something changed: history row, status re-evaluated, a sent
   * record gets an update operation), unchanged, refused (key fields
   * missing, or with `refuseInvalid` any invalid value; nothing stored).
   * A record with missing fields is stored as `da_completare` with its errors.
   */
  async upsert(tenant: string, input: SiussInput, origin: SiussOrigin, opts: UpsertOptions = {}): Promise<UpsertResult> {
    const prepared = prepareInput(input.tipo, input.fields, opts.refuseInvalid ?? false);
    if (prepared.refused) return prepared.result;
    const { key, data, notes } = prepared;
    try {
      return await this.transaction(async (sql) => {
        const now = this.clock.now();
        const [existingRow] = await sql('select * from siuss_record where tenant = ? and tipo = ? and natural_key = ? for update', [tenant, input.tipo, key]);
        if (!existingRow) {
          const id = randomUUID();
          const base = { deleted: false, cancelled: false, acquired: null, data };
          const checked = { errors: prepared.errors, warnings: prepared.warnings };
          const warnings = [...checked.warnings, ...(await this.duplicateWarnings(sql, tenant, input.tipo, id, data))];
          const status = statusFor(base, checked.errors);
          await sql(
            `insert into siuss_record (id, tenant, tipo, natural_key, codice_fiscale, codice_prestazione, data, origin, origin_ref, status, errors, warnings, created_at, updated_at, version)
             values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, 1)`,
            [id, tenant, input.tipo, key, cfOf(data), codeOf(data), json(data), origin.kind, origin.ref ?? null, status, json(checked.errors), json(warnings), now, now],
          );
          await this.history(sql, tenant, id, now, 'created', origin, diff({}, data));
          const [row] = await sql('select * from siuss_record where id = ?', [id]);
          return { record: toRecord(row as unknown as Row), outcome: 'created' as const, errors: checked.errors, warnings, notes };
        }
        const existing = toRecord(existingRow as unknown as Row);
        const merged: RecordData = opts.merge === false ? data : { ...existing.data, ...data };
        if (sameData(merged, existing.data) && !existing.deleted) {
          return { record: existing, outcome: 'unchanged' as const, errors: existing.errors, warnings: existing.warnings, notes };
        }
        const record = await this.write(sql, existing, merged, { deleted: false }, now, 'merged', origin);
        return { record, outcome: 'merged' as const, errors: record.errors, warnings: record.warnings, notes };
      });
    } catch (err) {
      // Two writers created the same key at once: the loser merges into the winner.
      if (isUniqueViolation(err)) return this.upsert(tenant, input, origin, opts);
      throw err;
    }
  }

  /** Stores new data for a locked record: re-check, status, history. */
  private async write(sql: Sql, existing: SiussRecord, data: RecordData, flags: { deleted: boolean }, now: Date, action: string, origin: SiussOrigin): Promise<SiussRecord> {
    const checked = checkRecord(existing.tipo, data);
    const warnings = [...checked.warnings, ...(await this.duplicateWarnings(sql, existing.tenant, existing.tipo, existing.id, data))];
    const next = { deleted: flags.deleted, cancelled: flags.deleted ? existing.cancelled : false, acquired: existing.acquired, data };
    const status = statusFor(next, checked.errors);
    const key = naturalKey(existing.tipo, data) ?? existing.naturalKey;
    await sql(
      `update siuss_record set data = ?::jsonb, natural_key = ?, codice_fiscale = ?, codice_prestazione = ?, status = ?, errors = ?::jsonb, warnings = ?::jsonb,
         deleted = ?, cancelled = ?, updated_at = ?, version = version + 1 where id = ?`,
      [json(data), key, cfOf(data), codeOf(data), status, json(checked.errors), json(warnings), next.deleted, next.cancelled, now, existing.id],
    );
    await this.history(sql, existing.tenant, existing.id, now, action, origin, diff(existing.data, data));
    const [row] = await sql('select * from siuss_record where id = ?', [existing.id]);
    return toRecord(row as unknown as Row);
  }

  async history(sql: Sql, tenant: string, recordId: string, at: Date, action: string, origin: SiussOrigin | null, changes: Record<string, unknown>, note: string | null = null): Promise<void> {
    await sql('insert into siuss_record_history (id, record_id, tenant, at, actor, action, origin, origin_ref, changes, note) values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)', [
      randomUUID(),
      recordId,
      tenant,
      at,
      origin?.actor ?? null,
      action,
      origin?.kind ?? null,
      origin?.ref ?? null,
      json(changes),
      note,
    ]);
  }

  /** Likely duplicates: same beneficiary and benefit, overlapping period, another protocollo. */
  private async duplicateWarnings(sql: Sql, tenant: string, tipo: SiussTipo, id: string, data: RecordData): Promise<FieldProblem[]> {
    if (tipo !== 'PS_PSA_SINA') return [];
    const cf = cfOf(data);
    const code = codeOf(data);
    if (!cf || !code) return [];
    const rows = await sql('select id, data from siuss_record where tenant = ? and tipo = ? and codice_fiscale = ? and codice_prestazione = ? and id <> ? and deleted = false', [tenant, tipo, cf, code, id]);
    return duplicatesAmong(data, rows as Array<{ id: string; data: RecordData }>);
  }

  async get(scope: string | null, id: string): Promise<SiussRecord | null> {
    const sql = sqlOf(this.orm.em.fork());
    const rows = await sql(`select * from siuss_record where id = ?${scope ? ' and tenant = ?' : ''}`, scope ? [id, scope] : [id]);
    return rows[0] ? toRecord(rows[0] as unknown as Row) : null;
  }

  async mustGet(scope: string | null, id: string): Promise<SiussRecord> {
    const r = await this.get(scope, id);
    if (!r) throw new NotFoundError('Record SIUSS', id, 'SIUSS_RECORD_NOT_FOUND');
    return r;
  }

  async list(scope: string | null, f: RecordFilter = {}): Promise<{ items: SiussRecord[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (scope) {
      where.push('tenant = ?');
      args.push(scope);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    if (f.codiceFiscale) {
      where.push('codice_fiscale = ?');
      args.push(f.codiceFiscale.toUpperCase());
    }
    if (f.tipo) {
      where.push('tipo = ?');
      args.push(f.tipo);
    }
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const sql = sqlOf(this.orm.em.fork());
    const [count] = await sql(`select count(*)::int as n from siuss_record ${clause}`, args);
    const rows = await sql(`select * from siuss_record ${clause} order by updated_at desc, id limit ? offset ?`, [...args, f.limit ?? 50, f.offset ?? 0]);
    return { items: rows.map((r) => toRecord(r as unknown as Row)), total: Number(count?.n ?? 0) };
  }

  async historyOf(scope: string | null, id: string): Promise<HistoryEntry[]> {
    await this.mustGet(scope, id);
    const rows = await sqlOf(this.orm.em.fork())('select * from siuss_record_history where record_id = ? order by seq', [id]);
    return rows.map((r) => ({
      id: r.id as string,
      at: new Date(r.at as string),
      actor: (r.actor as string | null) ?? null,
      action: r.action as string,
      origin: (r.origin as string | null) ?? null,
      originRef: (r.origin_ref as string | null) ?? null,
      changes: (r.changes as HistoryEntry['changes']) ?? {},
      note: (r.note as string | null) ?? null,
    }));
  }

  /**
   * Replaces a record's data (manual correction). Optimistic locking: the
   * caller's `version` must be the stored one (409 otherwise). Invalid values
   * answer 422 with per-field errors; missing ones leave it `da_completare`.
   * The key fields of a record INPS already holds cannot change (cancel it and
   * enter a new one).
   */
  async update(scope: string | null, id: string, fields: Record<string, unknown>, version: number, origin: SiussOrigin): Promise<SiussRecord> {
    return this.transaction(async (sql) => {
      const rows = await sql(`select * from siuss_record where id = ?${scope ? ' and tenant = ?' : ''} for update`, scope ? [id, scope] : [id]);
      if (!rows[0]) throw new NotFoundError('Record SIUSS', id, 'SIUSS_RECORD_NOT_FOUND');
      const existing = toRecord(rows[0] as unknown as Row);
      if (existing.version !== version) throw new ConflictError(`Il record è stato modificato da altri (versione ${existing.version}, attesa ${version}): ricaricarlo`, 'VERSION_CONFLICT', { version: existing.version });
      if (existing.deleted) throw new ConflictError('Il record è stato cancellato', 'SIUSS_RECORD_DELETED');
      const { data } = normalise(existing.tipo, fields);
      const checked = checkRecord(existing.tipo, data);
      const errors = checked.errors.filter((e) => e.kind !== 'mancante');
      const key = naturalKey(existing.tipo, data);
      if (!key) for (const f of KEY_FIELDS[existing.tipo]) if (!data[f]) errors.push({ field: f, message: `${f}: campo obbligatorio per identificare il record`, kind: 'mancante' });
      if (key && key !== existing.naturalKey && existing.acquired) {
        for (const f of KEY_FIELDS[existing.tipo]) if (data[f] !== existing.data[f]) errors.push({ field: f, message: `${f}: non modificabile dopo l’acquisizione INPS (cancellare il record e inserirne uno nuovo)`, kind: 'regola' });
      }
      if (errors.length) throw new ValidationError('Record SIUSS non valido', { errors }, 'SIUSS_RECORD_INVALID');
      if (key !== existing.naturalKey) {
        const clash = await sql('select id from siuss_record where tenant = ? and tipo = ? and natural_key = ? and id <> ?', [existing.tenant, existing.tipo, key, id]);
        if (clash[0]) throw new ConflictError('Esiste già un record con gli stessi dati identificativi', 'SIUSS_RECORD_DUPLICATE', { id: clash[0].id });
      }
      return this.write(sql, existing, data, { deleted: false }, this.clock.now(), 'updated', origin);
    });
  }

  /**
   * Deletes a record: one INPS does not hold is removed (its history stays);
   * one INPS holds is marked deleted and its cancellation (C) becomes the next
   * operation. SINBA has no cancellation in its schema: 409.
   */
  async remove(scope: string | null, id: string, version: number | null, origin: SiussOrigin): Promise<{ removed: boolean; record: SiussRecord | null }> {
    return this.transaction(async (sql) => {
      const rows = await sql(`select * from siuss_record where id = ?${scope ? ' and tenant = ?' : ''} for update`, scope ? [id, scope] : [id]);
      if (!rows[0]) throw new NotFoundError('Record SIUSS', id, 'SIUSS_RECORD_NOT_FOUND');
      const existing = toRecord(rows[0] as unknown as Row);
      if (version !== null && existing.version !== version) throw new ConflictError(`Il record è stato modificato da altri (versione ${existing.version}, attesa ${version}): ricaricarlo`, 'VERSION_CONFLICT', { version: existing.version });
      const now = this.clock.now();
      if (existing.deleted) return { removed: false, record: existing };
      if (!existing.acquired && existing.status !== 'inviato') {
        await sql('delete from siuss_record where id = ?', [id]);
        await this.history(sql, existing.tenant, id, now, 'removed', origin, {});
        return { removed: true, record: null };
      }
      if (existing.tipo === 'SINBA') throw new ConflictError('Il tracciato SINBA non prevede la cancellazione di un record già inviato: correggerlo e reinviarlo', 'SINBA_CANCEL_UNSUPPORTED');
      const record = await this.write(sql, existing, existing.data, { deleted: true }, now, 'deleted', origin);
      return { removed: false, record };
    });
  }

  /**
   * The completeness check of the comune's records (or of the given ids):
   * re-validates each, flags likely duplicates, stores errors/warnings and the
   * status that follows (a `scartato` or `inviato` record keeps its status).
   */
  async check(tenant: string, ids?: string[]): Promise<RecordCheck[]> {
    return this.transaction(async (sql) => {
      const rows = ids?.length
        ? await sql('select * from siuss_record where tenant = ? and id = any(?::uuid[]) for update', [tenant, `{${ids.join(',')}}`])
        : await sql("select * from siuss_record where tenant = ? and status in ('da_completare', 'pronto', 'scartato') for update", [tenant]);
      const records = rows.map((r) => toRecord(r as unknown as Row));
      const peers = await sql("select id, codice_fiscale, codice_prestazione, data from siuss_record where tenant = ? and tipo = 'PS_PSA_SINA' and deleted = false", [tenant]);
      const byKey = new Map<string, Array<{ id: string; data: RecordData }>>();
      for (const p of peers) {
        const k = `${p.codice_fiscale as string}|${p.codice_prestazione as string}`;
        (byKey.get(k) ?? byKey.set(k, []).get(k)!).push({ id: p.id as string, data: p.data as RecordData });
      }
      const out: RecordCheck[] = [];
      for (const r of records) {
        const checked = checkRecord(r.tipo, r.data);
        const dups = r.tipo === 'PS_PSA_SINA' ? duplicatesAmong(r.data, (byKey.get(`${r.codiceFiscale}|${r.codicePrestazione}`) ?? []).filter((p) => p.id !== r.id)) : [];
        const warnings = [...checked.warnings, ...dups];
        const status = r.status === 'scartato' || r.status === 'inviato' ? r.status : statusFor(r, checked.errors);
        await sql('update siuss_record set errors = ?::jsonb, warnings = ?::jsonb, status = ? where id = ?', [json(checked.errors), json(warnings), status, r.id]);
        out.push({ id: r.id, status, errors: checked.errors, warnings });
      }
      return out;
    });
  }
}

export function cfOf(data: RecordData): string | null {
  const v = data.CodiceFiscale;
  return typeof v === 'string' && v.length <= 16 ? v : null;
}

export function codeOf(data: RecordData): string | null {
  const v = data.CodicePrestazione;
  return typeof v === 'string' && v.length <= 10 ? v : null;
}

function period(data: RecordData): [string, string] | null {
  const s = (f: string) => (typeof data[f] === 'string' ? (data[f] as string) : undefined);
  const start = s('DataInizioPrestazione') ?? s('DataErogazionePrestazione');
  const end = s('DataFinePrestazione') ?? s('DataErogazionePrestazione') ?? start;
  return start && end ? [start, end] : null;
}

/** Warnings for records among `peers` (same CF and benefit code) whose period overlaps this one's. */
export function duplicatesAmong(data: RecordData, peers: Array<{ id: string; data: RecordData }>): FieldProblem[] {
  const mine = period(data);
  const out: FieldProblem[] = [];
  for (const p of peers) {
    const theirs = period(p.data);
    if (mine && theirs && (theirs[0] > mine[1] || theirs[1] < mine[0])) continue;
    out.push({ field: 'ProtocolloDomanda', message: `Possibile duplicato del record ${p.id} (stesso beneficiario, stessa prestazione, periodo sovrapposto, protocollo ${String(p.data.ProtocolloDomanda ?? '')})`, kind: 'duplicato' });
  }
  return out;
}
