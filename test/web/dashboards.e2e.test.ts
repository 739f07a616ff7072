/**
 * The managers' pages in a real browser (chromium via playwright-core), every
 * visited page checked with axe-core: the SLA dashboard shows the numbers of
 * GET /api/v1/sla/summary for a hand-computed fixture, its CSV has the same
 * figures, a number clicks through to its cases; the heatmap colours the
 * late step; the applications dashboard counts the cases; an incident is
 * retried from /incidenti; a metropolitan responsabile sees every comune with
 * counts only (no names, codici fiscali, protocolli or case links in the
 * HTML); an operatore gets the 403 page. UPDATE_SCREENSHOTS=1 saves the SLA
 * dashboard and the heatmap into docs/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { application, cf, MARIO, LAURA } from '../applications/fixtures.js';
import { ensureAssets } from '../../src/web/assets.js';
import { formatDuration } from '../../src/web/charts.js';
import { SLA_DURATION_TOLERANCE } from '../../src/tasks/sla/sla.service.js';
import { launchBrowser, assertAccessible, newContext, signIn } from './browser.js';

const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? path.resolve('docs/screenshots');
const ANNA = cf('VRDNNA60H45F205');
const REI = bpmn(
  'rei',
  `    <bpmn:startEvent id="start" name="Domanda ricevuta" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" camunda:dueDate="P10D" />
    <bpmn:sequenceFlow id="f1" sourceRef="istruttoria" targetRef="end" />
    <bpmn:endEvent id="end" name="Pratica conclusa" />`,
);
const CRUSCOTTO = bpmn(
  'cruscotto',
  `    <bpmn:startEvent id="start" name="Inizio" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" camunda:dueDate="P10D" />
    <bpmn:sequenceFlow id="f1" sourceRef="istruttoria" targetRef="colloquio" />
    <bpmn:userTask id="colloquio" name="Colloquio" camunda:candidateGroups="operatori-rei" />
    <bpmn:sequenceFlow id="f2" sourceRef="colloquio" targetRef="end" />
    <bpmn:endEvent id="end" name="Fine" />`,
).replace('name="cruscotto"', 'name="Presa in carico REI"');
/** The period of the page (Rome days, `a` included) and the same instants for the API. */
const PERIOD = 'processo=cruscotto&da=2026-01-01&a=2026-03-02';
const API_PERIOD = 'processKey=cruscotto&from=2025-12-31T23:00:00.000Z&to=2026-03-02T23:00:00.000Z';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let respA: Client;
let tenantA: string;
let tenantB: string;
let respName: string;
let opName: string;
let metroName: string;
let overdueCase: string;
let extTaskId: string;
const pageErrors: string[] = [];

