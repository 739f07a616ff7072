/**
 * Letters a comune sends are lawful and complete: the office profile
 * (GET/PUT /api/v1/tenants/{code}/office) gives the letterhead and logo, the
 * full address, the contacts, the signing officer (named under the D.Lgs.
 * 39/1993 formula) and the responsabile del procedimento; each stored letter
 * takes the comune's next outgoing protocol number in its own transaction;
 * the PDF's headings have the HTML's sizes and signature blocks stay with
 * their section. Checked on the text extracted from the PDFs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { externalTask, flow, twoTasks, userTask } from '../helpers/models.js';
import { sampleVariables } from './fixtures.js';
import { readPdf } from './pdf-text.js';
import { pdfDefinition, htmlToPdf } from '../../src/documents/pdf.js';
import { DocumentService } from '../../src/documents/document.service.js';
import { TemplateCatalog } from '../../src/documents/template-catalog.js';
import type { Orm } from '../../src/db/orm.js';
import type { OfficeProfile } from '../../src/documents/office.js';

const KEY = 'letters_case';
const SEND = 'letters_send';
const FORMULA = "Firma autografa sostituita a mezzo stampa ai sensi dell'art. 3, c. 2, D.Lgs. 39/1993";
/** A 1×1 PNG. */
const LOGO = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const PROFILE: OfficeProfile = {
  ente: 'Comune di Tirano',
  servizio: 'Servizi Sociali – Ufficio Inclusione',
  indirizzo: 'Piazza Cavour 18',
  cap: '23037',
  citta: 'Tirano',
  provincia: 'SO',
  telefono: '0342 000 111',
  email: 'sociale@comune-tirano.example.it',
  pec: 'protocollo@pec.comune-tirano.example.it',
  orari: 'lunedì–venerdì 9:00–12:00',
  logo: LOGO,
  firmatario: { nome: 'Dott.ssa Maria Pedrazzini', qualifica: 'La Responsabile del Servizio' },
  responsabileProcedimento: { nome: 'Dott. Enrico Sertori', telefono: '0342 000 112', email: 'enrico.sertori@comune-tirano.example.it' },
};

let app: TestApp;
let T: string;
let U: string;
let respT: Client;
let respU: Client;
let opT: Client;
let admin: Client;

