/**
 * Imports of SIUSS records from other software (issue 13, item 3). The file,
 * already spooled to a temporary file by the route, is read row by row
 * (readers.ts), each row mapped (mapping.ts) and handed, a chunk at a time, to
 * the register (RecordSink), which normalises, validates and saves the chunk
 * in one transaction (a row is imported, merged with an existing record, or
 * refused with its reasons, never half-written); the next chunk is read while
 * one is written. Progress (bytes and rows) and the
 * outcome of every row are kept in siuss_import / siuss_import_row so a large
 * import can be followed with GET /api/v1/siuss/imports/{id}.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { applyMapping, missingColumns, type ImportMapping } from './mapping.js';
import { readRows, type ImportFormat } from './readers.js';
import { MappingStore } from './mapping.store.js';
import type { SiussTipo } from '../types.js';
import type { Sql } from '../register.service.js';

export interface RowProblem {
  field?: string;
  message: string;
}

/**
 * One row's outcome. Imported or merged: the record's id and status, what it still lacks (`errors`, when
 * `da_completare`) and what normalisation changed (`notes`). Refused: why (nothing was stored).
 */
export type SinkResult = { outcome: 'imported' | 'merged'; recordId: string; status: string; errors: RowProblem[]; notes: RowProblem[] } | { outcome: 'refused'; errors: RowProblem[] };

/**
 * Where imported rows go: the SIUSS register (normalisation, validation, upsert by beneficiary and benefit).
 * `P`: what `prepare` makes of a batch in memory (normalised and checked rows), handed back to `saveBatch`.
 */
export interface RecordSink<P = unknown> {
  /**
   * The in-memory half of saving a batch (no database), run while the previous batch is being written; it yields
   * to the event loop now and then so that the write in flight is not held up.
   */
  prepare?(tipo: SiussTipo, rows: Array<{ line: number; input: Record<string, string> }>): Promise<P>;
  /**
   * Saves the rows of one batch (never half-writing a row); one result per row, in order. `report`, when
   * given, runs in the transaction that writes the batch (so the import's report and progress move with it).
   */
  saveBatch(
    tenant: string,
    tipo: SiussTipo,
    rows: Array<{ line: number; input: Record<string, string> }>,
    origin: { importId: string; user: string | null },
    report?: (sql: Sql, results: SinkResult[]) => Promise<void>,
    prepared?: P,
  ): Promise<SinkResult[]>;
}

export type ImportStatus = 'running' | 'completed' | 'failed';
export type RowOutcome = 'imported' | 'merged' | 'refused';

export interface ImportRowView {
  line: number;
  outcome: RowOutcome;
  recordId: string | null;
  /** The record's status after the row (pronto, da_completare, …); null when refused. */
  status: string | null;
  /** Refused: why. Imported/merged: what the record still lacks. */
  errors: RowProblem[];
  /** What normalisation changed. */
  notes: RowProblem[];
}

interface RowDetail {
  status?: string;
  errors?: RowProblem[];
  notes?: RowProblem[];
}

export interface ImportView {
  id: string;
  tenant: string;
  fileName: string;
  format: ImportFormat;
  tipo: SiussTipo;
  mapping: string | null;
  status: ImportStatus;
  progress: { bytesRead: number; bytesTotal: number; rowsRead: number; percent: number };
  counts: { imported: number; merged: number; refused: number };
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
  rows: ImportRowView[];
  rowsTotal: number;
}

export interface StartImport {
  tenant: string;
  user: string | null;
  fileName: string;
  /** A temporary file; removed when the import ends. */
  filePath: string;
  bytes: number;
  format: ImportFormat;
  mapping: ImportMapping;
  mappingName: string | null;
}

