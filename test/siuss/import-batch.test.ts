/**
 * The set-based import path (src/siuss/register-batch.ts): a chunk of rows
 * normalised and checked in memory and written in one transaction gives, row
 * for row, the outcome the register's own upsert gives applied row after row
 * (the reference path): good and bad rows in one chunk, duplicates within the
 * file and against stored records, merges with their history, a record INPS
 * already holds becoming an update (TipoOperazione C + I). A chunk the
 * database fails as a whole falls back to row by row, refusing only the bad
 * row; progress and the report are persisted chunk by chunk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { ImportService, type RecordSink } from '../../src/siuss/import/import.service.js';
import { registerSink } from '../../src/siuss/import/register-sink.js';
import { sqlOf } from '../../src/siuss/register.service.js';
import { CF_BIANCHI, CF_OPERATORE, CF_ROSSI, PS_CSV_COLUMNS, PS_CSV_MAPPING, cf, periodic, xmllint } from './helpers.js';

let app: TestApp;

test.before(async () => {
  app = await startTestApp();
});
test.after(async () => {
  await app.close();
});

const COLUMNS = PS_CSV_COLUMNS;
const MAPPING = PS_CSV_MAPPING;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;
function row(over: Row): string {
  const r: Row = { cf: CF_ROSSI, cognome: 'rossi', nome: 'mario', anno: '1980', luogo: 'F205', sesso: '1', cittadinanza: 'IT', comune: 'F205', prestazione: 'A1.04', protocollo: 'P-1', prova: '1', dsu: 'INPS-ISEE-2026-0001', carattere: '1', inizio: '01/03/2026', fine: '31/08/2026', periodo: '1', importo: '187,50', presa: '2', ...over };
  return COLUMNS.map((c) => r[c] ?? '').join(';');
}

/** Imports the rows through an ImportService with the given sink and chunk size; returns the report (every row). */
async function importRows(tenant: string, rows: string[], opts: { sink?: RecordSink; batchRows?: number } = {}) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'siuss-batch-')), 'rows.csv');
  fs.writeFileSync(file, [COLUMNS.join(';'), ...rows].join('\n') + '\n');
  const service = new ImportService(app.services.orm, app.clock, opts.sink ?? registerSink(app.services.siuss.register, app.clock), opts.batchRows ?? 2000);
  const { id, done } = await service.start({ tenant, user: 'test', fileName: 'rows.csv', filePath: file, bytes: fs.statSync(file).size, format: 'csv', mapping: MAPPING, mappingName: null });
  await done;
  return service.get(tenant, id, { limit: 10_000 });
}

/** The report of a row without what differs between two comuni (record ids). */
const comparable = (r: { line: number; outcome: string; status: string | null; errors: unknown[]; notes: unknown[] }) => ({ line: r.line, outcome: r.outcome, status: r.status, errors: r.errors, notes: r.notes });

const CF_VERDI = cf('VRDLGU75B12L219');
/** Good, bad, fixable rows; a row repeated with a change (merged within the file); a row repeated unchanged; a stored record merged into. */
const MIXED = [
  row({ protocollo: 'M-1' }), // imported
  row({ cf: CF_ROSSI.slice(0, 15) + (CF_ROSSI.endsWith('A') ? 'B' : 'A'), protocollo: 'M-2' }), // refused: check character
  row({ cf: CF_BIANCHI.toLowerCase(), cognome: 'bianchi', nome: 'laura', sesso: '2', anno: '1985', luogo: 'H501', protocollo: 'M-3', importo: '1.234,50' }), // imported, normalised
  row({ protocollo: 'M-1', importo: '200,00' }), // merged into line 2 (same key, new amount)
  row({ protocollo: 'M-4', inizio: '31/02/2026' }), // refused: no such date
  row({ protocollo: 'M-1', importo: '200,00' }), // merged, nothing changed
  row({ cf: CF_VERDI, cognome: 'verdi', nome: 'luigi', anno: '1975', luogo: 'L219', protocollo: 'STORED', importo: '99,00' }), // merged into the stored record
  row({ protocollo: 'M-5', carattere: '', periodo: '' }), // imported, da_completare (missing the carattere)
  row({ cf: '', protocollo: 'M-6' }), // refused: no key
  row({ protocollo: 'M-7', inizio: '01/04/2026', fine: '30/04/2026' }), // imported: a likely duplicate of M-1 and M-5 (same beneficiary, benefit, overlapping period)
];

