/**
 * The case officers' pages beyond the inbox, in a real headless browser
 * (Debian's chromium via playwright-core), every visited page checked with
 * axe-core: a new application with an invalid codice fiscale is refused on
 * the page (as typed and by the server) and a valid one lands on the new
 * case's file; the case file draws the diagram with the active step
 * highlighted and, after a task is completed, shows the case moved on;
 * another comune's case answers the 404 page; the subject search finds a
 * person by codice fiscale (no personal data in the URL); a responsabile
 * cancels a case with a reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { application, cf, MARIO } from '../applications/fixtures.js';
import { ensureAssets } from '../../src/web/assets.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit, saveScreenshot } from './browser.js';

const GIANNI = cf('BRNGNN70A01F205'); // 1970-01-01 M
const ANNA = cf('VRDNNA60H45F205'); // 1960-06-05 F
const MODEL = bpmn(
  'rei',
  `    <bpmn:startEvent id="start" name="Domanda ricevuta" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="apertura" />
    <bpmn:parallelGateway id="apertura" />
    <bpmn:sequenceFlow id="f1" sourceRef="apertura" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" camunda:dueDate="P10D" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="monitoraggio" />
    <bpmn:userTask id="monitoraggio" name="Monitoraggio del progetto" camunda:candidateGroups="operatori-rei" />
    <bpmn:sequenceFlow id="f3" sourceRef="monitoraggio" targetRef="end" />
    <bpmn:endEvent id="end" name="Pratica conclusa"><bpmn:terminateEventDefinition /></bpmn:endEvent>
    <bpmn:sequenceFlow id="r1" sourceRef="apertura" targetRef="rinunciaRicevuta" />
    <bpmn:intermediateCatchEvent id="rinunciaRicevuta" name="Rinuncia ricevuta"><bpmn:messageEventDefinition messageRef="msgRinuncia" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="r2" sourceRef="rinunciaRicevuta" targetRef="fineRinuncia" />
    <bpmn:endEvent id="fineRinuncia" name="Rinuncia"><bpmn:terminateEventDefinition /></bpmn:endEvent>`,
  `
  <bpmn:message id="msgRinuncia" name="rinuncia" />`,
);

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let op: Client;
let opName: string;
let respName: string;
let resp: Client;
let caseMario: string;
let caseAnna: string;
let caseLuigi: string;
let otherCase: string;
const pageErrors: string[] = [];

async function comune(name: string) {
  const tenant = await app.tenant(name);
  const r = await deploy(await app.admin(), { 'rei.bpmn': MODEL }, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return tenant;
}

/** Signs in a case worker: they land on their inbox. */
async function signInWorker(p: Page, username: string): Promise<void> {
  await signIn(p, username);
  assert.is(new URL(p.url()).pathname, '/attivita');
}

