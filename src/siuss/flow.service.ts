/**
 * SIUSS flows of a comune: generation from every `pronto` record of a tipo
 * (one transaction: flows, their records, records → `inviato`), listing,
 * the XML of one, a zip of many, and the outcome INPS gives each flow.
 *
 * Flow ids are EEEE.TIPO.AAAAMMGG.NNNNNNN with a daily progressive per comune
 * (Rome day of the injected clock; counter row locked while generating).
 * `createdMs` is strictly increasing per comune so WaaS `since` paging never
 * skips or repeats a flow.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Zip, ZipDeflate, strToU8 } from 'fflate';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import { BadRequestError, ConflictError, NotFoundError } from '../shared/errors.js';
import { romeDay } from '../engine/calendar/index.js';
import { validateCodiceFiscale } from '../subjects/codice-fiscale.js';
import { boundSqlOf, pendingOperation, sqlOf, toRecord, type SiussRegister } from './register.service.js';
import { DEFAULT_MAX_BYTES, flowId, writeFlows, type Ente, type FlowEntry } from './xml-writer.js';
import type { FlowStatus, Modalita, RecordData, SiussFlow, SiussOrigin, SiussTipo } from './types.js';

export interface GenerateRequest {
  tipo: SiussTipo;
  modalita: Modalita;
  /** Codice fiscale of the operator (Ente/@CFOperatore). */
  cfOperatore: string;
  /** Ente/@Codice; default: the comune's Belfiore code. */
  codiceEnte?: string;
  /** Size limit of one file flow (bytes). */
  maxBytes?: number;
}

/** The outcome INPS gives a flow (WaaS POST /esiti, or entered by hand for files). */
export interface FlowOutcome {
  /** OK, DATI_NON_TROVATI, RICHIESTA_INVALIDA, ERRORE_GENERICO, … */
  codice: string;
  descrizione?: string | null;
  /** SIUSS acquisition id (only with OK). */
  idAcquisizione?: string | null;
  at?: Date;
}

export interface FlowFilter {
  tipo?: SiussTipo;
  status?: FlowStatus;
  limit?: number;
  offset?: number;
}

interface FlowRow {
  id: string;
  tenant: string;
  id_flusso: string;
  tipo: SiussTipo;
  modalita: Modalita;
  status: FlowStatus;
  size_bytes: number;
  records: number;
  esito_codice: string | null;
  esito_descrizione: string | null;
  id_acquisizione: string | null;
  created_at: Date | string;
  created_ms: string | number;
  pulled_at: Date | string | null;
  esito_at: Date | string | null;
  version: number;
}

/** Bytes of zip a slow client may leave unread before the next flow is read. */
const ZIP_BUFFER = 8 * 1024 * 1024;

/** Records read per page while generating. */
const PAGE = 2000;

/** Entries of stored flows written to their records (inviato, snapshot, history) per statement. */
const FLUSH = 2000;

/** Attempts of a generation that finds records changed under it (then 409). */
const GENERATION_ATTEMPTS = 2;

/** Some records read for a generation were written by someone else before being marked sent. */
class RecordsChanged extends Error {
  constructor(readonly changed: number) {
    super(`${changed} record SIUSS modificati durante la generazione`);
  }
}

const FLOW_COLUMNS = 'id, tenant, id_flusso, tipo, modalita, status, size_bytes, records, esito_codice, esito_descrizione, id_acquisizione, created_at, created_ms, pulled_at, esito_at, version';

function toFlow(r: FlowRow): SiussFlow {
  return {
    id: r.id,
    tenant: r.tenant,
    idFlusso: r.id_flusso,
    tipo: r.tipo,
    modalita: r.modalita,
    status: r.status,
    sizeBytes: Number(r.size_bytes),
    records: Number(r.records),
    esitoCodice: r.esito_codice,
    esitoDescrizione: r.esito_descrizione,
    idAcquisizione: r.id_acquisizione,
    createdAt: new Date(r.created_at),
    createdMs: Number(r.created_ms),
    pulledAt: r.pulled_at ? new Date(r.pulled_at) : null,
    esitoAt: r.esito_at ? new Date(r.esito_at) : null,
    version: Number(r.version),
  };
}