async function storeVerdi(tenant: string): Promise<string> {
  const r = await app.services.siuss.register.upsert(tenant, { tipo: 'PS_PSA_SINA', fields: periodic({ CodiceFiscale: CF_VERDI, Cognome: 'Verdi', Nome: 'Luigi', AnnoNascita: '1975', LuogoNascita: 'L219', ProtocolloDomanda: 'STORED', ImportoMensile: '50' }) }, { kind: 'manual', actor: 'test' });
  assert.is(r.outcome, 'created');
  return r.record!.id;
}

test('one chunk with good, bad and duplicate rows: the same report, records and history as row by row', async () => {
  const batched = await app.tenant();
  const reference = await app.tenant();
  const storedBatched = await storeVerdi(batched);
  const storedReference = await storeVerdi(reference);

  const a = await importRows(batched, MIXED);
  const b = await importRows(reference, MIXED, { sink: registerSink(app.services.siuss.register, app.clock, { rowByRow: true }) });
  assert.is(a.status, 'completed');
  assert.equal(a.counts, { imported: 4, merged: 3, refused: 3 });
  assert.equal(a.counts, b.counts);
  assert.equal(a.rows.map(comparable), b.rows.map(comparable));
  assert.equal(a.rows.map((r) => r.outcome), ['imported', 'refused', 'imported', 'merged', 'refused', 'merged', 'merged', 'imported', 'refused', 'imported']);

  // Lines 2, 5 and 7 (file lines: header is 1) are the same record; the stored one was merged into.
  const [m1, , , m1again, , m1same, verdi, m5, , m7] = a.rows;
  assert.is(m1again!.recordId, m1!.recordId);
  assert.is(m1same!.recordId, m1!.recordId);
  assert.is(verdi!.recordId, storedBatched);
  assert.is(m5!.status, 'da_completare');
  assert.ok(m5!.errors.some((e) => e.field === 'CaratterePrestazione'), JSON.stringify(m5!.errors));

  const register = app.services.siuss.register;
  const rec = await register.get(batched, m1!.recordId!);
  assert.is(rec!.data.ImportoMensile, '200');
  assert.is(rec!.version, 2, 'created, then one real change');
  const history = await register.historyOf(batched, rec!.id);
  assert.equal(history.map((h) => h.action), ['created', 'merged']);
  assert.equal(history[1]!.changes, { ImportoMensile: { from: '187.5', to: '200' } });
  assert.is(history[1]!.origin, 'import');
  assert.is(history[1]!.originRef, a.id);

  const merged = await register.get(batched, storedBatched);
  assert.is(merged!.data.ImportoMensile, '99');
  assert.is(merged!.origin, 'manual', 'a merge keeps the origin of the record');
  assert.equal((await register.historyOf(batched, storedBatched)).map((h) => h.action), ['created', 'merged']);

  // Duplicate warnings see the rows before them in the same chunk, as row by row.
  const m7rec = await register.get(batched, m7!.recordId!);
  assert.ok(m7rec!.warnings.some((w) => w.kind === 'duplicato'), JSON.stringify(m7rec!.warnings));

  // Same records on both sides (apart from ids and the comune).
  const strip = (items: Array<{ data: unknown; status: string; errors: unknown; warnings: unknown[]; version: number; naturalKey: string }>) =>
    items.map((r) => ({ key: r.naturalKey, data: r.data, status: r.status, errors: r.errors, warnings: r.warnings.length, version: r.version })).sort((x, y) => x.key.localeCompare(y.key));
  const listA = await register.list(batched, { limit: 100 });
  const listB = await register.list(reference, { limit: 100 });
  assert.is(listA.total, 5);
  assert.equal(strip(listA.items), strip(listB.items));
  assert.ok(storedReference);
});