interface ImportRow {
  id: string;
  tenant: string;
  file_name: string;
  format: ImportFormat;
  mapping_name: string | null;
  mapping: ImportMapping;
  status: ImportStatus;
  bytes_total: string | number;
  bytes_read: string | number;
  rows_read: number;
  imported: number;
  merged: number;
  refused: number;
  error: { code: string; message: string } | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

/** Rows per chunk: read, normalised and checked in memory, then written in one transaction. */
const BATCH = 1000;

export class ImportService {
  readonly mappings: MappingStore;
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
    private sink: RecordSink,
    private readonly batchRows = BATCH,
  ) {
    this.mappings = new MappingStore(orm, clock);
  }

  /** Replaces the sink (the register), e.g. in benchmarks. */
  useSink(sink: RecordSink): void {
    this.sink = sink;
  }

  /** Records the import and starts reading; `done` settles when the last row is saved (never rejects). */
  async start(p: StartImport): Promise<{ id: string; done: Promise<void> }> {
    const id = randomUUID();
    await this.conn().execute(
      `insert into siuss_import (id, tenant, file_name, format, mapping_name, mapping, status, bytes_total, created_by, created_at) values (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
      [id, p.tenant, p.fileName.slice(0, 255), p.format, p.mappingName, JSON.stringify(p.mapping), p.bytes, p.user, this.clock.now()],
      'run',
    );
    const done = this.run(id, p).finally(() => {
      this.running.delete(id);
      fs.rm(p.filePath, { force: true }, () => undefined);
    });
    this.running.set(id, done);
    return { id, done };
  }

  /** Waits for every import still running (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private conn() {
    return this.orm.em.fork().getConnection();
  }

  private async run(id: string, p: StartImport): Promise<void> {
    let bytesRead = 0;
    let rowsRead = 0;
    const counts = { imported: 0, merged: 0, refused: 0 };
    let batch: Array<{ line: number; input: Record<string, string> }> = [];
    let checkedHeader = false;
    // One chunk is written while the next is read and prepared (memory: a few chunks at most).
    let inflight: Promise<void> | null = null;
    const tipo = p.mapping.tipo ?? 'PS_PSA_SINA';
    const save = async (rows: Array<{ line: number; input: Record<string, string> }>, progress: { bytesRead: number; rowsRead: number }, prepared: unknown) => {
      const next = { ...counts };
      const report = async (sql: Sql, results: SinkResult[]) => {
        const items = rows.map((row, i) => {
          const r = results[i] ?? { outcome: 'refused' as const, errors: [{ message: 'riga non elaborata' }] };
          next[r.outcome]++;
          const detail: RowDetail = r.outcome === 'refused' ? { errors: r.errors } : { status: r.status, ...(r.errors.length ? { errors: r.errors } : {}), ...(r.notes.length ? { notes: r.notes } : {}) };
          return { line: row.line, outcome: r.outcome, record_id: r.outcome === 'refused' ? null : r.recordId, detail };
        });
        await sql(
          `insert into siuss_import_row (import_id, line, outcome, record_id, detail)
           select ?, x.line, x.outcome, x.record_id, x.detail from jsonb_to_recordset(?::jsonb) as x(line int, outcome text, record_id text, detail jsonb) on conflict do nothing`,
          [id, JSON.stringify(items)],
        );
        await sql('update siuss_import set bytes_read = ?, rows_read = ?, imported = ?, merged = ?, refused = ? where id = ?', [progress.bytesRead, progress.rowsRead, next.imported, next.merged, next.refused, id]);
      };
      await this.sink.saveBatch(p.tenant, tipo, rows, { importId: id, user: p.user }, report, prepared);
      Object.assign(counts, next);
    };
    // Pipeline: the batch just read is prepared (normalised, checked) while the previous one is written.
    const flush = async () => {
      const rows = batch;
      batch = [];
      const progress = { bytesRead, rowsRead };
      const prepared = rows.length && this.sink.prepare ? await this.sink.prepare(tipo, rows) : undefined;
      if (inflight) await inflight;
      inflight = null;
      if (!rows.length) return;
      inflight = save(rows, progress, prepared);
      // Settled here only to avoid an unhandled rejection: the error is seen at the next await of `inflight`.
      inflight.catch(() => undefined);
    };
    try {
      const rows = readRows(p.filePath, {
        format: p.format,
        encoding: p.mapping.encoding,
        delimiter: p.mapping.delimiter,
        header: p.mapping.header,
        skipLines: p.mapping.skipLines,
        sheet: p.mapping.sheet,
        onBytes: (n) => (bytesRead = n),
      });
      for await (const row of rows) {
        if (!checkedHeader) {
          checkedHeader = true;
          const missing = p.format === 'txt' ? [] : missingColumns(p.mapping, new Set(row.cells.keys()));
          if (missing.length) throw new DomainError('IMPORT_COLUMNS_MISSING', `Colonne della mappatura assenti nel file: ${missing.join(', ')}`, 422, { missing });
        }
        rowsRead++;
        batch.push({ line: row.line, input: applyMapping(p.mapping, row) });
        if (batch.length >= this.batchRows) await flush();
      }
      bytesRead = p.bytes;
      await flush();
      await flush();
      await this.conn().execute(`update siuss_import set status = 'completed', bytes_read = ?, rows_read = ?, finished_at = ? where id = ?`, [p.bytes, rowsRead, this.clock.now(), id], 'run');
    } catch (err) {
      const error = err instanceof DomainError ? { code: err.code, message: err.message } : { code: 'IMPORT_FAILED', message: `Importazione interrotta: ${(err as Error).message}` };
      try {
        await flush();
        await flush();
      } catch {
        /* the rows saved so far stay; the failure below says where it stopped */
      }
      await this.conn().execute(`update siuss_import set status = 'failed', error = ?, rows_read = ?, finished_at = ? where id = ?`, [JSON.stringify(error), rowsRead, this.clock.now(), id], 'run');
    }
  }

  /** The import of the comune (another comune's answers 404), with a page of its rows. */
  async get(tenant: string | null, id: string, opts: { outcome?: RowOutcome; limit?: number; offset?: number } = {}): Promise<ImportView> {
    const conn = this.conn();
    const [row] = (await conn.execute(`select * from siuss_import where id = ?${tenant ? ' and tenant = ?' : ''}`, tenant ? [id, tenant] : [id])) as ImportRow[];
    if (!row) throw new NotFoundError('Importazione', id, 'IMPORT_NOT_FOUND', 'f');
    const filter = opts.outcome ? ' and outcome = ?' : '';
    const args: unknown[] = opts.outcome ? [id, opts.outcome] : [id];
    const [count] = (await conn.execute(`select count(*)::int as n from siuss_import_row where import_id = ?${filter}`, args)) as Array<{ n: number }>;
    const rows = (await conn.execute(`select line, outcome, record_id, detail from siuss_import_row where import_id = ?${filter} order by line limit ? offset ?`, [...args, opts.limit ?? 1000, opts.offset ?? 0])) as Array<{
      line: number;
      outcome: RowOutcome;
      record_id: string | null;
      detail: RowDetail | null;
    }>;
    const bytesTotal = Number(row.bytes_total);
    const bytesRead = Number(row.bytes_read);
    return {
      id: row.id,
      tenant: row.tenant,
      fileName: row.file_name,
      format: row.format,
      tipo: row.mapping.tipo ?? 'PS_PSA_SINA',
      mapping: row.mapping_name,
      status: row.status,
      progress: { bytesRead, bytesTotal, rowsRead: row.rows_read, percent: bytesTotal > 0 ? Math.min(100, Math.floor((bytesRead / bytesTotal) * 100)) : 100 },
      counts: { imported: row.imported, merged: row.merged, refused: row.refused },
      error: row.error,
      createdAt: new Date(row.created_at).toISOString(),
      finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
      rows: rows.map((r) => ({ line: r.line, outcome: r.outcome, recordId: r.record_id, status: r.detail?.status ?? null, errors: r.detail?.errors ?? [], notes: r.detail?.notes ?? [] })),
      rowsTotal: Number(count?.n ?? 0),
    };
  }
}