export class SiussFlowService {
  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
    private readonly register: SiussRegister,
  ) {}

  /**
   * Generates flows from every `pronto` record of the tipo, in one
   * transaction. Per record: I (new), C (deleted after acquisition), or for
   * an acquired record that changed, C of the acquired version then I of the
   * new one (SINBA: the element is sent again). Returns the new flows.
   *
   * Records are read without row locks; each record is then marked `inviato`
   * only if its row is still the version that was read (same ctid, xmin), so the
   * snapshot stored with the flow is exactly what the XML carries. A record
   * written by someone else meanwhile aborts the attempt (nothing is kept),
   * as does a deadlock with a transaction locking the same records in
   * another order: the generation is retried once, then answered 409.
   */
  async generate(tenant: string, req: GenerateRequest, origin: SiussOrigin): Promise<SiussFlow[]> {
    const cf = validateCodiceFiscale(req.cfOperatore);
    if (!cf.valid) throw new BadRequestError(`cfOperatore: codice fiscale non valido (${cf.message})`, { errors: [{ field: 'cfOperatore', message: cf.message }] }, 'INVALID_CF_OPERATORE');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.generateOnce(tenant, req, cf.info.codice, origin);
      } catch (err) {
        // Deadlock: another transaction locked records in another order (e.g. the check of the whole comune).
        if (!(err instanceof RecordsChanged) && (err as { code?: unknown }).code !== '40P01') throw err;
        if (attempt >= GENERATION_ATTEMPTS) {
          throw new ConflictError(
            'Alcuni record SIUSS sono stati modificati durante la generazione dei flussi: nessun flusso è stato generato, riprovare',
            'SIUSS_GENERATION_CONFLICT',
            { changed: err instanceof RecordsChanged ? err.changed : null },
          );
        }
      }
    }
  }

  private generateOnce(tenant: string, req: GenerateRequest, cfOperatore: string, origin: SiussOrigin): Promise<SiussFlow[]> {
    return this.register.transaction(async (_inlined, em) => {
      // Bound parameters: each flow's XML (megabytes) travels as one parameter, not inlined into the SQL. Statements
      // may be issued before the previous one has answered (the database works while the XML is written): they are
      // sent one at a time, in the order issued.
      const direct = boundSqlOf(em);
      let tail: Promise<unknown> = Promise.resolve();
      const sql = (text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => {
        const run = tail.then(() => direct(text, params));
        tail = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      };
      const [tenantRow] = await sql('select code, name from tenant where code = ?', [tenant]);
      if (!tenantRow) throw new NotFoundError('Comune', tenant, 'TENANT_NOT_FOUND');
      const ente: Ente = { codice: req.codiceEnte ?? tenant, denominazione: tenantRow.name as string, indirizzo: tenant, cfOperatore };
      const now = this.clock.now();
      const day = romeDay(now).replace(/-/g, '');
      // Lock the comune's counter for the day: concurrent generations wait here.
      await sql('insert into siuss_flow_counter (tenant, day, last) values (?, ?, 0) on conflict (tenant, day) do nothing', [tenant, day]);
      const [counter] = await sql('select last from siuss_flow_counter where tenant = ? and day = ? for update', [tenant, day]);
      let progressive = Number(counter?.last ?? 0);
      const [lastMs] = await sql('select coalesce(max(created_ms), 0) as ms from siuss_flow where tenant = ?', [tenant]);
      let createdMs = Math.max(now.getTime(), Number(lastMs?.ms ?? 0) + 1);

      // Records are read in pages (keyset on codice fiscale, id; index siuss_record_pronto_page) and streamed to
      // the writer: memory stays flat. The stored check is current (every write re-checks), so it is not run again.
      // No row lock: the row version read (its ctid and xmin) is the one marked sent, found by ctid (no index descent);
      // a record written since has a new version there, so it is not found and the attempt fails.
      const tipo = req.tipo;
      const versions = new Map<string, { t: string; v: string }>();
      // The next page is asked for as soon as the previous one arrives: the database reads it while the XML is written.
      const pageOf = (after: [string, string] | null): Promise<Record<string, unknown>[]> =>
        sql(
          `select id, ctid::text as t, xmin::text as v, coalesce(codice_fiscale, '') as cf, data, acquired, deleted, cancelled, jsonb_array_length(errors) > 0 as has_errors from siuss_record
           where tenant = ? and tipo = ? and status = 'pronto'${after ? " and (coalesce(codice_fiscale, ''), id) > (?, ?::uuid)" : ''} order by coalesce(codice_fiscale, ''), id limit ${PAGE}`,
          after ? [tenant, tipo, after[0], after[1]] : [tenant, tipo],
        );
      async function* entries(): AsyncGenerator<FlowEntry> {
        let next: Promise<Record<string, unknown>[]> | null = pageOf(null);
        while (next) {
          const page: Record<string, unknown>[] = await next;
          next = null;
          if (page.length === PAGE) {
            const last = page[page.length - 1]!;
            next = pageOf([last.cf as string, last.id as string]);
            next.catch(() => undefined); // awaited on the next turn; a failure there is reported then
          }
          for (const row of page) {
            const r = { id: row.id as string, data: row.data as RecordData, acquired: (row.acquired as RecordData | null) ?? null, deleted: row.deleted as boolean, cancelled: row.cancelled as boolean };
            const op = pendingOperation(r);
            if (!op || (row.has_errors && op !== 'C')) continue;
            // Read twice: it moved in the paging order, i.e. it was written since the first read.
            if (versions.has(r.id)) throw new RecordsChanged(1);
            versions.set(r.id, { t: row.t as string, v: row.v as string });
            if (tipo === 'SINBA') {
              if (op !== 'C') yield { recordId: r.id, operation: 'I', data: r.data };
              continue;
            }
            if (op === 'C' || op === 'U') yield { recordId: r.id, operation: 'C', data: r.acquired! };
            if (op === 'I' || op === 'U') yield { recordId: r.id, operation: 'I', data: r.data };
          }
        }
      }

      // Entries of stored flows not yet written to their records, in order. A record's entries are consecutive (C
      // then I), but may span two flows: the last record of the buffer waits for the next flush, so each record is
      // marked once, with the last flow carrying it.
      let carried: Array<{ recordId: string; operation: string; flow: number }> = [];
      // History ids of this generation: one random prefix, then a sequence (appended to the index, not scattered).
      const historyBase = randomUUID().slice(0, 24);
      let historySeq = 0;
      const flowRefs: Array<{ id: string; idFlusso: string }> = [];
      /** Takes the entries to write now (all, or all but the last record's) and writes them. */
      const flush = (all: boolean): Promise<void> => {
        let cut = carried.length;
        if (!all) while (cut > 0 && carried[cut - 1]!.recordId === carried[carried.length - 1]!.recordId) cut--;
        if (!cut) return Promise.resolve();
        const batch = carried.slice(0, cut);
        carried = carried.slice(cut);
        const local = new Map<number, number>();
        const flowIds: string[] = [];
        const idFlussi: string[] = [];
        const at = (flow: number) => {
          let i = local.get(flow);
          if (i === undefined) {
            local.set(flow, (i = flowIds.length + 1));
            flowIds.push(flowRefs[flow]!.id);
            idFlussi.push(flowRefs[flow]!.idFlusso);
          }
          return i;
        };
        const ops = batch.map((e) => ({ id: e.recordId, o: e.operation, f: at(e.flow) }));
        const last = new Map<string, number>();
        for (const o of ops) last.set(o.id, o.f);
        const recs: Array<{ id: string; t: string; v: string; f: number; h: number }> = [];
        for (const [id, f] of last) {
          recs.push({ id, ...versions.get(id)!, f, h: ++historySeq });
          versions.delete(id);
        }
        // One statement: each record still at the version read → inviato (pointing at the last flow carrying it),
        // what it sent (data for I, the acquired version for C) stored with its flow, one history row.
        const statement = sql(
          `with rec as (select * from jsonb_to_recordset(?::jsonb) as x(id uuid, t tid, v xid, f int, h bigint)),
           flows as (select ?::uuid[] as ids, ?::text[] as names),
           u as (
             update siuss_record r set status = 'inviato', last_flow_id = flows.ids[rec.f], esito_codice = null, esito_descrizione = null, updated_at = ?, version = r.version + 1
             from rec, flows where r.ctid = rec.t and r.xmin = rec.v and r.id = rec.id and r.tenant = ?
             returning r.id, r.data, r.acquired),
           fr as (
             insert into siuss_flow_record (flow_id, record_id, operation, snapshot)
             select flows.ids[o.f], o.id, o.o, case when o.o = 'I' then u.data else u.acquired end
             from jsonb_to_recordset(?::jsonb) as o(id uuid, o text, f int) join u on u.id = o.id, flows),
           h as (
             insert into siuss_record_history (id, record_id, tenant, at, actor, action, origin, origin_ref, changes, note)
             select (?::text || lpad(to_hex(rec.h), 12, '0'))::uuid, rec.id, ?, ?, ?, 'sent', ?, ?, '{}'::jsonb, 'flusso ' || flows.names[rec.f] from rec join u on u.id = rec.id, flows)
           select count(*)::int as n from u`,
          [JSON.stringify(recs), `{${flowIds.join(',')}}`, `{${idFlussi.join(',')}}`, now, tenant, JSON.stringify(ops), historyBase, tenant, now, origin.actor ?? null, origin.kind, origin.ref ?? null],
        );
        return statement.then(([res]) => {
          const n = Number(res?.n ?? 0);
          if (n !== recs.length) throw new RecordsChanged(recs.length - n);
        });
      };

      // The database stores each flow and its records while the next flow is written: at most two flows' writes
      // in flight (their XML stays in memory until stored). The first failure is the one reported.
      const inflight: Array<Promise<unknown>> = [];
      const failures: unknown[] = [];
      const track = (p: Promise<unknown>) => {
        inflight.push(p.catch((error: unknown) => void failures.push(error)));
      };
      const settle = async (keep: number) => {
        while (inflight.length > keep) await inflight.shift();
        if (failures.length) throw failures[0];
      };

      const flows: SiussFlow[] = [];
      try {
        await writeFlows(req.tipo, req.modalita, entries(), {
          ente,
          maxBytes: req.maxBytes ?? DEFAULT_MAX_BYTES,
          nextId: () => flowId(tenant, req.tipo, day, ++progressive),
          emit: async (doc) => {
            const id = randomUUID();
            const recordIds = new Set(doc.entries.map((e) => e.recordId));
            const size = Buffer.byteLength(doc.xml);
            const stored = sql(`insert into siuss_flow (id, tenant, id_flusso, tipo, modalita, status, xml, size_bytes, records, created_at, created_ms, version) values (?, ?, ?, ?, ?, 'generato', ?, ?, ?, ?, ?, 1)`, [
              id,
              tenant,
              doc.idFlusso,
              req.tipo,
              req.modalita,
              doc.xml,
              size,
              recordIds.size,
              now,
              createdMs,
            ]);
            const flow = flowRefs.push({ id, idFlusso: doc.idFlusso }) - 1;
            for (const e of doc.entries) carried.push({ recordId: e.recordId, operation: e.operation, flow });
            // The records' statement is queued right behind the flow's row (its rows reference it).
            track(carried.length >= FLUSH ? Promise.all([stored, flush(false)]) : stored);
            await settle(1);
            flows.push({ id, tenant, idFlusso: doc.idFlusso, tipo: req.tipo, modalita: req.modalita, status: 'generato', sizeBytes: size, records: recordIds.size, esitoCodice: null, esitoDescrizione: null, idAcquisizione: null, createdAt: now, createdMs, pulledAt: null, esitoAt: null, version: 1 });
            createdMs++;
          },
        });
        track(flush(true));
        await settle(0);
      } catch (err) {
        // A statement after a failed one fails too (transaction aborted): report the first failure.
        await settle(0).catch(() => undefined);
        throw failures.length ? failures[0] : err;
      }
      await sql('update siuss_flow_counter set last = ? where tenant = ? and day = ?', [progressive, tenant, day]);
      return flows;
    });
  }

  async list(scope: string | null, f: FlowFilter = {}): Promise<{ items: SiussFlow[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (scope) {
      where.push('tenant = ?');
      args.push(scope);
    }
    if (f.tipo) {
      where.push('tipo = ?');
      args.push(f.tipo);
    }
    if (f.status) {
      where.push('status = ?');
      args.push(f.status);
    }
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const sql = sqlOf(this.orm.em.fork());
    const [count] = await sql(`select count(*)::int as n from siuss_flow ${clause}`, args);
    const rows = await sql(`select ${FLOW_COLUMNS} from siuss_flow ${clause} order by created_ms desc limit ? offset ?`, [...args, f.limit ?? 50, f.offset ?? 0]);
    return { items: rows.map((r) => toFlow(r as unknown as FlowRow)), total: Number(count?.n ?? 0) };
  }

  async get(scope: string | null, id: string): Promise<SiussFlow> {
    const sql = sqlOf(this.orm.em.fork());
    const rows = await sql(`select ${FLOW_COLUMNS} from siuss_flow where id = ?${scope ? ' and tenant = ?' : ''}`, scope ? [id, scope] : [id]);
    if (!rows[0]) throw new NotFoundError('Flusso SIUSS', id, 'SIUSS_FLOW_NOT_FOUND');
    return toFlow(rows[0] as unknown as FlowRow);
  }

  /** The flow by its INPS id (EEEE.TIPO.AAAAMMGG.NNNNNNN) within a comune, or null. */
  async byIdFlusso(tenant: string, idFlusso: string): Promise<SiussFlow | null> {
    const rows = await sqlOf(this.orm.em.fork())(`select ${FLOW_COLUMNS} from siuss_flow where tenant = ? and id_flusso = ?`, [tenant, idFlusso]);
    return rows[0] ? toFlow(rows[0] as unknown as FlowRow) : null;
  }

  async xml(scope: string | null, id: string): Promise<{ flow: SiussFlow; xml: string }> {
    const flow = await this.get(scope, id);
    const [row] = await sqlOf(this.orm.em.fork())('select xml from siuss_flow where id = ?', [id]);
    return { flow, xml: row!.xml as string };
  }

  /** A zip of the given flows (default: every flow not yet answered), one `<id_flusso>.xml` per flow (in memory: small sets, tests). */
  async zip(scope: string | null, filter: { ids?: string[]; tipo?: SiussTipo } = {}): Promise<{ zip: Uint8Array; count: number }> {
    const { stream, count } = await this.zipStream(scope, filter);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { zip: new Uint8Array(Buffer.concat(chunks)), count };
  }

  /**
   * The same zip as a stream: flows are read one at a time and deflated as the
   * client reads (at most a few megabytes buffered), so a zip of hundreds of
   * flows never sits in memory whole.
   */
  async zipStream(scope: string | null, filter: { ids?: string[]; tipo?: SiussTipo } = {}): Promise<{ stream: Readable; count: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (scope) {
      where.push('tenant = ?');
      args.push(scope);
    }
    if (filter.ids?.length) {
      where.push('id = any(?::uuid[])');
      args.push(`{${filter.ids.join(',')}}`);
    } else where.push("status in ('generato', 'prelevato')");
    if (filter.tipo) {
      where.push('tipo = ?');
      args.push(filter.tipo);
    }
    const sql = sqlOf(this.orm.em.fork());
    const rows = await sql(`select id, id_flusso from siuss_flow where ${where.join(' and ')} order by created_ms`, args);
    let wake: (() => void) | null = null;
    const stream = new Readable({
      read() {
        wake?.();
        wake = null;
      },
    });
    const zip = new Zip((err, chunk, final) => {
      if (err) return void stream.destroy(err);
      stream.push(Buffer.from(chunk));
      if (final) stream.push(null);
    });
    void (async () => {
      try {
        for (const r of rows) {
          while (stream.readableLength > ZIP_BUFFER && !stream.destroyed) await new Promise<void>((resolve) => (wake = resolve));
          if (stream.destroyed) return;
          const [x] = await sql('select xml from siuss_flow where id = ?', [r.id]);
          const file = new ZipDeflate(`${r.id_flusso as string}.xml`, { level: 6 });
          zip.add(file);
          file.push(strToU8((x?.xml as string | undefined) ?? ''), true);
        }
        zip.end();
      } catch (err) {
        stream.destroy(err as Error);
      }
    })();
    return { stream, count: rows.length };
  }

  /** Flows of a comune created after `sinceMs` (epoch ms), oldest first, with their XML (for the WaaS pull API). */
  async since(tenant: string, sinceMs: number, limit: number): Promise<Array<SiussFlow & { xml: string }>> {
    const rows = await sqlOf(this.orm.em.fork())(`select ${FLOW_COLUMNS}, xml from siuss_flow where tenant = ? and modalita = 'waas' and created_ms > ? order by created_ms limit ?`, [tenant, sinceMs, limit]);
    return rows.map((r) => ({ ...toFlow(r as unknown as FlowRow), xml: r.xml as string }));
  }

  /** Marks flows as pulled by INPS (status generato → prelevato). */
  async markPulled(tenant: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await sqlOf(this.orm.em.fork())("update siuss_flow set status = 'prelevato', pulled_at = ?, version = version + 1 where tenant = ? and id = any(?::uuid[]) and status = 'generato'", [this.clock.now(), tenant, `{${ids.join(',')}}`]);
  }

  /** The records (ids, operation) a flow carries. */
  async records(scope: string | null, id: string): Promise<Array<{ recordId: string; operation: string }>> {
    await this.get(scope, id);
    const rows = await sqlOf(this.orm.em.fork())('select record_id, operation from siuss_flow_record where flow_id = ? order by record_id, operation', [id]);
    return rows.map((r) => ({ recordId: r.record_id as string, operation: r.operation as string }));
  }

  /**
   * Applies INPS's outcome to a flow and its records, in one transaction.
   * `OK` → flow and records `accettato`, with the SIUSS acquisition id; what
   * INPS now holds is the snapshot sent (I) or nothing (C). Any other code →
   * `scartato` with INPS's description: the records go back to the work list
   * for correction (PUT) and re-sending. A record still carried by another
   * flow awaiting its outcome stays `inviato`. Applying the same outcome
   * twice changes nothing; another outcome for an answered flow → 409.
   * Returns null when the comune has no such flow.
   */
  async applyOutcome(tenant: string, idFlusso: string, outcome: FlowOutcome, origin: SiussOrigin = { kind: 'import', actor: 'INPS' }): Promise<SiussFlow | null> {
    return this.register.transaction(async (sql) => {
      const [row] = await sql(`select ${FLOW_COLUMNS} from siuss_flow where tenant = ? and id_flusso = ? for update`, [tenant, idFlusso]);
      if (!row) return null;
      const flow = toFlow(row as unknown as FlowRow);
      const ok = outcome.codice === 'OK';
      if (flow.status === 'accettato' || flow.status === 'scartato') {
        if ((flow.status === 'accettato') === ok) return flow;
        throw new ConflictError(`Il flusso ${idFlusso} ha già un esito (${flow.esitoCodice ?? ''})`, 'SIUSS_FLOW_ANSWERED');
      }
      const at = outcome.at ?? this.clock.now();
      const status: FlowStatus = ok ? 'accettato' : 'scartato';
      await sql('update siuss_flow set status = ?, esito_codice = ?, esito_descrizione = ?, id_acquisizione = ?, esito_at = ?, version = version + 1 where id = ?', [
        status,
        outcome.codice.slice(0, 32),
        outcome.descrizione?.slice(0, 1000) ?? null,
        ok ? (outcome.idAcquisizione?.slice(0, 100) ?? null) : null,
        at,
        flow.id,
      ]);
      const items = await sql('select record_id, operation, snapshot from siuss_flow_record where flow_id = ? order by record_id, operation', [flow.id]);
      const byRecord = new Map<string, Array<{ operation: string; snapshot: RecordData }>>();
      for (const i of items) (byRecord.get(i.record_id as string) ?? byRecord.set(i.record_id as string, []).get(i.record_id as string)!).push({ operation: i.operation as string, snapshot: i.snapshot as RecordData });
      for (const [recordId, ops] of byRecord) {
        const [rr] = await sql('select * from siuss_record where id = ? for update', [recordId]);
        if (!rr) continue;
        const r = toRecord(rr as never);
        let acquired = r.acquired;
        let cancelled = r.cancelled;
        if (ok) {
          // C before I: an update is the cancellation of the old version and the insertion of the new one.
          for (const op of [...ops].sort((a, b) => a.operation.localeCompare(b.operation))) {
            if (op.operation === 'C') {
              if (r.deleted) cancelled = true;
              else acquired = null;
            } else {
              acquired = op.snapshot;
              cancelled = false;
            }
          }
        }
        const [inFlight] = await sql("select count(*)::int as n from siuss_flow_record fr join siuss_flow f on f.id = fr.flow_id where fr.record_id = ? and f.id <> ? and f.status in ('generato', 'prelevato')", [recordId, flow.id]);
        let next: string;
        if (Number(inFlight?.n ?? 0) > 0) next = 'inviato';
        else if (!ok) next = 'scartato';
        else {
          const op = pendingOperation({ deleted: r.deleted, cancelled, acquired, data: r.data });
          next = !op ? 'accettato' : r.errors.length && op !== 'C' ? 'da_completare' : 'pronto';
        }
        await sql('update siuss_record set acquired = ?::jsonb, cancelled = ?, status = ?, esito_codice = ?, esito_descrizione = ?, id_acquisizione = coalesce(?, id_acquisizione), updated_at = ?, version = version + 1 where id = ?', [
          acquired ? JSON.stringify(acquired) : null,
          cancelled,
          next,
          outcome.codice.slice(0, 32),
          outcome.descrizione?.slice(0, 1000) ?? null,
          ok ? (outcome.idAcquisizione?.slice(0, 100) ?? null) : null,
          at,
          recordId,
        ]);
        await this.register.history(sql, tenant, recordId, at, ok ? 'accepted' : 'rejected', origin, {}, `flusso ${idFlusso}: ${outcome.codice}${outcome.descrizione ? ` — ${outcome.descrizione}` : ''}`.slice(0, 1000));
      }
      const [updated] = await sql(`select ${FLOW_COLUMNS} from siuss_flow where id = ?`, [flow.id]);
      return toFlow(updated as unknown as FlowRow);
    });
  }
}