test('a record INPS already holds, changed by an import, becomes an update (C of the old version, then I of the new)', async () => {
  const tenant = await app.tenant();
  const first = await importRows(tenant, [row({ protocollo: 'U-1' })]);
  const recordId = first.rows[0]!.recordId!;
  const flows = app.services.siuss.flows;
  const [flow] = await flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, { kind: 'manual', actor: 'test' });
  await flows.applyOutcome(tenant, flow!.idFlusso, { codice: 'OK', idAcquisizione: 'ACQ-1' });
  assert.is((await app.services.siuss.register.get(tenant, recordId))!.status, 'accettato');

  const unchanged = await importRows(tenant, [row({ protocollo: 'U-1' })]);
  assert.is(unchanged.rows[0]!.outcome, 'merged');
  assert.is(unchanged.rows[0]!.status, 'accettato', 'the same data: nothing to send');

  const changed = await importRows(tenant, [row({ protocollo: 'U-1', importo: '250,00' })]);
  assert.is(changed.rows[0]!.outcome, 'merged');
  assert.is(changed.rows[0]!.status, 'pronto');
  const rec = await app.services.siuss.register.get(tenant, recordId);
  assert.is(rec!.operation, 'U');
  const [update] = await flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, { kind: 'manual', actor: 'test' });
  const { xml } = await flows.xml(tenant, update!.id);
  assert.match(xml, /TipoOperazione="C"[^>]*ImportoMensile="187.5"/);
  assert.match(xml, /TipoOperazione="I"[^>]*ImportoMensile="250"/);
  xmllint(xml, 'PS_PSA_SINA');
  assert.equal((await flows.records(tenant, update!.id)).map((r) => r.operation), ['C', 'I']);
});

test('a chunk the database fails as a whole is applied row by row: only the failing row is refused', async () => {
  const tenant = await app.tenant();
  const sql = sqlOf(app.services.orm.em.fork());
  // A failure no check foresees: a trigger refusing one protocollo.
  await sql(`create or replace function siuss_test_boom() returns trigger language plpgsql as $$ begin if new.data->>'ProtocolloDomanda' = 'BOOM' then raise exception 'boom: protocollo rifiutato dal database'; end if; return new; end $$`);
  await sql('create trigger siuss_test_boom before insert or update on siuss_record for each row execute function siuss_test_boom()');
  try {
    const report = await importRows(tenant, [row({ protocollo: 'F-1' }), row({ protocollo: 'BOOM' }), row({ protocollo: 'F-2' }), row({ protocollo: 'F-1', importo: '10,00' })]);
    assert.is(report.status, 'completed');
    assert.equal(report.rows.map((r) => r.outcome), ['imported', 'refused', 'imported', 'merged']);
    assert.match(report.rows[1]!.errors[0]!.message, /boom: protocollo rifiutato/, JSON.stringify(report.rows[1]));
    assert.equal(report.counts, { imported: 2, merged: 1, refused: 1 });
    const list = await app.services.siuss.register.list(tenant, {});
    assert.equal(list.items.map((r) => r.data.ProtocolloDomanda).sort(), ['F-1', 'F-2']);
    assert.is(list.items.find((r) => r.data.ProtocolloDomanda === 'F-1')!.data.ImportoMensile, '10');
  } finally {
    await sql('drop trigger if exists siuss_test_boom on siuss_record');
    await sql('drop function if exists siuss_test_boom()');
  }
});

