/**
 * The analysts' tailoring pages in a real headless browser, every visited page
 * checked with axe-core: /parametri refuses an out-of-range value with the
 * server's Italian message beside the field, accepts a valid one and lists it
 * in the history (then restores the older version); /moduli creates the
 * comune's override of a shared form in the form-js editor, previews it with
 * sample data and publishes it as a deployment; /decisioni draws a DMN table
 * and evaluates it in the «Prova» panel (result and matched rules);
 * /calendario adds a closure and the sample due date moves by one day; an
 * operatore gets the 403 page on all four.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { ensureAssets } from '../../src/web/assets.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit, saveScreenshot } from './browser.js';


let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tenant: string;
let analyst: Client;
const analystName = 'analista-tailor';
const operatorName = 'op-tailor';
/** Script errors and CSP refusals in the analyst's page. */
const pageErrors: string[] = [];

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  tenant = await app.tenant('Comune di Prova Modelli');
  analyst = await app.user({ tenant, username: analystName, roles: ['analista'] });
  await app.user({ tenant, username: operatorName, roles: ['operatore'], groups: ['operatori-rei'] });
  const admin = await app.admin();
  const r = await deploy(admin, { 'rei-requisiti.dmn': fs.readFileSync('processes/rei-requisiti.dmn', 'utf8') }, null);
  assert.is(r.status, 201, JSON.stringify(r.body));
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

test('an operatore gets the 403 page on the tailoring pages', async () => {
  await signIn(page, operatorName);
  for (const p of ['/parametri', '/moduli', '/decisioni', '/calendario']) {
    const r = await page.goto(p);
    assert.is(r?.status(), 403, p);
    assert.match((await page.textContent('main')) ?? '', 'Accesso non consentito');
  }
  await assertAccessible(page, '403');
  await submit(page, 'header button:has-text("Esci")');
  await signIn(page, analystName);
});

