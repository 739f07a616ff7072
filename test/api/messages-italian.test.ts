/**
 * Issue 10 item 14: messages in Italian and precise. Schema errors (zod and
 * ajv) name the offending key and speak Italian; the same enum values across
 * list endpoints (status=all); gender-correct "non trovata"; the shipped REI
 * model deploys with no warning.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';

let app: TestApp;
let admin: Client;
let tenant: string;
const ENGLISH = /must|should|required|expected|invalid|unrecognized|received/i;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant();
});
test.after(async () => app.close());

type Field = { field: string; message: string };

test('ajv (parameters): an unknown key is named itself, messages in Italian, no "(radice)"', async () => {
  const analyst = await app.user({ tenant, roles: ['analista'] });
  const r = await analyst.put(`/api/v1/tenants/${tenant}/parameters/rei`, { values: { sogliaInventata: 1, iseeMax: -5, giorniIstruttoria: 'quindici' } });
  assert.is(r.status, 422);
  const fields = r.body.error.details.fields as Field[];
  const unknown = fields.find((f) => f.field === 'sogliaInventata');
  assert.ok(unknown, JSON.stringify(fields));
  assert.is(unknown!.message, 'chiave non ammessa');
  assert.is(fields.find((f) => f.field === 'giorniIstruttoria')!.message, 'atteso un numero intero');
  for (const f of fields) {
    assert.not.match(f.message, ENGLISH, f.message);
    assert.not.ok(f.field.includes('radice'));
  }
});

test('zod (requests): an unknown key is named itself, messages in Italian', async () => {
  const r = await admin.post('/api/v1/tenants', { code: 'x1', nome: 'Comune' });
  assert.is(r.status, 422);
  const fields = r.body.error.details.fields as Field[];
  assert.equal(fields.map((f) => f.field).sort(), ['code', 'name', 'nome']);
  assert.is(fields.find((f) => f.field === 'nome')!.message, 'chiave non ammessa');
  assert.is(fields.find((f) => f.field === 'name')!.message, 'obbligatorio');
  for (const f of fields) assert.not.match(f.message, ENGLISH, f.message);
  const e = await admin.get('/api/v1/tasks?sort=nome');
  assert.is(e.status, 422);
  assert.match(e.body.error.details.fields[0].message, 'valori ammessi "due", "created", "priority"');
});

test('the same enum values across endpoints: status=all on tasks, process-instances and incidents', async () => {
  for (const path of ['/api/v1/tasks?status=all', '/api/v1/process-instances?status=all', '/api/v1/incidents?status=all']) {
    const r = await admin.get(path);
    assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
});

test('not found: the participle agrees with the noun', async () => {
  const id = randomUUID();
  const r = await admin.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 404);
  assert.is(r.body.error.message, `Istanza di processo ${id} non trovata`);
  const d = await admin.get(`/api/v1/process-definitions/${id}`);
  assert.is(d.status, 404);
  assert.match(d.body.error.message, /^Definizione di processo .* non trovata$/);
  const t = await admin.get(`/api/v1/tasks/${id}`);
  assert.match(t.body.error.message, /non trovato$/);
});

test('the shipped REI model and its variant deploy with no warning', async () => {
  const files = { 'rei.bpmn': readFileSync('processes/rei.bpmn', 'utf8'), 'rei-requisiti.dmn': readFileSync('processes/rei-requisiti.dmn', 'utf8') };
  const shared = await deploy(admin, files, null);
  assert.is(shared.status, 201, JSON.stringify(shared.body));
  assert.equal(shared.body.warnings, []);
  const variant = await deploy(admin, { 'rei.bpmn': readFileSync('processes/F205/rei.bpmn', 'utf8') }, tenant);
  assert.is(variant.status, 201, JSON.stringify(variant.body));
  assert.equal(variant.body.warnings, []);
});

test('bpmnlint advice in Italian', async () => {
  const r = await deploy(admin, { 'lint.bpmn': twoTasks('msg_it_lint') }, null);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const label = r.body.warnings.find((w: { rule: string }) => w.rule === 'bpmnlint/label-required');
  assert.ok(label, JSON.stringify(r.body.warnings));
  assert.is(label.message, 'Elemento senza nome (etichetta)');
  for (const w of r.body.warnings as Array<{ message: string }>) assert.not.match(w.message, /^(Element|Incoming|Flow|Gateway)\b/, w.message);
});

test.run();
