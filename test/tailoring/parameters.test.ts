import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { mergeLayers } from '../../src/tailoring/parameters/merge.js';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  const r = await deploy(admin, { 'rei.bpmn': fs.readFileSync('processes/rei.bpmn', 'utf8'), 'rei-requisiti.dmn': fs.readFileSync('processes/rei-requisiti.dmn', 'utf8') });
  assert.is(r.status, 201, JSON.stringify(r.body));
});
test.after(async () => app.close());

test('merge: objects merge deeply, arrays and scalars are replaced, sources follow the last layer', () => {
  const { values, sources } = mergeLayers([
    { name: 'default', values: { a: 1, g: { x: 'x', y: 'y' }, list: [1, 2] } },
    { name: 'comune-file', values: { g: { y: 'Y' }, list: [3] } },
    { name: 'override', values: { a: 2 } },
  ]);
  assert.equal(values, { a: 2, g: { x: 'x', y: 'Y' }, list: [3] });
  assert.equal(sources, { a: 'override', 'g.x': 'default', 'g.y': 'comune-file', list: 'comune-file' });
});

test('GET shows merged values with the source of each; Milano file override applies', async () => {
  const created = await admin.post('/api/v1/tenants', { code: 'F205', name: 'Comune di Milano' });
  assert.ok(created.status === 201 || created.status === 409);
  const milano = await app.user({ tenant: 'F205', roles: ['operatore'] });
  const r = await milano.get('/api/v1/tenants/F205/parameters/rei');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.values.iseeMax, 6000);
  assert.is(r.body.sources.iseeMax, 'default');
  assert.is(r.body.values.intervalloMonitoraggioMesi, 2);
  assert.is(r.body.sources.intervalloMonitoraggioMesi, 'comune-file');
  assert.is(r.body.values.gruppi.operatori, 'caf-convenzionati');
  assert.is(r.body.values.gruppi.assistentiSociali, 'assistenti-sociali');
  assert.is(r.body.version, 0);
  assert.ok(r.body.schema?.properties?.iseeMax);
});

test('PUT validates against the schema: 422 with per-field messages and nothing stored', async () => {
  const tenant = await app.tenant();
  const analyst = await app.user({ tenant, roles: ['analista'] });
  const bad = await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { iseeMax: -5, giorniIstruttoria: 'quindici', sanzioni: { assenzaConvocazione: ['multa'] } } });
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'PARAMETERS_INVALID');
  const fields = bad.body.error.details.fields.map((f: { field: string }) => f.field);
  assert.ok(fields.includes('iseeMax'), JSON.stringify(fields));
  assert.ok(fields.includes('giorniIstruttoria'));
  assert.ok(fields.some((f: string) => f.startsWith('sanzioni.assenzaConvocazione')));
  const unknown = await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { sogliaInventata: 1 } });
  assert.is(unknown.status, 422);
  const versions = await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei/versions`);
  assert.is(versions.body.total, 0);
});

test('overrides are versioned and audited; a running instance keeps its snapshot', async () => {
  const tenant = await app.tenant();
  const analyst = await app.user({ tenant, roles: ['analista'] });
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  // The eligibility decision reads params.iseeMax: 6.500 € fails the default threshold.
  const first = await op.post('/api/v1/process-definitions/rei/start', { variables: { isee: 6500, dataDomanda: '2026-03-02' } });
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is(first.body.params.iseeMax, 6000);
  assert.is(first.body.variables.requisiti.esito, 'non_ammissibile');

  const put = await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { iseeMax: 7000 }, comment: 'delibera 12/2026' });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.is(put.body.version, 1);
  assert.is(put.body.values.iseeMax, 7000);
  assert.is(put.body.sources.iseeMax, 'override');

  const second = await op.post('/api/v1/process-definitions/rei/start', { variables: { isee: 6500, dataDomanda: '2026-03-02' } });
  assert.is(second.body.params.iseeMax, 7000);
  assert.is.not(second.body.variables.requisiti.esito, 'non_ammissibile', 'ISEE within the new threshold (other data missing: manual review)');
  const again = await op.get(`/api/v1/process-instances/${first.body.id}`);
  assert.is(again.body.params.iseeMax, 6000, 'the first case keeps the parameters it started with');

  await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { iseeMax: 7000, durataMesi: 12 } });
  const versions = await analyst.get(`/api/v1/tenants/${tenant}/parameters/rei/versions`);
  assert.equal(versions.body.items.map((v: { version: number }) => v.version), [2, 1]);
  assert.is(versions.body.items[1].comment, 'delibera 12/2026');
  assert.is(versions.body.items[1].createdBy, analyst.username);
  const hist = await op.get(`/api/v1/process-instances/${second.body.id}/history`);
  assert.is(hist.body.items[0].details.parametersVersion, 1);
});

test('roles: operatore cannot edit; an analyst of another comune gets 404; a metropolitan analyst can', async () => {
  const a = await app.tenant();
  const b = await app.tenant();
  const op = await app.user({ tenant: a, roles: ['operatore'] });
  assert.is((await op.put(`/api/v1/tenants/${a}/parameters/rei`, { values: { iseeMax: 1 } })).status, 403);
  const otherAnalyst = await app.user({ tenant: b, roles: ['analista'] });
  const r = await otherAnalyst.put(`/api/v1/tenants/${a}/parameters/rei`, { values: { iseeMax: 1 } });
  assert.is(r.status, 404);
  assert.is((await otherAnalyst.get(`/api/v1/tenants/${a}/parameters/rei`)).status, 404);
  const metro = await app.user({ tenant: null, roles: ['analista'] });
  assert.is((await metro.put(`/api/v1/tenants/${a}/parameters/rei`, { values: { iseeMax: 5000 } })).status, 200);
  assert.is((await metro.get(`/api/v1/tenants/${a}/parameters/nonesiste`)).status, 404);
});

test.run();
