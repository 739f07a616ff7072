/**
 * The SIUSS pages (issue 13 item 9) in a real headless browser, every visited
 * page checked with axe-core: an operatore sees the register, runs the
 * completeness check, corrects a record in place so it becomes pronto (a
 * stale form answers the 409 message), enters a record by hand (refused with
 * a per-field message, then accepted), generates a flow and downloads its XML
 * (valid against the XSD); another comune's record is the 404 page; an
 * analista gets the 403 page.
 */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { ensureAssets } from '../../src/web/assets.js';
import { CF_OPERATORE, periodic, withSina, xmllint } from '../siuss/helpers.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit } from './browser.js';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let A: string;
let opName: string;
let analystName: string;
let respName: string;
let metroName: string;
let incompleteId: string;
let otherId: string;

/** Screenshots only with SIUSS_SCREENSHOTS=<dir> (a manual look at the layout). */
async function shot(name: string): Promise<void> {
  if (process.env.SIUSS_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SIUSS_SCREENSHOTS, name), fullPage: true });
}

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  A = await app.tenant('Comune di Siuss');
  const B = await app.tenant('Comune di Altrove');
  opName = `op-siuss-${A.toLowerCase()}`;
  analystName = `an-siuss-${A.toLowerCase()}`;
  await app.user({ tenant: A, username: opName, roles: ['operatore'] });
  await app.user({ tenant: A, username: analystName, roles: ['analista'] });
  await app.user({ tenant: A, username: `admin-siuss-${A.toLowerCase()}`, roles: ['admin'] });
  respName = `resp-siuss-${A.toLowerCase()}`;
  metroName = `metro-siuss-${A.toLowerCase()}`;
  await app.user({ tenant: A, username: respName, roles: ['responsabile'] });
  await app.user({ tenant: null, username: metroName, roles: ['responsabile'] });
  const { register } = app.services.siuss;
  const incomplete = await register.upsert(A, { tipo: 'PS_PSA_SINA', fields: withSina({ AreaSupporto: '' }) }, { kind: 'import', ref: 'lotto-1', actor: null });
  assert.is(incomplete.record?.status, 'da_completare');
  incompleteId = incomplete.record!.id;
  const other = await register.upsert(B, { tipo: 'PS_PSA_SINA', fields: periodic() }, { kind: 'manual', actor: 'altro' });
  otherId = other.record!.id;
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  await signIn(page, opName);
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