async function comune(name: string) {
  const tenant = await app.tenant(name);
  for (const model of [{ 'rei.bpmn': REI }, { 'cruscotto.bpmn': CRUSCOTTO }] as Array<Record<string, string>>) {
    const r = await deploy(await app.admin(), model, tenant);
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
  return tenant;
}

/**
 * The hand-computed fixture (now = 2026-03-02T08:00Z), process `cruscotto`:
 * istruttoria — in the period 6 tasks: 3 completed (5 d on time, 4 d late,
 * 2 d on time → 66,7 %, median 4 d, p90 4,8 d), 3 open (one overdue, one at
 * risk past 75% of its 10 days, one in time); one more completed in November
 * 2025, outside the period. colloquio — 2 tasks without due date: one
 * completed in 2 h, one open.
 */
async function seedSla(tenant: string, prefix: string): Promise<string[]> {
  const conn = app.services.orm.em.fork().getConnection();
  const [def] = (await conn.execute(`select id from process_definition where key = 'cruscotto' and tenant = ?`, [tenant])) as Array<{ id: string }>;
  const rows: Array<[string, string, string | null, string | null, 'open' | 'completed']> = [
    ['istruttoria', '2026-01-10T09:00:00Z', '2026-01-20T09:00:00Z', '2026-01-15T09:00:00Z', 'completed'],
    ['istruttoria', '2026-01-12T09:00:00Z', '2026-01-14T09:00:00Z', '2026-01-16T09:00:00Z', 'completed'],
    ['istruttoria', '2026-02-03T09:00:00Z', '2026-02-13T09:00:00Z', '2026-02-05T09:00:00Z', 'completed'],
    ['istruttoria', '2026-02-20T08:00:00Z', '2026-03-01T08:00:00Z', null, 'open'],
    ['istruttoria', '2026-02-22T08:00:00Z', '2026-03-04T08:00:00Z', null, 'open'],
    ['istruttoria', '2026-03-01T08:00:00Z', '2026-03-11T08:00:00Z', null, 'open'],
    ['istruttoria', '2025-11-10T09:00:00Z', '2025-11-20T09:00:00Z', '2025-11-12T09:00:00Z', 'completed'],
    ['colloquio', '2026-02-10T09:00:00Z', null, '2026-02-10T11:00:00Z', 'completed'],
    ['colloquio', '2026-02-25T09:00:00Z', null, null, 'open'],
  ];
  const ids: string[] = [];
  for (const [i, [element, created, due, ended, status]] of rows.entries()) {
    const instanceId = randomUUID();
    ids.push(instanceId);
    await conn.execute(
      `insert into process_instance (id, tenant, definition_id, definition_key, definition_version, business_key, status, variables, started_at, updated_at)
       values (?, ?, ?, 'cruscotto', 1, ?, 'active', '{}', ?, ?)`,
      [instanceId, tenant, def!.id, `${prefix}/${String(i + 1).padStart(3, '0')}`, created, created],
    );
    await conn.execute(
      `insert into task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, name, candidate_groups, due_at, status, created_at, ended_at)
       values (?, ?, ?, 'cruscotto', ?, ?, ?, ?, '{operatori-rei}', ?, ?, ?, ?)`,
      [randomUUID(), tenant, instanceId, `${prefix}/${String(i + 1).padStart(3, '0')}`, element, `${element}_1`, element === 'istruttoria' ? 'Istruttoria della domanda' : 'Colloquio', due, status, created, ended],
    );
  }
  return ids;
}

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  tenantA = await comune('Comune Cruscotto Alfa');
  tenantB = await comune('Comune Cruscotto Beta');
  respName = `resp-dash-${tenantA.toLowerCase()}`;
  opName = `op-dash-${tenantA.toLowerCase()}`;
  metroName = `resp-metro-dash-${tenantA.toLowerCase()}`;
  respA = await app.user({ tenant: tenantA, username: respName, roles: ['responsabile'], groups: ['operatori-rei'] });
  const opA = await app.user({ tenant: tenantA, username: opName, roles: ['operatore'], groups: ['operatori-rei'] });
  const opB = await app.user({ tenant: tenantB, roles: ['operatore'], groups: ['operatori-rei'] });
  await app.user({ tenant: null, username: metroName, roles: ['responsabile'], groups: [] });
  for (const [client, body] of [
    [opA, application('DASH/0001')],
    [opB, application('DASH/0101', { richiedente: { codiceFiscale: ANNA, nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', sesso: 'F', cittadinanza: 'IT', residenteInItaliaDal: '1960-06-05', indirizzo: 'Via Po 3' }, nucleo: [] })],
  ] as const) {
    const r = await client.post('/api/v1/applications', body);
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
  const idsA = await seedSla(tenantA, 'SLA-A');
  overdueCase = idsA[3]!;
  await seedSla(tenantB, 'SLA-B');
  // A connector call out of retries, with its open incident.
  const conn = app.services.orm.em.fork().getConnection();
  extTaskId = randomUUID();
  await conn.execute(
    `insert into external_task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, topic, status, retries, error_message, created_at)
     values (?, ?, ?, 'cruscotto', 'SLA-A/004', 'istruttoria', 'inps_1', 'inps-invio', 'open', 0, 'Servizio INPS non raggiungibile', ?)`,
    [extTaskId, tenantA, overdueCase, '2026-03-01T10:00:00Z'],
  );
  await conn.execute(
    `insert into incident (id, tenant, instance_id, kind, external_task_id, element_id, message, status, created_at)
     values (?, ?, ?, 'external-task-failed', ?, 'istruttoria', 'Servizio INPS non raggiungibile (timeout dopo 30 s)', 'open', ?)`,
    [randomUUID(), tenantA, overdueCase, extTaskId, '2026-03-01T10:05:00Z'],
  );
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await signIn(page, respName);
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

const cellsOf = (p: Page, table: string) =>
  p.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())));

test('SLA dashboard: the numbers of GET /api/v1/sla/summary (hand-computed), the CSV too; a number lists its cases', async () => {
  const api = await respA.get(`/api/v1/sla/summary?${API_PERIOD}`);
  assert.is(api.status, 200);
  const byStep = Object.fromEntries((api.body.items as Array<Record<string, unknown>>).map((r) => [r.elementId, r]));
  assert.equal(
    { ...byStep.istruttoria, name: undefined, processKey: undefined, elementId: undefined, medianSeconds: undefined, p90Seconds: undefined },
    { name: undefined, processKey: undefined, elementId: undefined, total: 6, completed: 3, completedWithDue: 3, completedOnTime: 2, onTimePercent: 66.7, open: 3, overdueNow: 1, atRiskNow: 1, medianSeconds: undefined, p90Seconds: undefined },
    'the API by hand',
  );
  // durations from histograms: within the tolerance the page states (exact: median 4 d, p90 4,8 d; 2 h)
  const near = (actual: unknown, exact: number) => assert.ok(Math.abs(Number(actual) - exact) <= exact * SLA_DURATION_TOLERANCE, `${String(actual)} ≈ ${exact}`);
  near(byStep.istruttoria!.medianSeconds, 4 * 86400);
  near(byStep.istruttoria!.p90Seconds, 4.8 * 86400);
  near(byStep.colloquio!.medianSeconds, 7200);
  assert.equal([byStep.colloquio!.total, byStep.colloquio!.onTimePercent, byStep.colloquio!.open], [2, null, 1]);
  const shown = (r: Record<string, unknown>, k: 'medianSeconds' | 'p90Seconds') => formatDuration(r[k] as number);

  const res = await page.goto(`/cruscotti/sla?${PERIOD}`);
  assert.is(res?.status(), 200);
  await assertAccessible(page, 'cruscotto SLA');
  const rows = await cellsOf(page, '#tabella-passi');
  assert.equal(rows, [
    ['Colloquio', '2', '1', '–', '1', '0', '0', shown(byStep.colloquio!, 'medianSeconds'), shown(byStep.colloquio!, 'p90Seconds')],
    ['Istruttoria della domanda', '6', '3', '66,7 %', '3', '1', '1', shown(byStep.istruttoria!, 'medianSeconds'), shown(byStep.istruttoria!, 'p90Seconds')],
  ]);
  assert.match(await page.textContent('main') ?? '', 'scarto massimo di 4,5 %');
  const months = await cellsOf(page, '#tabella-mesi');
  assert.equal(months, [
    ['gennaio 2026', '2', '2', '50 %'],
    ['febbraio 2026', '5', '2', '100 %'],
    ['marzo 2026', '1', '0', '–'],
  ]);
  assert.ok(await page.locator('svg#grafico-puntualita[role="img"] title').count(), 'the chart has a title');

  const csvHref = await page.getAttribute('a[href*="tabella=passi"]', 'href');
  const csv = await page.request.get(csvHref!);
  assert.match(csv.headers()['content-type'] ?? '', 'text/csv');
  const lines = (await csv.text()).replace(/^\ufeff/, '').trim().split('\r\n').map((l) => l.split(';'));
  const header = lines[0]!;
  const col = (line: string[], name: string) => line[header.indexOf(name)];
  assert.is(lines.length, 3);
  for (const line of lines.slice(1)) {
    const r = byStep[col(line, 'id_passo')!]!;
    assert.is(col(line, 'attivita'), String(r.total));
    assert.is(col(line, 'concluse_in_tempo'), String(r.completedOnTime));
    assert.is(col(line, 'in_tempo_percento'), r.onTimePercent === null ? '' : String(r.onTimePercent).replace('.', ','));
    assert.is(col(line, 'aperte'), String(r.open));
    assert.is(col(line, 'scadute'), String(r.overdueNow));
    assert.is(col(line, 'a_rischio'), String(r.atRiskNow));
    assert.is(col(line, 'mediana_secondi'), String(r.medianSeconds ?? ''));
    assert.is(col(line, 'p90_secondi'), String(r.p90Seconds ?? ''));
  }

  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'cruscotto-sla.png'), fullPage: false, clip: { x: 0, y: 0, width: 1280, height: 1400 } }).catch(() => page.screenshot({ path: path.join(SCREENSHOTS, 'cruscotto-sla.png') }));
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  // "Scadute" of istruttoria → the one overdue task's case.
  await Promise.all([page.waitForNavigation(), page.locator('#tabella-passi tbody tr:has(th:text("Istruttoria della domanda")) td').nth(4).locator('a').click()]);
  assert.is(new URL(page.url()).pathname, '/cruscotti/sla/pratiche');
  await assertAccessible(page, 'pratiche di un numero');
  const listed = await cellsOf(page, '#tabella-pratiche');
  assert.is(listed.length, 1);
  assert.match(listed[0]![0]!, 'SLA-A/004');
  assert.is(await page.getAttribute('#tabella-pratiche tbody a', 'href'), `/pratiche/${overdueCase}`);
});

