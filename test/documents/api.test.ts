/**
 * Documents API: generate on demand, list per case, metadata, PDF and HTML
 * download; another comune gets 404 everywhere, roles without case access get
 * 403, bad input 422; a comune's template override applies through the API.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';
import { sampleVariables } from './fixtures.js';
import { readPdf } from './pdf-text.js';

const KEY = 'documents_case';

let app: TestApp;
let A: string;
let B: string;
let opA: Client;
let opB: Client;
let analistaA: Client;
let metro: Client;
let instanceA: string;

async function start(client: Client, variables: Record<string, unknown>): Promise<string> {
  const r = await client.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey: String(variables.protocollo ?? 'X'), variables: { ...variables, owner: client.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

/** A raw GET, to see headers and bytes. */
async function raw(client: Client, url: string) {
  const res = await fetch(app.baseUrl + url, { headers: { authorization: `Bearer ${client.token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

test.before(async () => {
  app = await startTestApp();
  A = await app.tenant('Comune di Aprica');
  B = await app.tenant('Comune di Bormio');
  const admin = await app.admin();
  const dep = await deploy(admin, { 'documents.bpmn': twoTasks(KEY, { group: 'doc-g' }) });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  opA = await app.user({ tenant: A, roles: ['operatore'], groups: ['doc-g'] });
  opB = await app.user({ tenant: B, roles: ['operatore'], groups: ['doc-g'] });
  analistaA = await app.user({ tenant: A, roles: ['analista'] });
  metro = await app.user({ tenant: null, roles: ['responsabile'] });
  instanceA = await start(opA, sampleVariables({ motiviRigetto: ['ISEE superiore alla soglia'], origineRigetto: 'comune' }));
});
test.after(async () => app.close());

test('generate on demand, then list, read metadata, download PDF and HTML', async () => {
  const made = await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'progetto' });
  assert.is(made.status, 201, JSON.stringify(made.body));
  const doc = made.body;
  assert.is(doc.type, 'progetto');
  assert.is(doc.title, 'Progetto personalizzato');
  assert.is(doc.processInstanceId, instanceA);
  assert.is(doc.tenant, A);
  assert.is(doc.template, 'progetto-personalizzato.hbs');
  assert.is(doc.fileName, 'progetto-personalizzato-REI-2026-000123-20260302.pdf');
  assert.is(doc.createdBy, opA.username);
  assert.is(doc.createdAt, app.clock.now().toISOString(), 'generation time from the injected clock');
  assert.equal(doc.links, { self: `/api/v1/documents/${doc.id}`, pdf: `/api/v1/documents/${doc.id}/pdf`, html: `/api/v1/documents/${doc.id}/html` });

  app.clock.advance(60_000);
  const letter = await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'rigetto' });
  assert.is(letter.status, 201, JSON.stringify(letter.body));

  const list = await opA.get(`/api/v1/process-instances/${instanceA}/documents`);
  assert.is(list.status, 200);
  assert.is(list.body.total, 2);
  assert.equal(list.body.items.map((d: { type: string }) => d.type), ['progetto', 'rigetto'], 'oldest first');
  assert.equal(Object.keys(list.body.items[0]).sort(), ['createdAt', 'createdBy', 'fileName', 'id', 'links', 'processInstanceId', 'protocollo', 'template', 'tenant', 'title', 'type']);

  const meta = await opA.get(`/api/v1/documents/${doc.id}`);
  assert.is(meta.status, 200);
  assert.equal(meta.body, doc);

  const pdf = await raw(opA, doc.links.pdf);
  assert.is(pdf.status, 200);
  assert.is(pdf.headers.get('content-type'), 'application/pdf');
  assert.is(pdf.headers.get('content-disposition'), `attachment; filename="${doc.fileName}"`);
  const read = readPdf(pdf.bytes);
  assert.is(read.header.slice(0, 5), '%PDF-');
  assert.ok(read.pageCount >= 1);
  assert.ok(read.text.includes('Comune di Aprica'), 'letterhead with the comune name');
  assert.ok(read.text.includes('Dott.ssa Giulia Verdi'));

  const html = await raw(opA, doc.links.html);
  assert.is(html.status, 200);
  assert.match(html.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const text = html.bytes.toString('utf8');
  assert.ok(text.includes('<h1 class="titolo-documento">Progetto personalizzato</h1>'));
  assert.ok(text.includes('<p class="ente">Comune di Aprica</p>'));
});

test("another comune's documents answer 404; metropolitan users see them", async () => {
  const made = await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'rigetto' });
  const id = made.body.id;
  const notFound = (r: { status: number; body: any }, code: string, what: string) => {
    assert.is(r.status, 404, `${what}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.error.code, code, what);
  };
  notFound(await opB.get(`/api/v1/process-instances/${instanceA}/documents`), 'INSTANCE_NOT_FOUND', 'list');
  notFound(await opB.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'rigetto' }), 'INSTANCE_NOT_FOUND', 'generate');
  notFound(await opB.get(`/api/v1/documents/${id}`), 'DOCUMENT_NOT_FOUND', 'metadata');
  notFound(await opB.get(`/api/v1/documents/${id}/pdf`), 'DOCUMENT_NOT_FOUND', 'pdf');
  notFound(await opB.get(`/api/v1/documents/${id}/html`), 'DOCUMENT_NOT_FOUND', 'html');
  notFound(await opA.get('/api/v1/documents/not-a-uuid/pdf'), 'DOCUMENT_NOT_FOUND', 'malformed id');
  notFound(await opA.get('/api/v1/documents/00000000-0000-4000-8000-000000000000'), 'DOCUMENT_NOT_FOUND', 'unknown id');
  notFound(await opA.get('/api/v1/process-instances/00000000-0000-4000-8000-000000000000/documents'), 'INSTANCE_NOT_FOUND', 'unknown instance');

  const own = await opB.post(`/api/v1/process-definitions/${KEY}/start`, { variables: { owner: 'x' } });
  const listB = await opB.get(`/api/v1/process-instances/${own.body.id}/documents`);
  assert.is(listB.status, 200);
  assert.is(listB.body.total, 0, "comune B's case has none of A's documents");

  assert.is((await metro.get(`/api/v1/documents/${id}`)).status, 200);
  assert.is((await metro.get(`/api/v1/process-instances/${instanceA}/documents`)).status, 200);
});