test('parametri: an out-of-range value is refused beside its field, a valid one is saved and listed in the history, an older version restored', async () => {
  await page.goto('/parametri');
  await assertAccessible(page, 'parametri');
  assert.match((await page.textContent('main')) ?? '', 'il comune usa i valori predefiniti');
  await page.fill('#par-giorniIstruttoria', '500');
  await submit(page, '#salva-parametri');
  assert.match((await page.textContent('#riepilogo-errori')) ?? '', /Giorni lavorativi per controlli comunali e invio a INPS: Deve essere al massimo 120/);
  assert.match((await page.textContent('#par-giorniIstruttoria-errore')) ?? '', 'Deve essere al massimo 120.');
  assert.is(await page.inputValue('#par-giorniIstruttoria'), '500');
  await assertAccessible(page, 'parametri (errore)');
  await page.locator('#par-giorniIstruttoria').scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'parametri-errore.png');
  const api = await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei`);
  assert.is(api.body.version, 0, 'nothing saved');

  await page.fill('#par-giorniIstruttoria', '20');
  await page.fill('#par-commento', 'Più tempo per i controlli');
  await submit(page, '#salva-parametri');
  assert.match((await page.textContent('main')) ?? '', 'Parametri salvati');
  assert.is(await page.inputValue('#par-giorniIstruttoria'), '20');
  assert.ok(await page.locator('.parametro-modificato #par-giorniIstruttoria').count(), 'changed value highlighted');
  const history = (await page.textContent('#storico-parametri')) ?? '';
  assert.match(history, analystName);
  assert.match(history, /Giorni lavorativi per controlli comunali e invio a INPS: 15 → 20/);
  assert.match(history, 'Più tempo per i controlli');
  const saved = await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei`);
  assert.is(saved.body.values.giorniIstruttoria, 20);
  assert.is(saved.body.sources.giorniIstruttoria, 'override');

  await page.fill('#par-beneficio-coefficiente', '0,8');
  await submit(page, '#salva-parametri');
  assert.is((await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei`)).body.values.beneficio.coefficiente, 0.8);
  await submit(page, 'button:has-text("Ripristina la versione 1")');
  assert.match((await page.textContent('main')) ?? '', 'Ripristinata la versione 1');
  const restored = await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei`);
  assert.is(restored.body.version, 3);
  assert.is(restored.body.values.beneficio.coefficiente, 0.75);
  assert.is(restored.body.values.giorniIstruttoria, 20);
  await assertAccessible(page, 'parametri (storico)');
  // someone saves through the API while the form is open: the page does not overwrite their version
  const other = await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { giorniIstruttoria: 20, giorniEsitoInps: 6 } });
  assert.is(other.status, 200, JSON.stringify(other.body));
  await page.fill('#par-durataMesi', '12');
  await submit(page, '#salva-parametri');
  assert.match((await page.textContent('#errore-generale')) ?? '', 'Nel frattempo un altro utente ha salvato la versione 4');
  assert.is(await page.inputValue('#par-durataMesi'), '12');
  assert.is((await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei`)).body.version, 4);
});

test('moduli: the comune\'s override of a shared form is created in the editor, previewed with sample data and published', async () => {
  await page.goto('/moduli');
  await assertAccessible(page, 'moduli');
  assert.match((await page.textContent('#elenco-moduli')) ?? '', 'istruttoria-domanda');
  await page.click('a[href="/moduli/istruttoria-domanda"]');
  await page.waitForSelector('#editor-modulo[data-pronto="true"]');
  assert.match((await page.textContent('main')) ?? '', 'Questo modulo è condiviso');
  await assertAccessible(page, 'modulo (editor)');
  // the editor: select the «Note interne» field and rename it in the properties panel
  await page.click('#editor-modulo .fjs-form-field:has-text("Note interne")');
  await page.click('#editor-modulo .bio-properties-panel-group-header:has-text("General")');
  await page.fill('#bio-properties-panel-label', 'Note del comune');
  await page.keyboard.press('Tab');
  // the properties panel applies a change after a short pause (debounce)
  await page.waitForFunction(() => (document.getElementById('sorgente-modulo') as HTMLTextAreaElement).value.includes('Note del comune'));
  // preview with sample data
  await page.fill('#dati-esempio', JSON.stringify({ note: 'Nota di prova per l\'anteprima', esitoIstruttoria: 'ammissibile' }));
  await page.click('#mostra-anteprima');
  await page.waitForSelector('#anteprima-modulo[data-pronto="true"]');
  assert.match((await page.textContent('#anteprima-modulo')) ?? '', 'Note del comune');
  assert.is(await page.inputValue('#anteprima-modulo textarea[id$="note"]'), "Nota di prova per l'anteprima");
  await assertAccessible(page, 'modulo (anteprima)');
  // a broken source is refused with the deployment's message, nothing published
  const good = await page.inputValue('#sorgente-modulo');
  await page.click('#pubblica-modulo summary');
  await page.fill('#sorgente-modulo', '{"components": "nessuno"}');
  await submit(page, '#pubblica');
  assert.match((await page.textContent('#riepilogo-errori')) ?? '', 'Modulo non valido');
  assert.is((await app.services.forms.resolve('istruttoria-domanda', tenant))?.tenant, null);
  await assertAccessible(page, 'modulo (errore)');
  await page.click('#pubblica-modulo summary');
  await page.fill('#sorgente-modulo', good);
  await submit(page, '#pubblica');
  assert.match((await page.textContent('main')) ?? '', 'Modulo pubblicato per il comune: versione 1');
  assert.match((await page.textContent('#versioni-modulo')) ?? '', analystName);
  const resolved = await app.services.forms.resolve('istruttoria-domanda', tenant);
  assert.is(resolved?.tenant, tenant);
  assert.ok(JSON.stringify(resolved?.schema).includes('Note del comune'));
  assert.is((await app.services.forms.resolve('istruttoria-domanda', null))?.tenant, null, 'the shared form is unchanged');
  await page.waitForSelector('#editor-modulo[data-pronto="true"]');
  await saveScreenshot(page, 'moduli-editor.png');
});

test('decisioni: the DMN table is drawn and the «Prova» panel shows the result and the matched rules', async () => {
  await page.goto('/decisioni');
  await assertAccessible(page, 'decisioni');
  await page.click('a[href="/decisioni/rei-verifiche"]');
  await page.waitForSelector('#tabella-dmn[data-pronto="true"]');
  assert.ok(await page.locator('#tabella-dmn .tjs-table').count(), 'decision table drawn');
  await assertAccessible(page, 'decisione');
  await page.selectOption('#prova-cittadinanza', { index: 0 }).catch(() => undefined);
  await page.fill('#prova-isee', 'tanti');
  await submit(page, '#valuta');
  assert.match((await page.textContent('#riepilogo-errori')) ?? '', 'Inserire un numero');
  await page.fill('#prova-cittadinanza', 'IT');
  await page.fill('#prova-isee', '9.000,50');
  await submit(page, '#valuta');
  const esito = (await page.textContent('#esito-prova')) ?? '';
  assert.match(esito, 'Regole applicate');
  assert.match(esito, /Regola \d+ di «Verifiche requisiti REI»/);
  const api = await analyst.post('/api/v1/decisions/rei-verifiche/evaluate', { variables: { cittadinanza: 'IT', isee: 9000.5 } });
  assert.is(api.status, 200, JSON.stringify(api.body));
  const shown = await page.locator('#regole-applicate li').allTextContents();
  assert.is(shown.length, api.body.matchedRules.length);
  for (const id of api.body.matchedRules as string[]) assert.ok(shown.some((t) => t.includes(`(${id})`)), id);
  await page.waitForSelector('#tabella-dmn[data-pronto="true"]');
  assert.is(await page.locator('#tabella-dmn tr.regola-applicata').count(), api.body.matchedRules.length, 'matched rules marked on the table');
  await assertAccessible(page, 'decisione (prova)');
  await page.locator('#tabella-titolo').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById('tabella-titolo')?.scrollIntoView());
  await saveScreenshot(page, 'decisioni-prova.png');
});

test('calendario: a closure added moves the sample due date by one working day', async () => {
  await page.goto('/calendario?da=2026-03-02&giorni=30');
  await assertAccessible(page, 'calendario');
  const before = (await page.textContent('#scadenza-esempio'))?.trim();
  assert.is(before, 'martedì 14/04/2026', 'Easter Monday 6 April skipped');
  assert.match((await page.textContent('#festivita')) ?? '', 'Natale');
  await page.fill('#cal-patrono', '31/02');
  await submit(page, '#salva-calendario');
  assert.match((await page.textContent('#cal-patrono-errore')) ?? '', 'giorno del patrono');
  await assertAccessible(page, 'calendario (errore)');
  await page.fill('#cal-patrono', '07/12');
  await page.fill('#cal-nomePatrono', "Sant'Ambrogio");
  await page.fill('#cal-nuovaChiusura', '2026-03-16');
  await submit(page, '#salva-calendario');
  assert.match((await page.textContent('main')) ?? '', 'Calendario salvato');
  const api = await analyst.get(`/api/v1/tenants/${tenant}/calendar?year=2026`);
  assert.equal(api.body.settings, { patronDay: '12-07', patronName: "Sant'Ambrogio", saturdayWorking: false, closures: ['2026-03-16'] });
  await page.goto('/calendario?da=2026-03-02&giorni=30');
  assert.is((await page.textContent('#scadenza-esempio'))?.trim(), 'mercoledì 15/04/2026');
  assert.is((await page.textContent('#scadenza-nazionale'))?.trim(), '14/04/2026');
  assert.match((await page.textContent('main')) ?? '', /lunedì 16\/03\/2026: Chiusura degli uffici/);
  assert.match((await page.textContent('#festivita')) ?? '', "Sant'Ambrogio");
  await assertAccessible(page, 'calendario (salvato)');
  await saveScreenshot(page, 'calendario.png');
});

test('a metropolitan analyst without a chosen comune is asked to choose one (parameters, calendar) and sees the shared forms and decisions', async () => {
  const metro = await app.user({ tenant: null, username: 'analista-metro-tailor', roles: ['analista'] });
  const ctx = await newContext(browser, app.baseUrl);
  const p = await ctx.newPage();
  await signIn(p, metro.username);
  for (const href of ['/parametri', '/moduli', '/decisioni', '/calendario']) assert.is(await p.locator(`header a[href="${href}"]`).count(), 1, `header link ${href}`);
  for (const url of ['/parametri', '/calendario']) {
    assert.is((await p.goto(url))?.status(), 200, url);
    assert.match((await p.textContent('main')) ?? '', "scegli il comune nell'intestazione", url);
  }
  await assertAccessible(p, 'parametri (metropolitano)');
  assert.is((await p.goto('/moduli/istruttoria-domanda'))?.status(), 200);
  assert.is(await p.locator('#pubblica-modulo').count(), 0, 'no publishing without a comune');
  assert.is((await p.goto('/decisioni'))?.status(), 200);
  assert.match((await p.textContent('#elenco-decisioni')) ?? '', 'rei-requisiti');
  // the comune's responsabile: the calendar (like PUT /calendar), not the analysts' pages
  const manager = await app.user({ tenant, username: 'resp-tailor', roles: ['responsabile'], groups: ['responsabili'] });
  await p.goto('/accesso');
  await submit(p, 'header button:has-text("Esci")');
  await signIn(p, manager.username);
  assert.is((await p.goto('/calendario'))?.status(), 200);
  assert.ok(await p.locator('#salva-calendario').count(), 'the responsabile edits the calendar');
  assert.is((await p.goto('/parametri'))?.status(), 403);
  await ctx.close();
});

test('no script errors or CSP refusals on the tailoring pages', () => {
  assert.equal(pageErrors, []);
});

test.run();