test('heatmap: the diagram with open, overdue and median on each step, the late step in red', async () => {
  const res = await page.goto(`/cruscotti/sla/mappa?${PERIOD}`);
  assert.is(res?.status(), 200);
  await page.waitForSelector('#diagramma[data-pronto="true"]', { timeout: 20_000 }).catch(async (e) => {
    console.log(pageErrors, (await page.content()).slice(-3000));
    throw e;
  });
  const api = await respA.get(`/api/v1/sla/summary?${API_PERIOD}&elementId=istruttoria`);
  const median = formatDuration(api.body.items[0].medianSeconds);
  assert.match(await page.textContent('.calore-etichetta[data-passo="istruttoria"]') ?? '', `3 aperte · 1 scadute\nmediana ${median}`);
  assert.ok(await page.locator('.djs-element.calore-alto[data-element-id="istruttoria"]').count(), 'istruttoria is red (a third of its open tasks overdue)');
  assert.ok(await page.locator('.djs-element.calore-basso[data-element-id="colloquio"]').count());
  assert.equal((await cellsOf(page, '#tabella-mappa'))[1], ['Istruttoria della domanda', '3', '1', '1', median, '66,7 %', 'In ritardo']);
  await assertAccessible(page, 'mappa di calore');
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator('#diagramma').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'cruscotto-mappa.png'), fullPage: false });
  }
  assert.equal(pageErrors, []);
});