async function startCase(client: Client, variables: Record<string, unknown>): Promise<string> {
  const r = await client.post(`/api/v1/process-definitions/${KEY}/start`, { variables: { ...variables, owner: client.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function pdfText(client: Client, url: string) {
  const res = await fetch(app.baseUrl + url, { headers: { authorization: `Bearer ${client.token}` } });
  assert.is(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { bytes, read: readPdf(bytes) };
}

test.before(async () => {
  app = await startTestApp();
  T = await app.tenant('Comune di Tirano', { office: false });
  U = await app.tenant('Comune di Grosio', { office: false });
  admin = await app.admin();
  const dep = await deploy(admin, { 'letters.bpmn': twoTasks(KEY, { group: 'let-g' }), 'send.bpmn': flow(SEND, [externalTask('lettera', 'documento-rigetto', 'Lettera di rigetto'), userTask('dopo', 'Consegna', { group: 'let-g' })]) });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  respT = await app.user({ tenant: T, roles: ['responsabile'], groups: ['let-g'] });
  respU = await app.user({ tenant: U, roles: ['responsabile'], groups: ['let-g'] });
  opT = await app.user({ tenant: T, roles: ['operatore'], groups: ['let-g'] });
});
test.after(async () => app.close());

test('office profile: unset at first, saved by the comune responsabile, read back', async () => {
  const before = await respT.get(`/api/v1/tenants/${T}/office`);
  assert.is(before.status, 200);
  assert.equal(before.body, { tenant: T, configured: false, profile: null, updatedAt: null, updatedBy: null });
  const put = await respT.put(`/api/v1/tenants/${T}/office`, PROFILE);
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.is(put.body.configured, true);
  assert.is(put.body.updatedBy, respT.username);
  const after = await admin.get(`/api/v1/tenants/${T}/office`);
  assert.equal(after.body.profile, PROFILE);
});

test('office profile: operators are refused (403), another comune answers 404, bad input 422 naming the field', async () => {
  assert.is((await opT.get(`/api/v1/tenants/${T}/office`)).status, 403);
  assert.is((await opT.put(`/api/v1/tenants/${T}/office`, PROFILE)).status, 403);
  const foreign = await respU.get(`/api/v1/tenants/${T}/office`);
  assert.is(foreign.status, 404);
  assert.is(foreign.body.error.code, 'TENANT_NOT_FOUND');
  assert.is((await respU.put(`/api/v1/tenants/${T}/office`, PROFILE)).status, 404);
  const bad = await respU.put(`/api/v1/tenants/${U}/office`, { ...PROFILE, cap: '2303', logo: 'http://example.it/logo.png', extra: 1 });
  assert.is(bad.status, 422);
  const fields = (bad.body.error.details.fields as Array<{ field: string; message: string }>).map((f) => f.field);
  assert.ok(fields.includes('cap'), JSON.stringify(bad.body));
  assert.ok(fields.includes('logo'));
  const noSigner = await respU.put(`/api/v1/tenants/${U}/office`, { ...PROFILE, firmatario: { qualifica: 'Il Responsabile' } });
  assert.is(noSigner.status, 422);
  assert.ok(JSON.stringify(noSigner.body).includes('firmatario.nome'));
});

test('a letter names the officer under the D.Lgs. 39/1993 formula, the responsabile del procedimento, contacts, addresses with CAP and city, and its protocol number', async () => {
  const id = await startCase(opT, sampleVariables({ motiviRigetto: ['ISEE superiore alla soglia'], origineRigetto: 'comune', richiedente: { nome: 'Mario', cognome: 'Rossi', codiceFiscale: 'RSSMRA80A01F205X', indirizzo: { via: 'Via Roma', civico: '5', cap: '23037', comune: 'Tirano', provincia: 'so' } } }));
  const r = await opT.post(`/api/v1/process-instances/${id}/documents`, { type: 'rigetto' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.protocollo, /^\d+\/2026$/);
  const { bytes, read } = await pdfText(opT, r.body.links.pdf);
  const text = read.text;
  for (const expected of [
    'Comune di Tirano',
    'Servizi Sociali – Ufficio Inclusione',
    'Piazza Cavour 18 – 23037 Tirano (SO)',
    'Tel. 0342 000 111',
    'PEC protocollo@pec.comune-tirano.example.it',
    `Prot. n. ${r.body.protocollo as string} del 2 marzo 2026`,
    'Via Roma 5',
    '23037 Tirano (SO)',
    'Responsabile del procedimento: Dott. Enrico Sertori (tel. 0342 000 112, enrico.sertori@comune-tirano.example.it)',
    'orari: lunedì–venerdì 9:00–12:00',
    'La Responsabile del Servizio',
    'Dott.ssa Maria Pedrazzini',
    FORMULA,
  ]) assert.ok(text.includes(expected), `missing "${expected}" in:\n${text}`);
  // The officer's name comes right before the formula (printed under it on the page).
  assert.ok(text.indexOf('Dott.ssa Maria Pedrazzini') < text.indexOf(FORMULA));
  assert.match(bytes.toString('latin1'), /\/Subtype\s*\/Image/, 'the logo is embedded');
});

test('outgoing protocol: consecutive per comune and year, a failed generation takes no number, another comune counts on its own', async () => {
  const id = await startCase(opT, sampleVariables({ motiviRigetto: ['Requisiti non soddisfatti'], origineRigetto: 'comune' }));
  const first = await opT.post(`/api/v1/process-instances/${id}/documents`, { type: 'rigetto' });
  assert.is(first.status, 201);
  const n = Number(String(first.body.protocollo).split('/')[0]);
  const refused = await opT.post(`/api/v1/process-instances/${id}/documents`, { type: 'convocazione' });
  assert.is(refused.status, 422, 'no convocation data');
  const second = await opT.post(`/api/v1/process-instances/${id}/documents`, { type: 'progetto' });
  assert.is(second.status, 201);
  assert.is(second.body.protocollo, `${n + 1}/2026`);
  const listed = await opT.get(`/api/v1/process-instances/${id}/documents`);
  assert.equal(listed.body.items.map((d: { protocollo: string }) => d.protocollo).sort((a: string, b: string) => parseInt(a) - parseInt(b)), [`${n}/2026`, `${n + 1}/2026`]);

  const opU = await app.user({ tenant: U, roles: ['operatore'], groups: ['let-g'] });
  const idU = await startCase(opU, sampleVariables({ motiviRigetto: ['Requisiti non soddisfatti'], origineRigetto: 'comune' }));
  const u = await opU.post(`/api/v1/process-instances/${idU}/documents`, { type: 'rigetto' });
  assert.is(u.body.protocollo, '1/2026');
  // Without an office profile the letter says what is missing instead of inventing a signer.
  const { read } = await pdfText(opU, u.body.links.pdf);
  assert.ok(read.text.includes("(nominativo non indicato nel profilo dell'ufficio)"));
  assert.ok(read.text.includes(FORMULA));
});

test('the process sends no letter for a comune without an office profile: an incident saying so, retried once the profile is set', async () => {
  const V = await app.tenant('Comune di Sondalo', { office: false });
  const opV = await app.user({ tenant: V, roles: ['operatore', 'responsabile'], groups: ['let-g'] });
  const started = await opV.post(`/api/v1/process-definitions/${SEND}/start`, { variables: sampleVariables({ motiviRigetto: ['Requisiti non soddisfatti'], origineRigetto: 'comune' }) });
  assert.is(started.status, 201, JSON.stringify(started.body));
  await app.services.connectors.drain();
  const incidents = await opV.get(`/api/v1/incidents?processInstanceId=${started.body.id as string}`);
  assert.is(incidents.body.total, 1, JSON.stringify(incidents.body));
  assert.match(incidents.body.items[0].message, /profilo dell'ufficio del Comune di Sondalo non è configurato/);
  assert.equal((await opV.get(`/api/v1/process-instances/${started.body.id as string}/documents`)).body.items, [], 'nothing stored, no protocol number taken');

  assert.is((await opV.put(`/api/v1/tenants/${V}/office`, { ...PROFILE, ente: 'Comune di Sondalo', citta: 'Sondalo', cap: '23035' })).status, 200);
  assert.is((await opV.post(`/api/v1/incidents/${incidents.body.items[0].id as string}/retry`, {})).status, 200);
  await app.services.connectors.drain();
  const after = await opV.get(`/api/v1/process-instances/${started.body.id as string}`);
  assert.equal(after.body.activeElements, ['dopo'], JSON.stringify(after.body));
  const docs = (await opV.get(`/api/v1/process-instances/${started.body.id as string}/documents`)).body.items as Array<{ protocollo: string; links: { pdf: string } }>;
  assert.equal(docs.map((d) => d.protocollo), ['1/2026']);
  const { read } = await pdfText(opV, docs[0]!.links.pdf);
  assert.ok(read.text.includes('Piazza Cavour 18 – 23035 Sondalo (SO)'));
  assert.ok(read.text.includes('Dott.ssa Maria Pedrazzini'));
});

// ---- layout, on the pdfmake definition and the rendered pages

const NOW = new Date('2026-03-02T08:00:00.000Z');
const docs = new DocumentService(null as unknown as Orm, TemplateCatalog.load(path.resolve('templates')), { now: () => NOW });

type Node = Record<string, unknown>;
function* walk(node: unknown, ancestors: Node[] = []): Generator<{ node: Node; ancestors: Node[] }> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n, ancestors);
  else if (node && typeof node === 'object') {
    const n = node as Node;
    yield { node: n, ancestors };
    for (const key of ['stack', 'text', 'table', 'body', 'columns']) if (key in n && typeof n[key] === 'object') yield* walk(n[key], [...ancestors, n]);
  }
}
const textOf = (n: Node): string => (typeof n.text === 'string' ? n.text : Array.isArray(n.text) ? (n.text as unknown[]).map((t) => (typeof t === 'string' ? t : textOf(t as Node))).join('') : '');

test('PDF headings have the sizes of the HTML (h1 16pt, h2 12pt, h3 10.5pt) and stay with what follows them', () => {
  const r = docs.render({ code: T, name: 'Comune di Tirano' }, 'progetto', sampleVariables(), { office: PROFILE });
  const def = pdfDefinition(r.html, { title: r.title, author: 'x', createdAt: NOW });
  const nodes = [...walk(def.content)];
  const sizeOf = (label: string) => nodes.find(({ node }) => textOf(node) === label && node.fontSize !== undefined)?.node.fontSize;
  assert.is(sizeOf('Progetto personalizzato'), 16);
  assert.is(sizeOf('1. Nucleo familiare'), 12);
  assert.is(sizeOf('Inclusione lavorativa'), 10.5);
  const heading = nodes.find(({ node }) => textOf(node) === 'Inclusione lavorativa')!;
  const group = heading.ancestors.at(-1)!;
  assert.is(group.unbreakable, true, 'heading grouped with its table');
  assert.ok(Array.isArray(group.stack) && (group.stack as Node[]).some((n) => 'table' in n));
});

test('signature blocks are unbreakable and, in a long letter, print on one page with their section', async () => {
  const motivi = Array.from({ length: 18 }, (_, i) => `Motivo ${i + 1}: requisito non soddisfatto secondo la verifica dei dati dichiarati nella DSU e nei documenti allegati alla domanda`);
  const r = docs.render({ code: T, name: 'Comune di Tirano' }, 'rigetto', sampleVariables({ motiviRigetto: motivi, origineRigetto: 'comune' }), { office: PROFILE, protocol: { numero: 9, anno: 2026 } });
  const def = pdfDefinition(r.html, { title: r.title, author: 'x', createdAt: NOW });
  const formula = [...walk(def.content)].find(({ node }) => textOf(node) === FORMULA)!;
  assert.ok(formula.ancestors.some((a) => a.unbreakable === true), 'the signature block is unbreakable');
  const read = readPdf(await htmlToPdf(r.html, { title: r.title, author: 'x', createdAt: NOW }));
  assert.ok(read.pageCount >= 2, 'long enough to need two pages');
  const page = read.pages.find((p) => p.includes('Firma autografa'))!;
  for (const part of ['Responsabile del procedimento', 'Dott.ssa Maria Pedrazzini', 'La Responsabile del Servizio']) assert.ok(page.includes(part), `${part} on the signature's page`);

  const progetto = docs.render({ code: T, name: 'Comune di Tirano' }, 'progetto', sampleVariables({ nucleo: Array.from({ length: 30 }, (_, i) => ({ nome: `N${i}`, cognome: 'Rossi', codiceFiscale: 'RSSMRA80A01F205X', dataNascita: '1980-01-01', relazione: 'altro' })) }), { office: PROFILE });
  const pages = readPdf(await htmlToPdf(progetto.html, { title: progetto.title, author: 'x', createdAt: NOW })).pages;
  const signing = pages.find((p) => p.includes('Il/La responsabile del progetto (case manager)'))!;
  assert.ok(signing.includes('Sottoscrizione'), 'the signature boxes print with their heading');
});

test.run();
