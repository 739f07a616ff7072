/**
 * SIUSS API end to end through the real HTTP harness (every reply checked
 * against the OpenAPI description): manual entry (422 with per-field
 * details.errors), register listing and filters, correction with optimistic
 * locking (409), the check, flow generation and download (XML validated by
 * xmllint, zip), outcomes, native extraction from REI cases run twice
 * without duplicates, roles, metropolitan users naming the comune, and
 * another comune's records answering 404.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { application, minimalRei, MARIO } from '../applications/fixtures.js';
import { sqlOf } from '../../src/siuss/register.service.js';
import { CF_OPERATORE, periodic, sinba, withSina, xmllint } from './helpers.js';

let app: TestApp;
let A: string;
let B: string;
let opA: Client;
let respA: Client;
let opB: Client;
let metro: Client;
let assistente: Client;

test.before(async () => {
  app = await startTestApp();
  A = await app.tenant('Comune di Gamma');
  B = await app.tenant('Comune di Delta');
  opA = await app.user({ tenant: A, roles: ['operatore'], groups: ['operatori-rei'] });
  respA = await app.user({ tenant: A, roles: ['responsabile'] });
  opB = await app.user({ tenant: B, roles: ['operatore'] });
  metro = await app.user({ tenant: null, roles: ['responsabile'] });
  assistente = await app.user({ tenant: A, roles: ['assistente_sociale'] });
});

test.after(async () => {
  await app.close();
});

let recordId = '';

test('manual entry: 201 normalised and ready; invalid values → 422 with per-field details.errors; missing fields → da_completare', async () => {
  const r = await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: periodic() });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.status, 'pronto');
  assert.is(r.body.outcome, 'created');
  assert.is(r.body.operation, 'I');
  assert.is(r.body.origin, 'manual');
  assert.is(r.body.data.ImportoMensile, '1234.5');
  assert.is(r.body.data.CodiceComune, '015146');
  assert.ok(r.body.notes.length > 0);
  recordId = r.body.id;

  const bad = await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'P-BAD', Genere: 'X', DataInizioPrestazione: '32/13/2026', PeriodoErogazione: '0' }) });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  assert.is(bad.body.error.code, 'SIUSS_RECORD_INVALID');
  const byField = Object.fromEntries((bad.body.error.details.errors as Array<{ field: string; message: string }>).map((e) => [e.field, e.message]));
  assert.ok(byField.Genere && byField.DataInizioPrestazione && byField.PeriodoErogazione, JSON.stringify(byField));
  assert.match(byField.Genere, /non ammesso/);

  const noKey = await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: periodic({ CodiceFiscale: '' }) });
  assert.is(noKey.status, 422);
  assert.ok(noKey.body.error.details.errors.some((e: { field: string }) => e.field === 'CodiceFiscale'));

  const partial = await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: withSina({ AreaSupporto: '' }) });
  assert.is(partial.status, 201);
  assert.is(partial.body.status, 'da_completare');
  assert.equal(partial.body.errors.map((e: { field: string }) => e.field), ['AreaSupporto']);
  assert.is(partial.body.errors[0].message, 'AreaSupporto: campo obbligatorio');

  const s = await opA.post('/api/v1/siuss/records', { tipo: 'SINBA', fields: sinba() });
  assert.is(s.status, 201, JSON.stringify(s.body));
  assert.is(s.body.status, 'pronto');
});

test('register: list with filters, one record with its history; roles; other comune → 404 everywhere', async () => {
  const all = await opA.get('/api/v1/siuss/records');
  assert.is(all.status, 200);
  assert.is(all.body.total, 3);
  assert.is((await opA.get('/api/v1/siuss/records?status=da_completare')).body.total, 1);
  assert.is((await opA.get('/api/v1/siuss/records?tipo=SINBA')).body.total, 1);
  const byCf = await opA.get(`/api/v1/siuss/records?codiceFiscale=${String(periodic().CodiceFiscale)}`);
  assert.equal(byCf.body.items.map((i: { id: string }) => i.id), [recordId]);
  const one = await respA.get(`/api/v1/siuss/records/${recordId}`);
  assert.is(one.status, 200);
  assert.is(one.body.history[0].action, 'created');

  assert.is((await opB.get('/api/v1/siuss/records')).body.total, 0);
  assert.is((await opB.get(`/api/v1/siuss/records/${recordId}`)).status, 404);
  assert.is((await opB.put(`/api/v1/siuss/records/${recordId}`, { version: 1, fields: periodic() })).status, 404);
  assert.is((await opB.request('DELETE', `/api/v1/siuss/records/${recordId}`)).status, 404);
  assert.is((await opA.get('/api/v1/siuss/records/not-a-uuid')).status, 404);
  assert.is((await assistente.get('/api/v1/siuss/records')).status, 403);
  // The comune's admin works on the register as the pages let it (one list of roles for API and pages).
  const adminA = await app.user({ tenant: A, roles: ['admin'] });
  assert.is((await adminA.get(`/api/v1/siuss/records/${recordId}`)).status, 200);
  assert.is((await adminA.get('/api/v1/siuss/records')).status, 200);
  // Metropolitan users see every comune and must name one to write.
  assert.ok((await metro.get('/api/v1/siuss/records')).body.total >= 3);
  assert.is((await metro.get(`/api/v1/siuss/records?tenant=${B}`)).body.total, 0);
  const noTenant = await metro.post('/api/v1/siuss/check', {});
  assert.is(noTenant.status, 400);
  assert.is(noTenant.body.error.code, 'TENANT_REQUIRED');
  // A comune user cannot write for another comune.
  assert.is((await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: periodic(), tenant: B })).status, 403);
});

test('correction: PUT with the current version; a stale version → 409; invalid → 422', async () => {
  const cur = await opA.get(`/api/v1/siuss/records/${recordId}`);
  const ok = await opA.put(`/api/v1/siuss/records/${recordId}`, { version: cur.body.version, fields: { ...cur.body.data, ImportoMensile: '1250,00' } });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is(ok.body.data.ImportoMensile, '1250');
  assert.is(ok.body.version, cur.body.version + 1);
  const stale = await respA.put(`/api/v1/siuss/records/${recordId}`, { version: cur.body.version, fields: { ...cur.body.data, ImportoMensile: '1' } });
  assert.is(stale.status, 409);
  assert.is(stale.body.error.code, 'VERSION_CONFLICT');
  const invalid = await opA.put(`/api/v1/siuss/records/${recordId}`, { version: ok.body.version, fields: { ...ok.body.data, AnnoNascita: '80' } });
  assert.is(invalid.status, 422);
  assert.equal(invalid.body.error.details.errors.map((e: { field: string }) => e.field), ['AnnoNascita']);
  // Two corrections at once: one wins, the other gets 409.
  const v = ok.body.version;
  const [x, y] = await Promise.all([
    opA.put(`/api/v1/siuss/records/${recordId}`, { version: v, fields: { ...ok.body.data, ImportoMensile: '1260' } }),
    respA.put(`/api/v1/siuss/records/${recordId}`, { version: v, fields: { ...ok.body.data, ImportoMensile: '1270' } }),
  ]);
  assert.equal([x.status, y.status].sort(), [200, 409]);
});

test('check, flows (waas and file), XML valid for the XSD, zip, outcome entered by the responsabile', async () => {
  const check = await opA.post('/api/v1/siuss/check', {});
  assert.is(check.status, 200);
  assert.is(check.body.errors, 1, 'the incomplete SINA record');
  const gen = await opA.post('/api/v1/siuss/flows', { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: CF_OPERATORE });
  assert.is(gen.status, 201, JSON.stringify(gen.body));
  assert.is(gen.body.total, 1, 'only the ready record; the incomplete one is never sent');
  const flow = gen.body.items[0];
  assert.is(flow.id_flusso, `${A}.PS.20260302.0000001`);
  assert.is(flow.status, 'generato');
  const sin = await opA.post('/api/v1/siuss/flows', { tipo: 'SINBA', modalita: 'file', cfOperatore: CF_OPERATORE });
  assert.is(sin.body.items[0].id_flusso, `${A}.SINBA.20260302.0000002`);

  const list = await respA.get('/api/v1/siuss/flows');
  assert.is(list.body.total, 2);
  for (const f of list.body.items) {
    const xml = await opA.get(`/api/v1/siuss/flows/${f.id}/xml`);
    assert.is(xml.status, 200);
    xmllint(xml.body as string, f.tipo);
  }
  assert.is((await opB.get(`/api/v1/siuss/flows/${flow.id}/xml`)).status, 404);
  assert.is((await opB.get('/api/v1/siuss/flows')).body.total, 0);
  const detail = await opA.get(`/api/v1/siuss/flows/${flow.id}`);
  assert.equal(detail.body.items, [{ recordId, operation: 'I' }]);

  const res = await fetch(`${app.baseUrl}/api/v1/siuss/flows.zip`, { headers: { authorization: `Bearer ${opA.token!}` } });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/zip');
  assert.is(res.headers.get('x-flussi'), '2');
  const zip = Buffer.from(await res.arrayBuffer());
  assert.is(zip.subarray(0, 2).toString(), 'PK');

  assert.is((await opA.post(`/api/v1/siuss/flows/${flow.id}/esito`, { codice: 'OK' })).status, 403, 'responsabile only');
  const esito = await respA.post(`/api/v1/siuss/flows/${flow.id}/esito`, { codice: 'ERRORE_GENERICO', descrizione: 'Codice prestazione non ammesso per l’ente' });
  assert.is(esito.status, 200, JSON.stringify(esito.body));
  assert.is(esito.body.status, 'scartato');
  const rec = await opA.get(`/api/v1/siuss/records/${recordId}`);
  assert.is(rec.body.status, 'scartato');
  assert.is(rec.body.esito.descrizione, 'Codice prestazione non ammesso per l’ente');
  const scartati = await opA.get('/api/v1/siuss/records?status=scartato');
  assert.equal(scartati.body.items.map((i: { id: string }) => i.id), [recordId]);
});

test('native extraction from REI cases: granted benefits become records; running twice creates nothing twice and updates what changed', async () => {
  const admin = await app.admin();
  assert.is((await deploy(admin, { 'rei.bpmn': minimalRei }, A)).status, 201);
  const appl = await opA.post('/api/v1/applications', application('2026/0099'));
  assert.is(appl.status, 201, JSON.stringify(appl.body));
  const sql = sqlOf(app.services.orm.em.fork());
  await sql(`update process_instance set variables = variables || ?::jsonb where id = ?`, [
    JSON.stringify({ beneficioErogato: true, importoMensile: 187.5, dataInizioBeneficio: '2026-04-01', dataFineBeneficio: '2027-09-30', dsuProtocollo: 'INPS-ISEE-2026-00000001' }),
    appl.body.instanceId,
  ]);
  const first = await opA.post('/api/v1/siuss/extractions', { from: '2026-01-01', to: '2026-12-31' });
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body, { created: 1, updated: 0, unchanged: 0, refused: 0 });
  const again = await opA.post('/api/v1/siuss/extractions', { from: '2026-01-01', to: '2026-12-31' });
  assert.equal(again.body, { created: 0, updated: 0, unchanged: 1, refused: 0 });
  const native = (await opA.get(`/api/v1/siuss/records?codiceFiscale=${MARIO}`)).body.items.filter((i: { origin: string }) => i.origin === 'native');
  assert.is(native.length, 1);
  assert.is(native[0].data.CodicePrestazione, 'A1.04');
  assert.is(native[0].data.ImportoMensile, '187.5');
  assert.is(native[0].data.ProtocolloDomanda, '2026/0099');
  assert.is(native[0].originRef, appl.body.instanceId);
  await sql(`update process_instance set variables = variables || ?::jsonb where id = ?`, [JSON.stringify({ importoMensile: 190 }), appl.body.instanceId]);
  const changed = await opA.post('/api/v1/siuss/extractions', { from: '2026-01-01', to: '2026-12-31' });
  assert.equal(changed.body, { created: 0, updated: 1, unchanged: 0, refused: 0 });
  // Outside the period: nothing.
  assert.equal((await opA.post('/api/v1/siuss/extractions', { from: '2025-01-01', to: '2025-12-31' })).body, { created: 0, updated: 0, unchanged: 0, refused: 0 });
  // Another comune's extraction sees none of these cases.
  assert.equal((await opB.post('/api/v1/siuss/extractions', { from: '2026-01-01', to: '2026-12-31' })).body, { created: 0, updated: 0, unchanged: 0, refused: 0 });
  // Metropolitan user for comune A.
  assert.equal((await metro.post('/api/v1/siuss/extractions', { from: '2026-01-01', to: '2026-12-31', tenant: A })).body, { created: 0, updated: 0, unchanged: 1, refused: 0 });
  const bad = await opA.post('/api/v1/siuss/extractions', { from: '2026-12-31', to: '2026-01-01' });
  assert.is(bad.status, 422);
});

test('delete: a record never acquired is removed; bad bodies are 4xx, never 500', async () => {
  const r = await opA.post('/api/v1/siuss/records', { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'P-DEL' }) });
  const del = await opA.request('DELETE', `/api/v1/siuss/records/${r.body.id}?version=${r.body.version}`);
  assert.is(del.status, 200, JSON.stringify(del.body));
  assert.equal(del.body, { removed: true, record: null });
  assert.is((await opA.get(`/api/v1/siuss/records/${r.body.id}`)).status, 404);
  assert.is((await opA.post('/api/v1/siuss/records', { tipo: 'XX', fields: {} })).status, 422);
  assert.is((await opA.post('/api/v1/siuss/flows', { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: 'ABCDEF12G34H567I' })).status, 400);
  assert.is((await opA.post('/api/v1/siuss/records', [])).status, 400);
});

test.run();