test('Cruscotto domande REI: the comune\'s applications per month, status and step', async () => {
  const res = await page.goto('/cruscotti/domande?processo=rei');
  assert.is(res?.status(), 200);
  await assertAccessible(page, 'cruscotto domande');
  assert.equal(await cellsOf(page, '#tabella-stato'), [['marzo 2026', '1', '1']]);
  assert.equal(await cellsOf(page, '#tabella-fase'), [['marzo 2026', '1', '1']]);
  assert.match(await page.textContent('#tabella-fase thead') ?? '', 'Istruttoria della domanda');
});

test('incidents: a failed connector call is retried from the page', async () => {
  const res = await page.goto('/incidenti');
  assert.is(res?.status(), 200);
  await assertAccessible(page, 'incidenti');
  const rows = await cellsOf(page, '#tabella-incidenti');
  assert.is(rows.length, 1);
  assert.match(rows[0]!.join(' | '), /SLA-A\/004.*Istruttoria della domanda.*Servizio INPS non raggiungibile.*\| 0 \|/);
  await Promise.all([page.waitForNavigation(), page.click('#tabella-incidenti button:has-text("Riprova")')]);
  assert.is(new URL(page.url()).pathname, '/incidenti');
  assert.match(await page.textContent('main') ?? '', 'L\'incidente è risolto');
  assert.match(await page.textContent('#tabella-incidenti') ?? '', 'Nessun incidente');
  await assertAccessible(page, 'incidenti dopo il nuovo tentativo');
  const [ext] = (await app.services.orm.em.fork().getConnection().execute('select retries from external_task where id = ?', [extTaskId])) as Array<{ retries: number }>;
  assert.is(ext!.retries, 1, 'the call has a retry again');
  const api = await respA.get('/api/v1/incidents?status=resolved');
  assert.is(api.body.items[0].resolvedBy, respName);
});

