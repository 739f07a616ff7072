/**
 * The analyst's models pages (issue 14, items 1–4) in a real headless browser,
 * every visited page checked with axe-core: an analista opens the comune's
 * variant in the bpmn-js modeler, changes a user task's candidate group in the
 * Camunda properties panel, verifies (an invalid due-date expression shows a
 * marker on its element and a list entry that selects it), fixes it,
 * publishes and sees the change in the differences; the case still on the old
 * version moves in the migration page; a variant is started from the shared
 * default in one click; an operatore gets the 403 page.
 * Screenshots (docs/screenshots/) only with UPDATE_SCREENSHOTS=1.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { flow, userTask } from '../helpers/models.js';
import { ensureAssets } from '../../src/web/assets.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit, saveScreenshot } from './browser.js';

const MODEL = flow('sostegno', [
  userTask('istruttoria', 'Istruttoria della domanda', { group: 'operatori-rei', due: 'P10D' }),
  userTask('colloquio', 'Colloquio con il nucleo', { group: 'operatori-rei', due: 'P5D' }),
]).replace('<bpmn:process id="sostegno" name="sostegno"', '<bpmn:process id="sostegno" name="Sostegno al nucleo"');
const OTHER = flow('orientamento', [userTask('accoglienza', 'Accoglienza', { group: 'operatori-rei', due: 'P3D' })]);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tenant: string;
let analystName: string;
let analyst: Client;
let opName: string;
let caseId: string;
const pageErrors: string[] = [];

/** Waits for the properties panel's debounced input to reach the model. */
async function settle(): Promise<void> {
  await page.waitForTimeout(600);
}

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  tenant = await app.tenant('Comune dei Modelli');
  opName = `op-mod-${tenant.toLowerCase()}`;
  analystName = `an-mod-${tenant.toLowerCase()}`;
  const op = await app.user({ tenant, username: opName, roles: ['operatore'], groups: ['operatori-rei', 'equipe-rei'] });
  analyst = await app.user({ tenant, username: analystName, roles: ['analista'] });
  const admin = await app.admin();
  for (const [files, t] of [[{ 'sostegno.bpmn': MODEL }, null], [{ 'sostegno.bpmn': MODEL.replace('P5D', 'P6D') }, tenant], [{ 'orientamento.bpmn': OTHER }, null]] as const) {
    const r = await deploy(admin, files, t);
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
  const started = await op.post('/api/v1/process-definitions/sostegno/start', { businessKey: 'MOD/0001', variables: {} });
  assert.is(started.status, 201, JSON.stringify(started.body));
  caseId = started.body.id as string;
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await signIn(page, analystName);
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

test('the models list and a model page: default and variant, versions with who and running cases, the diagram', async () => {
  assert.is(new URL(page.url()).pathname, '/modelli', 'an analista starts on the models');
  await assertAccessible(page, 'modelli');
  const row = await page.textContent('#elenco-modelli tr:has-text("Sostegno al nucleo")') ?? '';
  assert.match(row, 'versione 1');
  assert.match(row, /1\s*$/m);
  await submit(page, 'a:has-text("Sostegno al nucleo")');
  assert.is(new URL(page.url()).pathname, '/modelli/sostegno');
  await page.waitForSelector('#diagramma[data-pronto="true"]');
  const variant = await page.textContent('section[aria-labelledby="variante-titolo"]') ?? '';
  assert.match(variant, 'Comune dei Modelli');
  const version = page.locator('section[aria-labelledby="variante-titolo"] tbody tr').first();
  assert.is((await version.locator('th').textContent())?.trim().startsWith('1'), true);
  assert.match(await version.locator('td').nth(1).textContent() ?? '', /^u-[0-9a-f]{8}/, 'who deployed');
  assert.is((await version.locator('td').nth(2).textContent())?.trim(), '1', 'the running case');
  assert.ok(await page.locator('#diagramma .djs-element[data-element-id="istruttoria"]').count(), 'the version is drawn');
  await assertAccessible(page, 'modello');
});

test('modeler: candidate group changed in the properties panel, an invalid due date marked on its element, fixed, published, seen in the differences', async () => {
  await submit(page, '#modifica-variante');
  assert.is(new URL(page.url()).pathname, '/modelli/sostegno/modifica');
  await page.waitForSelector('#modeler[data-pronto="true"]');
  await assertAccessible(page, 'modeler');

  await page.click('#modeler .djs-element[data-element-id="istruttoria"]');
  await page.waitForSelector('#modeler[data-selezionato="istruttoria"]');
  const assignment = page.locator('[data-group-id="group-CamundaPlatform__UserAssignment"]');
  if (!(await page.locator('#bio-properties-panel-candidateGroups').isVisible())) await assignment.locator('.bio-properties-panel-group-header').click();
  await page.fill('#bio-properties-panel-candidateGroups', 'equipe-rei');
  await page.fill('#bio-properties-panel-dueDate', '${dateTime().plusDays(}');
  await settle();

  await page.click('#verifica');
  await page.waitForSelector('#modeler .marcatore-problema.marcatore-errore[data-elemento="istruttoria"]');
  const entry = page.locator('#problemi li[data-tipo="errore"]:has(button[data-elemento="istruttoria"])');
  assert.match(await entry.textContent() ?? '', 'dueDate');
  assert.match(await page.textContent('#esito-verifica') ?? '', 'contiene errori');
  await saveScreenshot(page, 'modeler-verifica.png');
  await assertAccessible(page, 'modeler con errori');
  // A click on the list entry selects the element.
  await page.click('#modeler .djs-element[data-element-id="colloquio"]');
  await page.waitForSelector('#modeler[data-selezionato="colloquio"]');
  await entry.locator('button').click();
  await page.waitForSelector('#modeler[data-selezionato="istruttoria"]');

  await page.fill('#bio-properties-panel-dueDate', 'P7D');
  await settle();
  await page.click('#verifica');
  await page.waitForFunction(() => (document.getElementById('esito-verifica')?.textContent ?? '').includes('è valido'));
  assert.is(await page.locator('#problemi li[data-tipo="errore"]').count(), 0);
  assert.is(await page.locator('#modeler .marcatore-errore').count(), 0);

  await Promise.all([page.waitForURL(/\/modelli\/sostegno\/differenze\?/), page.click('#pubblica')]);
  await page.waitForSelector('#diagramma-dopo[data-pronto="true"]');
  assert.ok(await page.isVisible('#pubblicata'));
  const changed = await page.textContent('#modificati') ?? '';
  assert.match(changed, 'Gruppi candidati');
  assert.match(changed, 'operatori-rei');
  assert.match(changed, 'equipe-rei');
  assert.match(changed, 'Scadenza');
  assert.match(changed, 'P7D');
  assert.ok(await page.locator('#diagramma-dopo .djs-element.diff-modificato[data-element-id="istruttoria"]').count(), 'the changed task is coloured');
  await assertAccessible(page, 'differenze');
  await saveScreenshot(page, 'modelli-differenze.png');

  const defs = await analyst.get('/api/v1/process-definitions?key=sostegno&tenant=' + tenant);
  assert.equal(defs.body.items.map((d: { version: number }) => d.version), [2, 1]);
  const xml = await analyst.get(`/api/v1/process-definitions/${defs.body.items[0].id}/xml`);
  assert.match(xml.body as string, 'camunda:candidateGroups="equipe-rei"');
});

test('migration: the dry run lists the case on the old version; executed in batches, it moves', async () => {
  const defs = (await analyst.get('/api/v1/process-definitions?key=sostegno&tenant=' + tenant)).body.items as Array<{ id: string; version: number }>;
  await page.goto(`/modelli/sostegno/migrazione?da=${defs[1]!.id}&a=${defs[0]!.id}`);
  const preview = await page.textContent('#anteprima') ?? '';
  assert.match(preview, 'MOD/0001');
  assert.match(preview, 'Migrabile');
  await assertAccessible(page, 'migrazione');
  await page.click('#esegui-migrazione');
  await page.waitForFunction(() => (document.getElementById('esito-migrazione')?.textContent ?? '').includes('conclusa'));
  assert.match(await page.textContent('#risultati-migrazione') ?? '', 'MOD/0001: migrata');
  const instance = await analyst.get(`/api/v1/process-instances/${caseId}`);
  assert.is(instance.body.definitionVersion, 2);
});

test('a variant of a shared model started in one click', async () => {
  await page.goto('/modelli/orientamento');
  await page.waitForSelector('#diagramma[data-pronto="true"]');
  await submit(page, '#crea-variante');
  await page.waitForSelector('#modeler[data-pronto="true"]');
  await Promise.all([page.waitForURL(/\/differenze\?/), page.click('#pubblica')]);
  const defs = await analyst.get('/api/v1/process-definitions?key=orientamento&tenant=' + tenant);
  assert.is(defs.body.total, 1);
  assert.equal(pageErrors, []);
});

test('an operatore gets the 403 page on /modelli', async () => {
  const other = await newContext(browser, app.baseUrl);
  const p2 = await other.newPage();
  await signIn(p2, opName);
  const forbidden = await p2.goto('/modelli');
  assert.is(forbidden?.status(), 403);
  assert.match(await p2.textContent('main') ?? '', 'Accesso non consentito');
  await assertAccessible(p2, '403');
  await other.close();
});

test.run();
