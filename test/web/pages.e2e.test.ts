/**
 * The browser application in a real headless browser (Debian's chromium via
 * playwright-core), every visited page checked with axe-core: an operatore
 * signs in, filters the inbox, claims a task, submits the form with a wrong
 * value and sees the Italian message beside the field, saves a draft that
 * survives a reload, fixes the value and completes (the case moves on);
 * another comune's task answers the 404 page; a post without the CSRF token
 * (page or API) answers 403; logout and the idle timeout end the session.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { application, cf, MARIO } from '../applications/fixtures.js';
import { ensureAssets } from '../../src/web/assets.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit, saveScreenshot } from './browser.js';

const GIANNI = cf('BRNGNN70A01F205');
const FORM = {
  id: 'webtest-istruttoria',
  type: 'default',
  schemaVersion: 16,
  components: [
    { type: 'radio', id: 'esito', key: 'esitoIstruttoria', label: "Esito dell'istruttoria", values: [{ label: 'Ammessa', value: 'ammessa' }, { label: 'Respinta', value: 'respinta' }], validate: { required: true } },
    { type: 'number', id: 'componenti', key: 'componentiVerificati', label: 'Componenti del nucleo verificati', validate: { min: 1, max: 10 } },
    { type: 'textarea', id: 'note', key: 'note', label: 'Note interne', validate: { maxLength: 2000 } },
  ],
};
const MODEL = bpmn(
  'rei',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" camunda:formKey="webtest-istruttoria" camunda:dueDate="P10D" camunda:priority="60" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="monitoraggio" />
    <bpmn:userTask id="monitoraggio" name="Monitoraggio del progetto" camunda:candidateGroups="operatori-rei" />
    <bpmn:sequenceFlow id="f3" sourceRef="monitoraggio" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let op: Client;
let opName: string;
let taskMario: string;
let taskGianni: string;
let otherTask: string;
/** Script errors and CSP refusals in the operatore's page (4xx answers, e.g. the refused sign-in, log a console error by design). */
const pageErrors: string[] = [];