test('metropolitan responsabile: every comune side by side, counts only, no personal data', async () => {
  const metro = await newContext(browser, app.baseUrl);
  const p = await metro.newPage();
  await signIn(p, metroName);
  const personal = [MARIO, LAURA, ANNA, 'Rossi', 'Bianchi', 'Verdi', 'Mario', 'Laura', 'DASH/0', 'SLA-A/', 'SLA-B/', '/pratiche/'];
  for (const url of [`/cruscotti/sla?${PERIOD}`, `/cruscotti/sla/mappa?${PERIOD}`, '/cruscotti/domande?processo=rei', '/incidenti?stato=all']) {
    const res = await p.goto(url);
    assert.is(res?.status(), 200, url);
    const html = await p.content();
    for (const s of personal) assert.not.ok(html.includes(s), `${url} shows ${s}`);
    await assertAccessible(p, `metropolitano ${url}`);
  }
  await p.goto(`/cruscotti/sla?${PERIOD}`);
  const comuni = await cellsOf(p, '#tabella-comuni');
  assert.equal(comuni.filter((r) => r[0]!.startsWith('Comune Cruscotto')), [
    ['Comune Cruscotto Alfa', '8', '66,7 %', '4', '1', '1'],
    ['Comune Cruscotto Beta', '8', '66,7 %', '4', '1', '1'],
  ]);
  const api = await (await app.user({ tenant: null, roles: ['responsabile'] })).get(`/api/v1/sla/summary?${API_PERIOD}`);
  const perComune = await cellsOf(p, '#tabella-passi-comuni');
  for (const r of api.body.items as Array<{ tenant: string; elementId: string; total: number; open: number }>) {
    if (r.tenant !== tenantA && r.tenant !== tenantB) continue;
    const row = perComune.find((c) => c[1] === (r.tenant === tenantA ? 'Comune Cruscotto Alfa' : 'Comune Cruscotto Beta') && c[0] === (r.elementId === 'istruttoria' ? 'Istruttoria della domanda' : 'Colloquio'));
    assert.equal([row?.[2], row?.[5]], [String(r.total), String(r.open)]);
  }
  const list = await p.goto(`/cruscotti/sla/pratiche?${PERIOD}&passo=istruttoria&misura=scadute`);
  assert.is(list?.status(), 403, 'no list of cases');
  await assertAccessible(p, 'metropolitano: elenco negato');
  await metro.close();
});

test('an operatore gets the 403 page on the dashboards and incidents', async () => {
  const ctx2 = await newContext(browser, app.baseUrl);
  const p = await ctx2.newPage();
  await signIn(p, opName);
  for (const url of ['/cruscotti/sla', '/cruscotti/sla/mappa', '/cruscotti/domande', '/incidenti', '/cruscotti/sla/csv']) {
    const res = await p.goto(url);
    assert.is(res?.status(), 403, url);
  }
  await p.goto('/cruscotti/sla');
  assert.match(await p.textContent('main') ?? '', 'Accesso non consentito');
  await assertAccessible(p, '403');
  assert.not.ok(await p.locator('nav a[href="/cruscotti/sla"]').count(), 'no header link');
  await ctx2.close();
});

test.run();
