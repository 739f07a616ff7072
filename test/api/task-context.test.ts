/**
 * Issue 10 item 12: each task in the inbox list and detail carries what an
 * officer needs to pick work — the case's protocollo, the applicant, the
 * process name and the step name — looked up for the whole page at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';
import { application, minimalRei, MARIO } from '../applications/fixtures.js';

let app: TestApp;
let op: Client;

test.before(async () => {
  app = await startTestApp();
  const admin = await app.admin();
  const tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei', 'g1'] });
  // The stand-in REI model with a user task first (its first step may be a receive task).
  const rei = minimalRei
    .replace('name="rei"', 'name="Reddito di inclusione"')
    .replace(/<bpmn:receiveTask id="istruttoria"[^>]*\/>/, '<bpmn:userTask id="istruttoria" name="Istruttoria" camunda:candidateGroups="operatori-rei" />');
  assert.is((await deploy(admin, { 'rei.bpmn': rei, 'generic.bpmn': twoTasks('ctx_generic') }, tenant)).status, 201);
  assert.is((await op.post('/api/v1/applications', application('2026/0101'))).status, 201);
  assert.is((await op.post('/api/v1/process-definitions/ctx_generic/start', { businessKey: 'G-1' })).status, 201);
});
test.after(async () => app.close());

test('inbox list: protocollo, richiedente, processName and stepName on every task', async () => {
  const r = await op.get('/api/v1/tasks?sort=created');
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.items.length, 2);
  const rei = r.body.items.filter((t: { processKey: string }) => t.processKey === 'rei');
  assert.equal(rei.map((t: { protocollo: string }) => t.protocollo), ['2026/0101']);
  for (const t of rei) {
    assert.equal(t.richiedente, { nome: 'Mario', cognome: 'Rossi', codiceFiscale: MARIO });
    assert.is(t.processName, 'Reddito di inclusione');
    assert.is(t.stepName, 'Istruttoria');
  }
  const generic = r.body.items.find((t: { processKey: string }) => t.processKey === 'ctx_generic');
  assert.is(generic.protocollo, null, 'a case without an application has no protocollo');
  assert.is(generic.richiedente, null);
  assert.is(generic.processName, 'ctx_generic');
  assert.is(generic.stepName, 'Task A');
});

test('task detail and actions carry the same context', async () => {
  const list = await op.get('/api/v1/tasks?processKey=rei&limit=1');
  const id = list.body.items[0].id;
  const detail = await op.get(`/api/v1/tasks/${id}`);
  assert.is(detail.status, 200);
  assert.is(detail.body.protocollo, list.body.items[0].protocollo);
  assert.is(detail.body.richiedente.cognome, 'Rossi');
  assert.is(detail.body.stepName, 'Istruttoria');
  const claimed = await op.post(`/api/v1/tasks/${id}/claim`);
  assert.is(claimed.status, 200);
  assert.is(claimed.body.processName, 'Reddito di inclusione');
});

test.run();