test('only case roles reach documents (they carry personal data)', async () => {
  const r = await analistaA.get(`/api/v1/process-instances/${instanceA}/documents`);
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'ROLE_REQUIRED');
  assert.is((await analistaA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'progetto' })).status, 403);
  assert.is((await app.anonymous().get(`/api/v1/process-instances/${instanceA}/documents`)).status, 401);
});

test('bad input: unknown type, extra fields, missing data the document needs → 422', async () => {
  const bad = await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'verbale' });
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'VALIDATION_FAILED');
  assert.is(bad.body.error.details.fields[0].field, 'type');
  assert.is((await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'progetto', html: '<b>' })).status, 422);
  assert.is((await opA.post(`/api/v1/process-instances/${instanceA}/documents`, 'not json')).status, 400);
  const missing = await opA.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'convocazione' });
  assert.is(missing.status, 422, JSON.stringify(missing.body));
  assert.is(missing.body.error.code, 'DOCUMENT_DATA_MISSING');
  assert.match(missing.body.error.message, /convocazione/);
  assert.is(missing.body.error.details.fields[0].field, 'convocazione.dataOra');
});

test("a comune's own letterhead (templates/<BELFIORE>/partials) applies through the API, to that comune only", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-templates-api-'));
  const second = { app: null as TestApp | null };
  try {
    fs.cpSync('templates', dir, { recursive: true });
    const C = await app.tenant('Comune di Chiavenna');
    fs.mkdirSync(path.join(dir, C, 'partials'), { recursive: true });
    fs.writeFileSync(path.join(dir, C, 'partials', 'intestazione.hbs'), '<div class="intestazione"><p class="ente">{{comune.nome}}</p><p class="servizio">Ufficio di Piano della Valchiavenna</p></div>');
    second.app = await startTestApp({ config: { templatesDir: dir } });
    const opC = await second.app.user({ tenant: C, roles: ['assistente_sociale'] });
    const opA2 = await second.app.user({ tenant: A, roles: ['operatore'] });
    const instanceC = await (async () => {
      const r = await opC.post(`/api/v1/process-definitions/${KEY}/start`, { variables: sampleVariables({ owner: 'x' }) });
      assert.is(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    })();
    const c = await opC.post(`/api/v1/process-instances/${instanceC}/documents`, { type: 'rigetto' });
    assert.is(c.status, 201, JSON.stringify(c.body));
    const htmlC = (await raw(opC, c.body.links.html)).bytes.toString('utf8');
    assert.ok(htmlC.includes('Ufficio di Piano della Valchiavenna'));
    assert.ok(readPdf((await raw(opC, c.body.links.pdf)).bytes).text.includes('Ufficio di Piano della Valchiavenna'), 'in the PDF too');
    const a = await opA2.post(`/api/v1/process-instances/${instanceA}/documents`, { type: 'rigetto' });
    const htmlA = (await raw(opA2, a.body.links.html)).bytes.toString('utf8');
    assert.not.ok(htmlA.includes('Valchiavenna'));
    assert.ok(htmlA.includes('Servizi Sociali – Reddito di Inclusione (REI)'));
  } finally {
    await second.app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
