/**
 * POST /deployments/validate: the deploy-time checks without deploying (the
 * browser modeler's *Verifica*). Errors and warnings come back with their
 * element, for the comune's own context (its groups); nothing is stored; the
 * same role rules as POST /deployments; bad input is a 4xx, never a 500.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type Client, type TestApp } from '../helpers/harness.js';
import { flow, userTask } from '../helpers/models.js';

let app: TestApp;
let analyst: Client;
let operatore: Client;
let tenant: string;
test.before(async () => {
  app = await startTestApp();
  tenant = await app.tenant();
  await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  analyst = await app.user({ tenant, roles: ['analista'] });
  operatore = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
});
test.after(async () => app.close());

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;
const files = (xml: string) => ({ name: 'verifica', files: [{ name: 'val.bpmn', content: xml }] });

test('a valid model: valid, no errors, its warnings, nothing deployed', async () => {
  const r = await analyst.post('/api/v1/deployments/validate', files(flow('val', [userTask('t1', 'Istruttoria', { group: 'g1', due: 'P3D' })])));
  assert.is(r.status, 200, show(r));
  assert.is(r.body.valid, true);
  assert.equal(r.body.errors, []);
  assert.ok(Array.isArray(r.body.warnings));
  const defs = await analyst.get('/api/v1/process-definitions?key=val');
  assert.is(defs.body.total, 0, 'nothing stored');
});

test('an invalid due-date expression and an unknown group of the comune: errors on their elements, 200', async () => {
  const xml = flow('val', [userTask('t1', 'Istruttoria', { group: 'g1', due: '${dateTime().plusDays(}' }), userTask('t2', 'Colloquio', { group: 'gruppo-inesistente', due: 'P3D' })]);
  const r = await analyst.post('/api/v1/deployments/validate', files(xml));
  assert.is(r.status, 200, show(r));
  assert.is(r.body.valid, false);
  const byRule = Object.fromEntries(r.body.errors.map((e: { rule: string; elementId: string }) => [e.rule, e.elementId]));
  assert.is(byRule['expression-syntax'], 't1', show(r));
  assert.is(byRule['candidate-group-unknown'], 't2', show(r));
  // The same model is refused by the real deployment with the same errors.
  const d = await analyst.post('/api/v1/deployments', files(xml));
  assert.is(d.status, 422);
  assert.equal(d.body.error.details.errors.map((e: { rule: string }) => e.rule).sort(), r.body.errors.map((e: { rule: string }) => e.rule).sort());
});

test('not for an operatore (403); empty or malformed input is a 4xx', async () => {
  const r = await operatore.post('/api/v1/deployments/validate', files(flow('val', [userTask('t1')])));
  assert.is(r.status, 403, show(r));
  assert.is((await analyst.post('/api/v1/deployments/validate', { name: 'x', files: [] })).status, 422);
  const bad = await analyst.post('/api/v1/deployments/validate', files('<not-xml'));
  assert.ok(bad.status === 200 || (bad.status >= 400 && bad.status < 500), show(bad));
  if (bad.status === 200) assert.is(bad.body.valid, false);
  const other = await analyst.post('/api/v1/deployments/validate', { ...files(flow('val', [userTask('t1')])), tenant: 'Z999' });
  assert.ok(other.status === 403 || other.status === 404, show(other));
});

test.run();