test('register, check, in-place correction (409 on a stale form), manual entry, flow generation and XML download; other comune 404', async () => {
  await page.goto('/siuss');
  await assertAccessible(page, 'register');
  await shot('siuss-registro.png');
  assert.match(await page.locator('h1').innerText(), /Debito informativo/);
  assert.match(await page.locator('#conteggio-da_completare').innerText(), /1/);
  assert.is(await page.locator('#tabella-record tbody tr[data-stato="da_completare"]').count(), 1);

  await submit(page, '#verifica');
  assert.match(await page.locator('.alert').first().innerText(), /Verifica di completezza eseguita su 1 record: 0 pronti, 1 con errori/);
  assert.match(page.url(), /stato=da_completare/);
  await submit(page, '#tabella-record tbody a');
  assert.is(new URL(page.url()).pathname, `/siuss/record/${incompleteId}`);
  await assertAccessible(page, 'record');
  await shot('siuss-record.png');
  assert.match(await page.locator('#campo-AreaSupporto-errore').innerText(), /obbligatorio/);
  assert.match(await page.locator('#riepilogo-errori').innerText(), /AreaSupporto/);

  // Someone else changes the record meanwhile: the stale form is refused with the 409 message.
  const r = (await app.services.siuss.register.get(A, incompleteId))!;
  await app.services.siuss.register.update(A, incompleteId, { ...r.data, Nome: 'Laura' }, r.version, { kind: 'manual', actor: 'collega' });
  await page.fill('#campo-AreaSupporto', '2');
  await submit(page, '#salva-record');
  assert.match(await page.locator('#messaggio-record').innerText(), /modificato da altri/);
  assert.match(await page.inputValue('#campo-Nome'), /^laura$/i, 'the form shows the current record');
  await page.fill('#campo-AreaSupporto', '2');
  await submit(page, '#salva-record');
  assert.match(await page.locator('#stato-record').innerText(), /Pronto/);
  assert.match(await page.locator('.alert-success').innerText(), /pronto per l'invio/);
  assert.match(await page.locator('#storia-record').innerText(), /collega/);

  // Manual entry: an invalid value is refused with its message next to the field, then accepted.
  await page.goto('/siuss/nuovo');
  await assertAccessible(page, 'manual entry');
  for (const [k, v] of Object.entries(periodic({ Genere: 'X' }))) await page.fill(`#campo-${k}`, String(v));
  await submit(page, '#registra-record');
  assert.match(await page.locator('#campo-Genere-errore').innerText(), /non ammesso/);
  assert.match(await page.locator('#riepilogo-errori').innerText(), /non è stato registrato/);
  assert.is(await page.inputValue('#campo-Cognome'), 'Rossi', 'the values are kept');
  await assertAccessible(page, 'manual entry with errors');
  await page.fill('#campo-Genere', 'M');
  await submit(page, '#registra-record');
  assert.match(new URL(page.url()).pathname, /^\/siuss\/record\//);
  assert.match(await page.locator('#stato-record').innerText(), /Pronto/);

  // Generation of a file flow from the two ready records, then its XML.
  await page.goto('/siuss');
  assert.match(await page.locator('#conteggio-pronto').innerText(), /2/);
  await page.selectOption('#genera-tipo', 'PS_PSA_SINA');
  await page.selectOption('#genera-modalita', 'file');
  await page.fill('#genera-cf', CF_OPERATORE);
  await submit(page, '#genera');
  assert.is(new URL(page.url()).pathname, '/siuss/flussi');
  await assertAccessible(page, 'flows');
  await shot('siuss-flussi.png');
  assert.match(await page.locator('.alert-success').innerText(), /Generato 1 flusso .* con 2 record/);
  const row = page.locator('#tabella-flussi tbody tr').first();
  assert.match(await row.innerText(), /File/);
  const href = (await row.locator('a').getAttribute('href'))!;
  const xml = await page.request.get(href);
  assert.is(xml.status(), 200);
  assert.match(xml.headers()['content-type'] ?? '', /xml/);
  xmllint(await xml.text(), 'PS_PSA_SINA');
  const zip = await page.request.get('/siuss/flussi.zip');
  assert.is(zip.status(), 200);
  assert.is(zip.headers()['x-flussi'], '1');

  const missing = await page.goto(`/siuss/record/${otherId}`);
  assert.is(missing?.status(), 404);
  await assertAccessible(page, 'other comune record');
  assert.is((await page.request.get(`/siuss/flussi/${otherId}/xml`)).status(), 404);
});

test('a responsabile enters the INPS outcome of the file flow: flow and records accettato; a metropolitan user picks a comune first', async () => {
  const other = await newContext(browser, app.baseUrl);
  const p = await other.newPage();
  await signIn(p, respName);
  await p.goto('/siuss/flussi');
  await p.locator('#tabella-flussi summary').first().click();
  await p.locator('#tabella-flussi input[name="idAcquisizione"]').first().fill('ACQ-77');
  await submit(p, p.locator('#tabella-flussi form button').first());
  assert.match(await p.locator('.alert-success').innerText(), /record accettati/);
  assert.match(await p.locator('#tabella-flussi tbody tr').first().innerText(), /Accettato[\s\S]*ACQ-77/);
  await assertAccessible(p, 'flows after outcome');
  await p.goto('/siuss');
  assert.match(await p.locator('#conteggio-accettato').innerText(), /2/);
  await other.close();

  const metro = await newContext(browser, app.baseUrl);
  const m = await metro.newPage();
  await signIn(m, metroName);
  await m.goto('/siuss');
  assert.match(await m.locator('main').innerText(), /scegli nell'intestazione il comune/i);
  await assertAccessible(m, 'metropolitan without comune');
  await metro.close();
});

test('import page: a CSV with a JSON mapping; missing mapping refused next to the field; the report lists imported and refused rows', async () => {
  const good = periodic({ ProtocolloDomanda: 'P-IMP-1' });
  const header = Object.keys(good);
  const refused = { ...good, CodiceFiscale: '', ProtocolloDomanda: 'P-IMP-2' };
  const csv = [header, header.map((h) => String(good[h])), header.map((h) => String((refused as Record<string, unknown>)[h]))].map((r) => r.join(';')).join('\r\n') + '\r\n';
  const mapping = JSON.stringify({ tipo: 'PS_PSA_SINA', delimiter: ';', fields: Object.fromEntries(header.map((h) => [h, h])) });
  await page.goto('/siuss');
  await submit(page, 'a[href="/siuss/importa"]');
  await assertAccessible(page, 'import form');
  await page.setInputFiles('#importa-file', { name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await submit(page, '#importa');
  assert.match(await page.locator('#importa-mapping-errore').innerText(), /mappatura/);
  await assertAccessible(page, 'import form with errors');
  await page.setInputFiles('#importa-file', { name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.fill('#importa-mapping', mapping);
  await submit(page, '#importa');
  assert.match(new URL(page.url()).pathname, /^\/siuss\/importazioni\//);
  await assertAccessible(page, 'import report');
  await shot('siuss-importazione.png');
  assert.match(await page.locator('#stato-importazione').innerText(), /Completata/);
  assert.match(await page.locator('#conteggi-importazione').innerText(), /1 importate, 0 unite a record esistenti, 1 scartate/);
  assert.match(await page.locator('#righe-importazione').innerText(), /Scartata[\s\S]*CodiceFiscale|CodiceFiscale[\s\S]*Scartata/i);
  await submit(page, '#righe-importazione a');
  assert.match(await page.locator('#stato-record').innerText(), /Pronto/);
});

test('an analista gets the 403 page', async () => {
  const other = await newContext(browser, app.baseUrl);
  const p = await other.newPage();
  await signIn(p, analystName);
  const res = await p.goto('/siuss');
  assert.is(res?.status(), 403);
  await assertAccessible(p, '403');
  await other.close();
  // The header offers the section to an admin too: the register opens.
  const admin = await newContext(browser, app.baseUrl);
  const a = await admin.newPage();
  await signIn(a, `admin-siuss-${A.toLowerCase()}`);
  assert.is((await a.goto('/siuss'))?.status(), 200);
  await admin.close();
});

test.run();
