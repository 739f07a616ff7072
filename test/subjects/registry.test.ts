/**
 * The subject registry over HTTP: tenancy (another comune's subject is 404,
 * searches see only the own comune, metropolitan users may filter by comune),
 * personal data updated by a later application, pagination.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { application, minimalRei, MARIO } from '../applications/fixtures.js';

let app: TestApp;
let admin: Client;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

async function comune() {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  assert.is((await deploy(admin, { 'rei.bpmn': minimalRei }, tenant)).status, 201);
  return { tenant, op };
}

test('another comune: subject 404, searches empty, filtering on another comune 403; metropolitan users see both', async () => {
  const a = await comune();
  const b = await comune();
  const inA = await a.op.post('/api/v1/applications', application('T-1'));
  assert.is(inA.status, 201);
  const inB = await b.op.post('/api/v1/applications', application('T-1'));
  assert.is(inB.status, 201, 'the same person in another comune is another registry entry, with its own cases');
  assert.is.not(inA.body.soggettoId, inB.body.soggettoId);

  assert.is((await b.op.get(`/api/v1/subjects/${inA.body.soggettoId}`)).status, 404);
  const nf = await b.op.get(`/api/v1/subjects/${inA.body.soggettoId}`);
  assert.is(nf.body.error.code, 'SUBJECT_NOT_FOUND');
  assert.is((await b.op.get('/api/v1/subjects/not-a-uuid')).status, 404);
  const own = await b.op.get(`/api/v1/subjects?cf=${MARIO}`);
  assert.equal(own.body.items.map((s: { id: string }) => s.id), [inB.body.soggettoId]);
  assert.is((await b.op.get(`/api/v1/subjects?tenant=${a.tenant}`)).status, 403);
  const detail = await b.op.get(`/api/v1/subjects/${inB.body.soggettoId}`);
  assert.is(detail.body.cases.length, 1);
  assert.is(detail.body.cases[0].instanceId, inB.body.instanceId);

  const metro = await admin.get(`/api/v1/subjects?cf=${MARIO}&limit=500`);
  const ids = metro.body.items.map((s: { id: string }) => s.id);
  assert.ok(ids.includes(inA.body.soggettoId) && ids.includes(inB.body.soggettoId));
  const filtered = await admin.get(`/api/v1/subjects?cf=${MARIO}&tenant=${a.tenant}`);
  assert.equal(filtered.body.items.map((s: { id: string }) => s.id), [inA.body.soggettoId]);
  assert.is((await admin.get(`/api/v1/subjects/${inA.body.soggettoId}`)).status, 200);
});

test('a later application updates the personal data (new version); pagination', async () => {
  const { op, tenant } = await comune();
  const first = await op.post('/api/v1/applications', application('U-1'));
  const resp = await app.user({ tenant, roles: ['responsabile'] });
  assert.is((await resp.post(`/api/v1/process-instances/${first.body.instanceId}/cancel`, {})).status, 200);
  const base = application('U-2');
  const second = await op.post('/api/v1/applications', { ...base, richiedente: { ...base.richiedente, nome: 'Mario Luigi', residenteInItaliaDal: '1990-04-01' } });
  assert.is(second.status, 201, JSON.stringify(second.body));
  assert.is(second.body.soggettoId, first.body.soggettoId, 'same person, same registry entry');
  const mario = await op.get(`/api/v1/subjects/${second.body.soggettoId}`);
  assert.is(mario.body.nome, 'Mario Luigi');
  assert.is(mario.body.residenteInItaliaDal, '1990-04-01');
  assert.is(mario.body.version, 2);
  assert.equal(mario.body.cases.map((c: { protocollo: string; status: string }) => [c.protocollo, c.status]), [['U-1', 'cancelled'], ['U-2', 'active']]);

  const page1 = await op.get('/api/v1/subjects?limit=2');
  assert.equal([page1.body.total, page1.body.items.length], [3, 2]);
  const page2 = await op.get('/api/v1/subjects?limit=2&offset=2');
  assert.is(page2.body.items.length, 1);
  assert.is((await op.get('/api/v1/subjects?limit=0')).status, 422);
  assert.is((await op.get('/api/v1/subjects?q=%25')).body.total, 0, 'LIKE wildcards are taken literally');
});

test.run();