async function comune(name: string): Promise<{ tenant: string; op: Client; username: string }> {
  const tenant = await app.tenant(name);
  const admin = await app.admin();
  const r = await deploy(admin, { 'rei.bpmn': MODEL, 'webtest-istruttoria.form': JSON.stringify(FORM) }, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const username = `op-${tenant.toLowerCase()}`;
  return { tenant, op: await app.user({ tenant, username, roles: ['operatore'], groups: ['operatori-rei'] }), username };
}

/** Clicks a button that submits a form and waits for the page it leads to. */
async function taskOf(client: Client, protocollo: string): Promise<string> {
  const r = await client.get(`/api/v1/tasks?businessKey=${encodeURIComponent(protocollo)}`);
  assert.is(r.body.items.length, 1, JSON.stringify(r.body));
  return r.body.items[0].id;
}

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  const a = await comune('Comune di Prova Web');
  op = a.op;
  opName = a.username;
  assert.is((await op.post('/api/v1/applications', application('WEB/0001'))).status, 201);
  const gianni = application('WEB/0002', {
    richiedente: { codiceFiscale: GIANNI, nome: 'Gianni', cognome: 'Bruno', dataNascita: '1970-01-01', sesso: 'M', cittadinanza: 'IT', residenteInItaliaDal: '1970-01-01', indirizzo: 'Via Verdi 2, Milano' },
    nucleo: [],
  });
  const g = await op.post('/api/v1/applications', gianni);
  assert.is(g.status, 201, JSON.stringify(g.body));
  taskMario = await taskOf(op, 'WEB/0001');
  taskGianni = await taskOf(op, 'WEB/0002');
  const b = await comune('Comune Altro Web');
  assert.is((await b.op.post('/api/v1/applications', application('ALTRO/0001'))).status, 201);
  otherTask = await taskOf(b.op, 'ALTRO/0001');
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

test('sign-in: / sends a signed-out user to /accesso; wrong password is refused in Italian; then the inbox', async () => {
  const r = await page.goto('/');
  assert.is(new URL(page.url()).pathname, '/accesso');
  assert.is(r?.headers()['cache-control'], 'no-store');
  await assertAccessible(page, 'accesso');
  await page.fill('input[name="username"]', opName);
  await page.fill('input[name="password"]', 'sbagliata');
  await submit(page, 'main button[type="submit"]');
  assert.match(await page.textContent('main') ?? '', 'Nome utente o password non corretti');
  await assertAccessible(page, 'accesso (errore)');
  await page.fill('input[name="password"]', 'password123');
  await submit(page, 'main button[type="submit"]');
  assert.is(new URL(page.url()).pathname, '/attivita');
  const cookie = (await context.cookies()).find((c) => c.name === 'rei_sessione');
  assert.ok(cookie?.httpOnly, 'HttpOnly session cookie');
  assert.is(cookie?.sameSite, 'Lax');
  assert.match(await page.textContent('header') ?? '', 'Comune di Prova Web');
});

test('inbox: tabs with counts, text filter without personal data in the URL, claim in one click', async () => {
  await page.goto('/attivita?scheda=gruppi');
  await assertAccessible(page, 'attivita');
  const tabs = await page.locator('.nav-tabs .nav-link').allTextContents();
  assert.match(tabs[0]!.replace(/\s+/g, ' '), /Assegnate a me 0/);
  assert.match(tabs[1]!.replace(/\s+/g, ' '), /Da prendere in carico 2/);
  assert.is(await page.locator('tbody tr').count(), 2);
  assert.match(await page.textContent('tbody') ?? '', /In tempo/);
  assert.match(await page.textContent('tbody') ?? '', /giorni lavorativi/);

  await page.fill('#filtro-testo', MARIO);
  await submit(page, 'button[value="filtra"]');
  assert.not.match(page.url(), MARIO);
  assert.is(await page.locator('tbody tr').count(), 1);
  assert.match(await page.textContent('tbody') ?? '', 'WEB/0001');
  assert.match(await page.textContent('tbody') ?? '', 'Rossi Mario');
  await page.fill('#filtro-testo', 'bruno');
  await submit(page, 'button[value="filtra"]');
  assert.match(await page.textContent('tbody') ?? '', 'WEB/0002');
  assert.is(await page.locator('tbody tr').count(), 1);
  await submit(page, 'button[value="azzera"]');
  assert.is(await page.locator('tbody tr').count(), 2);
  assert.is(await page.getAttribute('th:has-text("Scadenza")', 'aria-sort'), 'ascending');
  await submit(page, 'th a:has-text("Scadenza")');
  assert.is(await page.getAttribute('th:has-text("Scadenza")', 'aria-sort'), 'descending');
  await submit(page, 'th a:has-text("Creata il")');
  assert.is(await page.getAttribute('th:has-text("Creata il")', 'aria-sort'), 'ascending');
  assert.is(await page.getAttribute('th:has-text("Scadenza")', 'aria-sort'), 'none');
  assert.is(await page.locator('tbody tr').count(), 2);

  await submit(page, page.locator('tr', { hasText: 'WEB/0001' }).getByRole('button', { name: /Prendi in carico/ }));
  assert.match(await page.textContent('main') ?? '', "Hai preso in carico l'attività");
  await page.goto('/attivita?scheda=mie');
  assert.is(await page.locator('tbody tr').count(), 1);
  assert.match(await page.textContent('tbody') ?? '', 'Tu');
  await assertAccessible(page, 'attivita (mie)');
  await page.goto('/attivita?scheda=tutte');
  await page.setViewportSize({ width: 1100, height: 760 });
  await saveScreenshot(page, 'inbox.png');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('task page: a wrong value shows the server message beside the field, the input stays; a draft survives a reload; completion moves the case on', async () => {
  await page.goto(`/attivita/${taskMario}`);
  await page.waitForSelector('#modulo-attivita .fjs-form');
  await assertAccessible(page, 'attivita dettaglio');
  assert.match(await page.textContent('aside') ?? '', 'Rossi Mario');
  assert.match(await page.textContent('aside') ?? '', '4.500,00 €');
  assert.equal(pageErrors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no script error or CSP refusal');
  await page.getByLabel('Ammessa').check();
  await page.getByLabel('Componenti del nucleo verificati').fill('0');
  await page.click('#completa');
  await page.waitForSelector('#riepilogo-errori:not(.d-none)');
  // The message is beside the field and tied to it (aria-describedby names the error element).
  const input = page.getByLabel('Componenti del nucleo verificati');
  const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
  const errorId = describedBy.split(' ').find((id) => id.endsWith('-error-message'))!;
  assert.match(await page.locator(`[id="${errorId}"]`).textContent() ?? '', 'Valore minimo 1.');
  assert.is(await input.getAttribute('aria-invalid'), 'true');
  assert.is(await page.getByLabel('Componenti del nucleo verificati').inputValue(), '0');
  assert.ok(await page.evaluate(() => document.activeElement?.id === 'riepilogo-errori'), 'focus on the error summary');
  await assertAccessible(page, 'attivita dettaglio (errori)');
  await page.setViewportSize({ width: 1100, height: 760 });
  await saveScreenshot(page, 'task.png');
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByLabel('Componenti del nucleo verificati').fill('3');
  await page.getByLabel('Note interne').fill('Documenti verificati allo sportello');
  await page.click('#salva-bozza');
  await page.waitForSelector('#esito-modulo .alert-success');
  await page.reload();
  await page.waitForSelector('#modulo-attivita .fjs-form');
  assert.is(await page.getByLabel('Componenti del nucleo verificati').inputValue(), '3');
  assert.is(await page.getByLabel('Note interne').inputValue(), 'Documenti verificati allo sportello');
  assert.match(await page.textContent('#esito-modulo') ?? '', 'Bozza salvata');
  const draft = await op.get(`/api/v1/tasks/${taskMario}/draft`);
  assert.is(draft.status, 200);
  assert.is(draft.body.data.componentiVerificati, 3);

  await page.click('#completa');
  await page.waitForSelector('text=Attività completata');
  const next = await op.get(`/api/v1/tasks?businessKey=${encodeURIComponent('WEB/0001')}`);
  assert.equal(next.body.items.map((t: { elementId: string }) => t.elementId), ['monitoraggio']);
  assert.is((await op.get(`/api/v1/tasks/${taskMario}/draft`)).status, 404, 'the draft is discarded on completion');

  // The next step has no form: «Completa» alone closes it and the case ends.
  const monitoraggio = next.body.items[0].id as string;
  await page.goto(`/attivita/${monitoraggio}`);
  assert.match(await page.textContent('main') ?? '', 'non ha un modulo da compilare');
  await page.click('#completa');
  await page.waitForSelector('text=Attività completata');
  // The page shows the task completed; the case's end is read back through the API (a loaded machine may lag a moment).
  let open = -1;
  for (let i = 0; i < 50 && open !== 0; i++) {
    if (i) await new Promise((r) => setTimeout(r, 100));
    open = (await op.get(`/api/v1/tasks?businessKey=${encodeURIComponent('WEB/0001')}`)).body.items.length as number;
  }
  assert.is(open, 0);
});

test("another comune's task answers the 404 page; a role without the inbox gets the 403 page", async () => {
  const r = await page.goto(`/attivita/${otherTask}`);
  assert.is(r?.status(), 404);
  assert.match(await page.textContent('main') ?? '', 'Pagina non trovata');
  await assertAccessible(page, '404');
  assert.is((await page.goto('/indirizzo-inesistente'))?.status(), 404);
  assert.match(await page.textContent('main') ?? '', 'Pagina non trovata');
  const analyst = await newContext(browser, app.baseUrl);
  const a = await app.user({ tenant: null, username: `analista-web-${Date.now()}`, roles: ['analista'] });
  const p2 = await analyst.newPage();
  await signIn(p2, a.username);
  const forbidden = await p2.goto('/attivita');
  assert.is(forbidden?.status(), 403);
  assert.match(await p2.textContent('main') ?? '', 'Accesso non consentito');
  await assertAccessible(p2, '403');
  await analyst.close();
});

test('a state-changing request with the session cookie but without the CSRF token answers 403 (page and API); bearer tokens still work', async () => {
  const pagePost = await page.request.post('/attivita/filtri', { form: { testo: 'x' }, maxRedirects: 0 });
  assert.is(pagePost.status(), 403);
  const apiPost = await page.request.post(`/api/v1/tasks/${taskGianni}/claim`, { maxRedirects: 0 });
  assert.is(apiPost.status(), 403);
  assert.is((await apiPost.json()).error.code, 'CSRF_INVALID');
  const wrong = await page.request.post(`/api/v1/tasks/${taskGianni}/claim`, { headers: { 'x-csrf-token': 'sbagliato' } });
  assert.is(wrong.status(), 403);
  const task = await op.get(`/api/v1/tasks/${taskGianni}`);
  assert.is(task.body.assignee, null, 'nothing was written');
  assert.is((await op.post(`/api/v1/tasks/${taskGianni}/claim`)).status, 200, 'bearer token');
});

test('a metropolitan user picks the comune in the header and then sees only its tasks', async () => {
  const ctx = await newContext(browser, app.baseUrl);
  const metro = await app.user({ tenant: null, username: `resp-metro-${Date.now()}`, roles: ['responsabile'], groups: ['operatori-rei'] });
  const p = await ctx.newPage();
  await signIn(p, metro.username);
  assert.match(await p.textContent('.it-brand-title') ?? '', 'Tutti i comuni');
  // Every comune: the other comune's case is there (the shared test database holds other files' tasks too: filter).
  await p.goto('/attivita?scheda=tutte');
  await p.fill('#filtro-testo', 'ALTRO/0001');
  await submit(p, 'button[value="filtra"]');
  assert.match(await p.textContent('tbody') ?? '', 'ALTRO/0001');
  await p.selectOption('#comune-scelto', { label: 'Comune di Prova Web' });
  await submit(p, '.comune-switch button');
  assert.match(await p.textContent('.it-brand-title') ?? '', 'Comune di Prova Web');
  assert.match(await p.textContent('main') ?? '', 'Ora lavori sul Comune di Prova Web');
  await p.goto('/attivita?scheda=tutte');
  assert.match(await p.textContent('tbody') ?? '', 'Nessuna attività con questi filtri');
  await submit(p, 'button[value="azzera"]');
  const rows = await p.textContent('tbody') ?? '';
  assert.match(rows, 'WEB/0002');
  assert.not.match(rows, 'ALTRO/0001');
  await assertAccessible(p, 'attivita (metropolitano)');
  // A responsabile assigns a task to someone else from the task page.
  await p.goto(`/attivita/${taskGianni}`);
  await p.selectOption('#assegna-utente', opName);
  await submit(p, 'button:has-text("Assegna")');
  assert.match(await p.textContent('main') ?? '', `assegnata a ${opName}`);
  assert.is((await op.get(`/api/v1/tasks/${taskGianni}`)).body.assignee, opName);
  await ctx.close();
});

test('logout ends the session on the server; an idle session expires', async () => {
  const before = (await context.cookies()).find((c) => c.name === 'rei_sessione')!;
  await page.goto('/attivita');
  await submit(page, 'header button:has-text("Esci")');
  assert.match(await page.textContent('main') ?? '', 'Sei uscito');
  const replay = await fetch(`${app.baseUrl}/attivita`, { headers: { cookie: `rei_sessione=${before.value}` }, redirect: 'manual' });
  assert.is(replay.status, 302);
  assert.is(replay.headers.get('location'), '/accesso');

  await signIn(page, opName);
  assert.is(new URL(page.url()).pathname, '/attivita');
  app.clock.advance(31 * 60_000);
  await page.goto('/attivita');
  assert.is(new URL(page.url()).pathname, '/accesso');
});

test.run();
