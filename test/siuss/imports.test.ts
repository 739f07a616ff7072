/**
 * Issue 13, item 3: imports from other software into the SIUSS register.
 * CSV in UTF-8 and Windows-1252 with ; and , delimiters, XLSX and
 * fixed-width TXT, each with a good row, a row normalisation fixes and bad
 * rows: good ones are imported, bad ones listed with their reasons, nothing
 * half-written. A mapping saved once is reused by name; a large file answers
 * 202 and is followed with GET /siuss/imports/{id}. Another comune sees
 * neither the import nor the mapping.
 */
import http from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import codiceFiscaleModule from 'codice-fiscale-js';
import { startTestApp, type Client, type TestApp } from '../helpers/harness.js';

const lib = (codiceFiscaleModule as unknown as { CodiceFiscale: { getCheckCode(s: string): string } }).CodiceFiscale;
const cf = (first15: string) => first15 + lib.getCheckCode(first15);
const CF_ROSSI = cf('RSSMRA80A01F205');
const CF_BIANCHI = cf('BNCLRA85M41H501');
const CF_BAD = CF_ROSSI.slice(0, 15) + (CF_ROSSI.endsWith('A') ? 'B' : 'A'); // wrong check character

let app: TestApp;
let comune: string;
let other: string;
let op: Client;
let otherOp: Client;
let social: Client;

test.before(async () => {
  app = await startTestApp({ config: { siussImportSyncBytes: 4000, siussImportMaxBytes: 200_000 } });
  comune = await app.tenant();
  other = await app.tenant();
  op = await app.user({ tenant: comune, roles: ['operatore'] });
  otherOp = await app.user({ tenant: other, roles: ['operatore'] });
  social = await app.user({ tenant: comune, roles: ['assistente_sociale'] });
});
test.after(async () => {
  await app.services.siussImports.drain();
  await app.close();
});

/** The columns of "Gestionale X", a made-up social services package. */
const HEADER = ['Codice Fiscale', 'Cognome', 'Nome', 'Anno nascita', 'Luogo nascita', 'Sesso', 'Cittadinanza', 'Comune residenza', 'Codice prestazione', 'Protocollo', 'Prova mezzi', 'DSU', 'Carattere', 'Data inizio', 'Data fine', 'Periodo', 'Importo mensile', 'Presa in carico'];
const MAPPING = {
  tipo: 'PS_PSA_SINA',
  fields: {
    CodiceFiscale: 'Codice Fiscale',
    Cognome: 'Cognome',
    Nome: 'Nome',
    AnnoNascita: 'Anno nascita',
    LuogoNascita: 'Luogo nascita',
    Genere: 'Sesso',
    CodiceCittadinanza: 'Cittadinanza',
    CodiceComune: 'Comune residenza',
    CodicePrestazione: 'Codice prestazione',
    ProtocolloDomanda: 'Protocollo',
    PresenzaProvaMezzi: 'Prova mezzi',
    NumeroProtocolloDSU: 'DSU',
    CaratterePrestazione: 'Carattere',
    DataInizioPrestazione: 'Data inizio',
    DataFinePrestazione: 'Data fine',
    PeriodoErogazione: 'Periodo',
    ImportoMensile: 'Importo mensile',
    PresaCarico: 'Presa in carico',
  },
};