async function start(client: Client, body: Record<string, unknown>): Promise<string> {
  const r = await client.post('/api/v1/applications', body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.instanceId as string;
}

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  const tenant = await comune('Comune del Fascicolo');
  opName = `op-fasc-${tenant.toLowerCase()}`;
  respName = `resp-fasc-${tenant.toLowerCase()}`;
  op = await app.user({ tenant, username: opName, roles: ['operatore'], groups: ['operatori-rei'] });
  resp = await app.user({ tenant, username: respName, roles: ['responsabile'], groups: ['operatori-rei'] });
  caseMario = await start(op, application('FASC/0001'));
  caseAnna = await start(op, application('FASC/0002', {
    richiedente: { codiceFiscale: ANNA, nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', sesso: 'F', cittadinanza: 'IT', residenteInItaliaDal: '1960-06-05', indirizzo: 'Via Po 3' },
    nucleo: [],
  }));
  caseLuigi = await start(op, application('FASC/0003', {
    richiedente: { codiceFiscale: cf('VRDLGU50A01F205'), nome: 'Luigi', cognome: 'Verdi', dataNascita: '1950-01-01', sesso: 'M', cittadinanza: 'IT', residenteInItaliaDal: '1950-01-01', indirizzo: 'Via Po 5' },
    nucleo: [],
  }));
  const other = await comune('Comune Estraneo');
  const otherOp = await app.user({ tenant: other, username: `op-est-${other.toLowerCase()}`, roles: ['operatore'], groups: ['operatori-rei'] });
  otherCase = await start(otherOp, application('EST/0001'));
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await signInWorker(page, opName);
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

test('new application: an invalid codice fiscale is refused as typed and by the server; a valid one creates the case and opens its file', async () => {
  await page.goto('/domande/nuova');
  await assertAccessible(page, 'domanda nuova');
  await page.fill('#campo-protocollo', 'FASC/0100');
  const wrong = `${GIANNI.slice(0, 15)}${GIANNI[15] === 'A' ? 'B' : 'A'}`;
  await page.fill('#campo-richiedente-codiceFiscale', wrong);
  await page.waitForFunction(() => (document.getElementById('campo-richiedente-codiceFiscale-errore')?.textContent ?? '').includes('carattere di controllo'));
  await page.fill('#campo-richiedente-cognome', 'Bruno');
  await page.fill('#campo-richiedente-nome', 'Gianni');
  await page.fill('#campo-richiedente-dataNascita', '1970-01-01');
  await page.selectOption('#campo-richiedente-sesso', 'M');
  await page.fill('#campo-richiedente-residenteInItaliaDal', '1970-01-01');
  await page.fill('#campo-isee', '3.200,50');
  // A household row added in the page, then removed, then added again.
  await page.click('#aggiungi-componente');
  await page.click('#aggiungi-componente');
  assert.is(await page.locator('fieldset[data-componente]').count(), 2);
  await page.click('fieldset[data-componente="0"] [data-rimuovi]');
  assert.is(await page.locator('fieldset[data-componente]').count(), 1);
  assert.is(await page.getAttribute('fieldset[data-componente="0"] input[name$="codiceFiscale"]', 'name'), 'nucleo.0.codiceFiscale');
  await page.fill('#campo-nucleo-0-codiceFiscale', cf('BRNLCU05A01F205'));
  await page.fill('#campo-nucleo-0-cognome', 'Bruno');
  await page.fill('#campo-nucleo-0-nome', 'Luca');
  await page.fill('#campo-nucleo-0-dataNascita', '2005-01-01');
  await page.selectOption('#campo-nucleo-0-relazione', 'figlio');
  await assertAccessible(page, 'domanda nuova (compilata)');

  await submit(page, '#invia-domanda');
  assert.is(new URL(page.url()).pathname, '/domande/nuova');
  assert.match(await page.textContent('#riepilogo-errori') ?? '', 'carattere di controllo');
  assert.match(await page.textContent('#campo-richiedente-codiceFiscale-errore') ?? '', 'carattere di controllo');
  assert.is(await page.inputValue('#campo-richiedente-cognome'), 'Bruno', 'what was typed stays');
  assert.is(await page.inputValue('#campo-nucleo-0-nome'), 'Luca');
  assert.is(await page.evaluate(() => document.activeElement?.id), 'riepilogo-errori');
  await assertAccessible(page, 'domanda nuova (errori)');
  const none = await op.get('/api/v1/process-instances?businessKey=FASC%2F0100');
  assert.is(none.body.total, 0, 'nothing was written');

  await page.fill('#campo-richiedente-codiceFiscale', GIANNI.toLowerCase());
  await page.waitForFunction(() => document.getElementById('campo-richiedente-codiceFiscale')?.classList.contains('is-valid'));
  await submit(page, '#invia-domanda');
  assert.match(new URL(page.url()).pathname, /^\/pratiche\/[0-9a-f-]{36}$/);
  const main = await page.textContent('main') ?? '';
  assert.match(main, 'Domanda FASC/0100 registrata');
  assert.match(main, 'Bruno Gianni');
  assert.match(main, '3.200,50 €');

  // The same person again: the intake's ACTIVE_CASE, beside the applicant's codice fiscale.
  await page.goto('/domande/nuova');
  await page.fill('#campo-protocollo', 'FASC/0101');
  await page.fill('#campo-richiedente-codiceFiscale', GIANNI);
  await page.fill('#campo-richiedente-cognome', 'Bruno');
  await page.fill('#campo-richiedente-nome', 'Gianni');
  await page.fill('#campo-richiedente-dataNascita', '1970-01-01');
  await page.selectOption('#campo-richiedente-sesso', 'M');
  await page.fill('#campo-richiedente-residenteInItaliaDal', '1970-01-01');
  await submit(page, '#invia-domanda');
  assert.match(await page.textContent('#riepilogo-errori') ?? '', 'FASC/0100');
});

test('case file: the diagram with the active step highlighted; after completing the task the case has moved on', async () => {
  await page.goto(`/pratiche/${caseMario}`);
  await page.waitForSelector('#diagramma[data-pronto="true"]');
  assert.is(await page.locator('.djs-element.stato-attivo[data-element-id="istruttoria"]').count(), 1);
  assert.is(await page.locator('.djs-element.stato-concluso[data-element-id="start"]').count(), 1);
  const main = await page.textContent('main') ?? '';
  assert.match(main, 'FASC/0001');
  assert.match(main, 'Rossi Mario');
  assert.match(main, MARIO);
  assert.match(main, /In corso: [^.]*Istruttoria della domanda/);
  assert.match(main, '4.500,00 €', 'ISEE as an amount');
  const data = await page.textContent('section:has(#dati-titolo)') ?? '';
  assert.match(data, 'Bianchi Laura');
  assert.match(data, 'Componenti del nucleo');
  assert.not.match(data, '{', 'no JSON');
  await assertAccessible(page, 'fascicolo');
  await page.setViewportSize({ width: 1100, height: 760 });
  await saveScreenshot(page, 'fascicolo.png');
  await page.setViewportSize({ width: 1280, height: 900 });

  const task = (await op.get(`/api/v1/tasks?processInstanceId=${caseMario}`)).body.items[0];
  assert.is((await op.post(`/api/v1/tasks/${task.id}/claim`)).status, 200);
  const done = await op.post(`/api/v1/tasks/${task.id}/complete`, { variables: {} });
  assert.ok(done.status < 300, JSON.stringify(done.body));
  await page.goto(`/pratiche/${caseMario}`);
  await page.waitForSelector('#diagramma[data-pronto="true"]');
  assert.is(await page.locator('.djs-element.stato-attivo[data-element-id="monitoraggio"]').count(), 1);
  assert.is(await page.locator('.djs-element.stato-concluso[data-element-id="istruttoria"]').count(), 1);
  assert.is(await page.locator('.djs-element.stato-attivo[data-element-id="istruttoria"]').count(), 0);
  const row = await page.textContent('#passi tbody tr:has-text("Istruttoria della domanda")') ?? '';
  assert.match(row, opName, 'who did it');
  assert.match(row, 'Nei tempi');
  assert.match(await page.textContent('main') ?? '', /In corso: [^.]*Monitoraggio del progetto/);
  assert.equal(pageErrors, []);
});

test("another comune's case answers the 404 page, a malformed id too; a role without case access gets the 403 page", async () => {
  const r = await page.goto(`/pratiche/${otherCase}`);
  assert.is(r?.status(), 404);
  assert.match(await page.textContent('main') ?? '', 'Pagina non trovata');
  await assertAccessible(page, 'fascicolo 404');
  assert.is((await page.goto('/pratiche/non-un-id'))?.status(), 404);
  // A role without case access: the 403 page (case file, new application, subjects).
  const ctx = await newContext(browser, app.baseUrl);
  const a = await app.user({ tenant: null, username: `analista-fasc-${Date.now()}`, roles: ['analista'] });
  const p = await ctx.newPage();
  await signIn(p, a.username);
  for (const url of [`/pratiche/${caseMario}`, '/domande/nuova', '/soggetti']) {
    assert.is((await p.goto(url))?.status(), 403, url);
    assert.match(await p.textContent('main') ?? '', 'Accesso non consentito');
  }
  // …and the header does not offer those sections to them.
  assert.is(await p.locator('header a[href="/soggetti"], header a[href="/domande/nuova"], header a[href="/attivita"]').count(), 0);
  await assertAccessible(p, '403');
  await ctx.close();
});

test('subject search by codice fiscale: a POST, the result page has no personal data in its URL; the subject page shows household and cases', async () => {
  await page.goto('/soggetti');
  await assertAccessible(page, 'soggetti');
  await page.fill('#ricerca-codiceFiscale', MARIO.toLowerCase());
  await submit(page, 'main button:has-text("Cerca")');
  assert.is(new URL(page.url()).pathname, '/soggetti');
  assert.not.match(page.url(), MARIO);
  assert.is(await page.locator('main tbody tr').count(), 1);
  assert.match(await page.textContent('main tbody') ?? '', 'Rossi Mario');
  await assertAccessible(page, 'soggetti (risultati)');
  await submit(page, 'main tbody a:has-text("Rossi Mario")');
  assert.match(new URL(page.url()).pathname, /^\/soggetti\/[0-9a-f-]{36}$/);
  const main = await page.textContent('main') ?? '';
  assert.match(main, 'Bianchi Laura');
  assert.match(main, 'Coniuge');
  assert.match(main, 'FASC/0001');
  await assertAccessible(page, 'soggetto');
  await submit(page, 'main a:has-text("FASC/0001")');
  assert.is(new URL(page.url()).pathname, `/pratiche/${caseMario}`);
  // Both pages show personal data: each view is in the audit, from the web, with the person it concerns.
  const audit = (await resp.get(`/api/v1/audit?limit=200`)).body.items as Array<{ username: string; objectType: string; objectId: string; channel: string; detail: string; subjectId: string | null }>;
  const mine = audit.filter((r) => r.username === opName && r.channel === 'web' && r.detail === 'page');
  assert.ok(mine.some((r) => r.objectType === 'subject' && r.subjectId === r.objectId), JSON.stringify(mine));
  assert.ok(mine.some((r) => r.objectType === 'case' && r.objectId === caseMario && r.subjectId), JSON.stringify(mine));
});

test('a responsabile cancels a case with a reason (required); an operatore has no cancel form', async () => {
  await page.goto(`/pratiche/${caseAnna}`);
  assert.is(await page.locator('#annulla-motivo').count(), 0);
  const ctx = await newContext(browser, app.baseUrl);
  const p = await ctx.newPage();
  await signInWorker(p, respName);
  await p.goto(`/pratiche/${caseAnna}`);
  await submit(p, 'button:has-text("Annulla la pratica")');
  assert.match(await p.textContent('#annulla-motivo-errore') ?? '', 'Indicare il motivo');
  await assertAccessible(p, 'fascicolo (annulla, errore)');
  await p.fill('#annulla-motivo', 'Domanda presentata per errore');
  await submit(p, 'button:has-text("Annulla la pratica")');
  const main = await p.textContent('main') ?? '';
  assert.match(main, 'La pratica è stata annullata');
  assert.match(main, 'Annullata');
  assert.is(await p.locator('#annulla-motivo').count(), 0);
  await assertAccessible(p, 'fascicolo (annullata)');
  const api = await op.get(`/api/v1/process-instances/${caseAnna}`);
  assert.is(api.body.status, 'cancelled');
  await ctx.close();
});

test('the messages the case waits for are forms: a withdrawal needs its reason, then ends the case', async () => {
  await page.goto(`/pratiche/${caseLuigi}`);
  assert.match(await page.textContent('#azioni-titolo') ?? '', 'Comunicazioni attese');
  await submit(page, 'form:has(input[name="messaggio"][value="rinuncia"]) button[type="submit"]');
  assert.match(await page.textContent('#rinuncia-motivo-errore') ?? '', 'Indicare il motivo della rinuncia');
  await assertAccessible(page, 'fascicolo (rinuncia, errore)');
  await page.fill('#rinuncia-motivo', 'Trasferimento in altro comune');
  await submit(page, 'form:has(input[name="messaggio"][value="rinuncia"]) button[type="submit"]');
  const main = await page.textContent('main') ?? '';
  assert.match(main, 'La rinuncia del richiedente è stata registrata');
  assert.match(main, 'Conclusa');
  assert.match(await page.textContent('section:has(#dati-titolo)') ?? '', 'Trasferimento in altro comune');
  assert.is(await page.locator('#azioni-titolo').count(), 0, 'nothing more to wait for');
});

test.run();