test('progress and the report are persisted chunk by chunk: an import stopped midway keeps its finished chunks, nothing half-written', async () => {
  const tenant = await app.tenant();
  const inner = registerSink(app.services.siuss.register, app.clock);
  const seen: Array<{ rows_read: number; imported: number }> = [];
  let calls = 0;
  const sink: RecordSink = {
    async saveBatch(t, tipo, rows, origin, report) {
      calls++;
      const [progress] = (await sqlOf(app.services.orm.em.fork())('select rows_read, imported from siuss_import where id = ?', [origin.importId])) as Array<{ rows_read: number; imported: number }>;
      seen.push(progress!);
      if (calls === 3) throw new Error('connessione persa');
      return inner.saveBatch(t, tipo, rows, origin, report);
    },
  };
  const rows = Array.from({ length: 7 }, (_, i) => row({ protocollo: `P-${i}` }));
  const report = await importRows(tenant, rows, { sink, batchRows: 2 });
  assert.equal(seen, [{ rows_read: 0, imported: 0 }, { rows_read: 2, imported: 2 }, { rows_read: 4, imported: 4 }]);
  assert.is(report.status, 'failed');
  assert.is(report.error!.code, 'IMPORT_FAILED');
  assert.equal(report.counts, { imported: 4, merged: 0, refused: 0 });
  assert.equal(report.rows.map((r) => r.line), [2, 3, 4, 5]);
  assert.is((await app.services.siuss.register.list(tenant, {})).total, 4, 'the rows of the failed chunk are not written');
});

test('pipeline: a chunk is prepared while the previous one is written; a key seen in an earlier chunk merges into what it wrote', async () => {
  const tenant = await app.tenant();
  const inner = registerSink(app.services.siuss.register, app.clock);
  const events: string[] = [];
  let prepared = 0;
  let saved = 0;
  // A save waits (up to 5 s) for the next chunk to be prepared: with the pipeline it is, without it the wait times out.
  const waiters: Array<() => void> = [];
  const preparedAtLeast = (n: number) => new Promise<boolean>((resolve) => {
    const check = () => prepared >= n && (resolve(true), true);
    if (check()) return;
    const timer = setTimeout(() => resolve(false), 5000);
    waiters.push(() => check() && clearTimeout(timer));
  });
  const sink: RecordSink<unknown> = {
    async prepare(tipo, rows) {
      const result = await inner.prepare!(tipo, rows);
      events.push(`prepared ${++prepared}`);
      waiters.forEach((w) => w());
      return result;
    },
    async saveBatch(t, tipo, rows, origin, report, ready) {
      const n = ++saved;
      events.push(`save ${n}`);
      const results = await inner.saveBatch(t, tipo, rows, origin, report, ready as Awaited<ReturnType<NonNullable<typeof inner.prepare>>>);
      if (n < 3 && !(await preparedAtLeast(n + 1))) events.push(`chunk ${n + 1} not prepared during save ${n}`);
      events.push(`saved ${n}`);
      return results;
    },
  };
  const rows = [row({ protocollo: 'Q-0' }), row({ protocollo: 'Q-1' }), row({ protocollo: 'Q-2' }), row({ protocollo: 'Q-3' }), row({ protocollo: 'Q-0', importo: '20,00' }), row({ protocollo: 'Q-4' })];
  const report = await importRows(tenant, rows, { sink, batchRows: 2 });
  assert.is(report.status, 'completed');
  assert.equal(report.rows.map((r) => r.outcome), ['imported', 'imported', 'imported', 'imported', 'merged', 'imported']);
  assert.equal(report.counts, { imported: 5, merged: 1, refused: 0 });
  // Chunk 2 was prepared before chunk 1 was saved, chunk 3 before chunk 2 was saved; saves stay in file order.
  assert.ok(events.indexOf('prepared 2') < events.indexOf('saved 1'), events.join(', '));
  assert.ok(events.indexOf('prepared 3') < events.indexOf('saved 2'), events.join(', '));
  assert.equal(events.filter((e) => e.startsWith('save')), ['save 1', 'saved 1', 'save 2', 'saved 2', 'save 3', 'saved 3']);
  const q0 = (await app.services.siuss.register.list(tenant, {})).items.find((r) => r.data.ProtocolloDomanda === 'Q-0')!;
  assert.is(q0.data.ImportoMensile, '20');
});

test.run();