/** Rows: good, fixable (lower case, Italian dates, decimal comma, accents), bad (check character), bad (no codice fiscale), bad (31 February). */
function rows(protocol: string): string[][] {
  const base = (over: Partial<Record<string, string>>) => {
    const r: Record<string, string> = {
      'Codice Fiscale': CF_ROSSI, Cognome: 'ROSSI', Nome: 'MARIO', 'Anno nascita': '1980', 'Luogo nascita': 'F205', Sesso: '1', Cittadinanza: '380', 'Comune residenza': '015146',
      'Codice prestazione': 'A1.04', Protocollo: `${protocol}-1`, 'Prova mezzi': '1', DSU: 'INPS-ISEE-2026-0001', Carattere: '1', 'Data inizio': '2026-03-01', 'Data fine': '2026-08-31', Periodo: '1', 'Importo mensile': '250.00', 'Presa in carico': '2',
      ...over,
    };
    return HEADER.map((h) => r[h] ?? '');
  };
  return [
    base({}),
    base({ 'Codice Fiscale': CF_BIANCHI.toLowerCase(), Cognome: 'bianchi', Nome: 'Laura Nicolò', Sesso: 'F', Cittadinanza: 'IT', 'Comune residenza': 'F205', 'Codice prestazione': 'a1.04', Protocollo: `${protocol}-2`, Carattere: 'periodico', 'Data inizio': '01/03/2026', 'Data fine': '31/08/2026', 'Importo mensile': '1.234,50' }),
    base({ 'Codice Fiscale': CF_BAD, Protocollo: `${protocol}-3` }),
    base({ 'Codice Fiscale': '', Protocollo: `${protocol}-4` }),
    base({ Protocollo: `${protocol}-5`, 'Data inizio': '31/02/2026' }),
  ];
}

function csv(data: string[][], delimiter: string): string {
  const cell = (v: string) => (v.includes(delimiter) || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v);
  return [HEADER, ...data].map((r) => r.map(cell).join(delimiter)).join('\r\n') + '\r\n';
}

async function upload(client: Client, file: Buffer | string, name: string, mapping: unknown, extra: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(typeof file === 'string' ? Buffer.from(file, 'utf8') : file)]), name);
  form.append('mapping', typeof mapping === 'string' ? mapping : JSON.stringify(mapping));
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return client.request('POST', '/api/v1/siuss/imports', form);
}

function assertGoodFixableBad(report: any, what: string) {
  assert.is(report.status, 'completed', what);
  assert.equal(report.counts, { imported: 2, merged: 0, refused: 3 }, what);
  const byLine = new Map<number, any>(report.rows.map((r: any) => [r.line, r]));
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  assert.is(lines.length, 5, what);
  const [good, fixable, badCf, noCf, badDate] = lines.map((l) => byLine.get(l));
  assert.is(good.outcome, 'imported', what);
  assert.is(good.status, 'pronto', `${what}: ${JSON.stringify(good.errors)}`);
  assert.is(fixable.outcome, 'imported', what);
  assert.is(fixable.status, 'pronto', `${what}: ${JSON.stringify(fixable.errors)}`);
  assert.ok(fixable.notes.length > 0, `${what}: normalisation reported`);
  assert.is(badCf.outcome, 'refused', what);
  assert.ok(badCf.errors.some((e: any) => e.field === 'CodiceFiscale'), `${what}: ${JSON.stringify(badCf.errors)}`);
  assert.is(noCf.outcome, 'refused', what);
  assert.ok(noCf.errors.some((e: any) => e.field === 'CodiceFiscale'), what);
  assert.is(badDate.outcome, 'refused', what);
  assert.ok(badDate.errors.some((e: any) => e.field === 'DataInizioPrestazione'), `${what}: ${JSON.stringify(badDate.errors)}`);
  assert.is(badCf.recordId, null);
  return { good, fixable };
}

async function record(id: string) {
  const r = await app.services.siuss.register.get(comune, id);
  assert.ok(r, `record ${id}`);
  return r!;
}

test('a mapping is saved per comune (201, then 200 on replace), read back, and invisible to another comune', async () => {
  const put = await op.put('/api/v1/siuss/mappings/gestionale-x', MAPPING);
  assert.is(put.status, 201, JSON.stringify(put.body));
  assert.is(put.body.tenant, comune);
  assert.is((await op.put('/api/v1/siuss/mappings/gestionale-x', { ...MAPPING, description: 'Export di Gestionale X' })).status, 200);
  const got = await op.get('/api/v1/siuss/mappings/gestionale-x');
  assert.is(got.body.mapping.description, 'Export di Gestionale X');
  assert.is((await otherOp.get('/api/v1/siuss/mappings/gestionale-x')).status, 404);
  const bad = await op.put('/api/v1/siuss/mappings/sbagliata', { fields: { CampoInventato: 'x' } });
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'MAPPING_INVALID');
});

test('CSV in UTF-8 with ; and the saved mapping: good and fixable rows imported, bad rows listed; again: merged', async () => {
  const file = csv(rows('U8'), ';');
  const r = await upload(op, file, 'export.csv', 'gestionale-x');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.mapping, 'gestionale-x');
  assert.is(r.body.format, 'csv');
  const { fixable } = assertGoodFixableBad(r.body, 'utf-8 ;');
  const rec = await record(fixable.recordId);
  assert.is(rec.data.Cognome, 'BIANCHI');
  assert.is(rec.data.CodiceFiscale, CF_BIANCHI);
  assert.is(rec.data.DataInizioPrestazione, '2026-03-01');
  assert.is(rec.origin, 'import');
  assert.is(rec.originRef, r.body.id);
  const again = await upload(op, file, 'export.csv', 'gestionale-x');
  assert.equal(again.body.counts, { imported: 0, merged: 2, refused: 3 });
  // The refused rows can be listed on their own.
  const refused = await op.get(`/api/v1/siuss/imports/${r.body.id}?outcome=refused`);
  assert.is(refused.body.rowsTotal, 3);
  assert.ok(refused.body.rows.every((x: any) => x.outcome === 'refused'));
});

test('CSV in Windows-1252 with , and an inline mapping: accents read right', async () => {
  const file = iconv.encode(csv(rows('W1252'), ','), 'win1252');
  assert.ok(!file.includes(Buffer.from('ò', 'utf8')), 'the file really is Windows-1252');
  const r = await upload(op, file, 'export-win.csv', MAPPING);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.mapping, null);
  const { fixable } = assertGoodFixableBad(r.body, 'windows-1252 ,');
  const rec = await record(fixable.recordId);
  assert.ok(/^LAURA NICOL/.test(String(rec.data.Nome)), String(rec.data.Nome));
  assert.ok(!String(rec.data.Nome).includes('\uFFFD') && !String(rec.data.Nome).includes('Ã'), String(rec.data.Nome));
});

test('XLSX (dates and numbers as Excel cells) with good, fixable and bad rows', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Prestazioni');
  ws.addRow(HEADER);
  for (const r of rows('XL')) {
    const cells: unknown[] = [...r];
    const di = HEADER.indexOf('Data inizio');
    if (/^\d{4}-\d{2}-\d{2}$/.test(r[di]!)) cells[di] = new Date(`${r[di]}T00:00:00Z`);
    const im = HEADER.indexOf('Importo mensile');
    if (/^\d+\.\d+$/.test(r[im]!)) cells[im] = Number(r[im]);
    ws.addRow(cells);
  }
  const file = Buffer.from(await wb.xlsx.writeBuffer());
  const r = await upload(op, file, 'export.xlsx', 'gestionale-x');
  assert.is(r.status, 202, JSON.stringify(r.body)); // a zipped workbook is above the 4000-byte threshold of this test app
  await app.services.siussImports.drain();
  r.body = (await op.get(`/api/v1/siuss/imports/${r.body.id}`)).body;
  assert.is(r.body.format, 'xlsx');
  const { good } = assertGoodFixableBad(r.body, 'xlsx');
  const rec = await record(good.recordId);
  assert.is(rec.data.DataInizioPrestazione, '2026-03-01');
});

test('fixed-width TXT with positions in the mapping', async () => {
  const widths: Array<[string, number]> = HEADER.map((h) => [h, h === 'Nome' || h === 'Cognome' || h === 'DSU' ? 24 : 16]);
  const fields: Record<string, { start: number; length: number }> = {};
  let start = 1;
  const byColumn = new Map(Object.entries(MAPPING.fields).map(([field, col]) => [col, field]));
  for (const [h, w] of widths) {
    fields[byColumn.get(h)!] = { start, length: w };
    start += w;
  }
  const text = ['TRACCIATO GESTIONALE X v2', ...rows('TXT').map((r) => r.map((v, i) => v.padEnd(widths[i]![1])).join(''))].join('\n') + '\n';
  const r = await upload(op, iconv.encode(text, 'win1252'), 'export.txt', { tipo: 'PS_PSA_SINA', format: 'txt', skipLines: 1, fields });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assertGoodFixableBad(r.body, 'txt');
});

test('a large file answers 202; GET shows progress and then the report; another comune gets 404', async () => {
  const data: string[][] = [];
  for (let i = 0; i < 40; i++) data.push(...rows(`BIG${i}`).slice(0, 2).map((r, j) => r.map((v, k) => (HEADER[k] === 'Protocollo' ? `BIG-${i}-${j}` : v))));
  const file = csv(data, ';');
  assert.ok(file.length > 4000);
  const r = await upload(op, file, 'grande.csv', 'gestionale-x');
  assert.is(r.status, 202, JSON.stringify(r.body));
  assert.ok(['running', 'completed'].includes(r.body.status));
  assert.is(r.body.progress.bytesTotal, Buffer.byteLength(file));
  await app.services.siussImports.drain();
  const done = await op.get(`/api/v1/siuss/imports/${r.body.id}`);
  assert.is(done.body.status, 'completed');
  assert.equal(done.body.progress.percent, 100);
  assert.is(done.body.progress.rowsRead, 80);
  assert.is(done.body.counts.imported + done.body.counts.merged, 80);
  assert.is((await otherOp.get(`/api/v1/siuss/imports/${r.body.id}`)).status, 404);
  assert.is((await op.get('/api/v1/siuss/imports/not-a-uuid')).status, 404);
});

test('bad requests: missing columns, unknown mapping, unknown format, no file; wrong role and oversized files refused', async () => {
  const missing = await upload(op, 'Codice Fiscale;Cognome\r\nX;Y\r\n', 'x.csv', 'gestionale-x');
  assert.is(missing.status, 422);
  assert.is(missing.body.error.code, 'IMPORT_COLUMNS_MISSING');
  assert.is((await upload(op, 'a;b\r\n', 'x.csv', 'inesistente')).status, 404);
  assert.is((await upload(otherOp, csv(rows('O'), ';'), 'x.csv', 'gestionale-x')).status, 404, "another comune's mapping");
  const fmt = await upload(op, 'a;b\r\n', 'x.ods', MAPPING);
  assert.is(fmt.body.error.code, 'IMPORT_FORMAT_UNKNOWN');
  const form = new FormData();
  form.append('mapping', 'gestionale-x');
  assert.is((await op.request('POST', '/api/v1/siuss/imports', form)).body.error.code, 'IMPORT_FILE_REQUIRED');
  assert.is((await upload(social, 'a;b\r\n', 'x.csv', 'gestionale-x')).status, 403);
  const big = await upload(op, Buffer.alloc(300_000, 'a'), 'x.csv', 'gestionale-x');
  assert.is(big.status, 413);
  const mine = await app.services.siuss.register.list(comune, {});
  assert.ok(mine.items.every((x) => x.tenant === comune));
  assert.is((await app.services.siuss.register.list(other, {})).total, 0, 'nothing reached the other comune');
});

/** Sends the headers of a `declared`-byte upload and only its first kilobyte: an answer can only come from a server that decided without the body. */
function partialUpload(token: string | null, declared: number): Promise<number> {
  const url = new URL(`${app.baseUrl}/api/v1/siuss/imports`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': String(declared), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no answer before the body was sent'));
    }, 5000);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => undefined);
    req.write(`--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n${'x'.repeat(1024)}`);
  });
}

test('the upload gate decides before the body: wrong role 403, no credentials 401, declared size over SIUSS_IMPORT_MAX_MB 413', async () => {
  assert.is(await partialUpload(social.token, 100_000), 403);
  assert.is(await partialUpload(null, 100_000), 401);
  assert.is(await partialUpload(op.token, 50 * 1024 * 1024), 413);
});

test.run();
