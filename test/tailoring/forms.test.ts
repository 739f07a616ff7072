import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { formIdFromKey } from '../../src/tailoring/forms/schema.js';
import { patternMessage } from '../../src/tailoring/forms/pattern-message.js';
import { checkField } from '../../src/tailoring/forms/validate.js';

const GROUP = 'formstest-g';

/** start → "compila" (with the given formKey) → "dopo" → end */
function withForm(key: string, formKey: string | null): string {
  return bpmn(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compila" />
    <bpmn:userTask id="compila" name="Compila il modulo" camunda:candidateGroups="${GROUP}"${formKey ? ` camunda:formKey="${formKey}"` : ''} />
    <bpmn:sequenceFlow id="f2" sourceRef="compila" targetRef="dopo" />
    <bpmn:userTask id="dopo" name="Dopo" camunda:candidateGroups="${GROUP}" />
    <bpmn:sequenceFlow id="f3" sourceRef="dopo" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

const RULES_FORM = {
  id: 'formstest-regole',
  type: 'default',
  schemaVersion: 16,
  components: [
    { type: 'text', text: '## Prova' },
    { type: 'textfield', key: 'nome', label: 'Nome', validate: { required: true, minLength: 2, maxLength: 20, pattern: '^[A-Za-z ]+$' } },
    { type: 'number', key: 'isee', label: 'ISEE', validate: { min: 0, max: 100000 } },
    { type: 'number', key: 'figli', label: 'Figli', decimalDigits: 0 },
    { type: 'number', key: 'quota', label: 'Quota', increment: 0.25 },
    { type: 'select', key: 'esito', label: 'Esito', values: [{ label: 'Ammissibile', value: 'ammissibile' }, { label: 'Non ammissibile', value: 'non_ammissibile' }], validate: { required: true } },
    { type: 'radio', key: 'canale', label: 'Canale', values: [{ label: 'Sportello', value: 'sportello' }, { label: 'Online', value: 'online' }] },
    { type: 'checkbox', key: 'privacy', label: 'Consenso privacy', validate: { required: true } },
    { type: 'checkbox', key: 'urgente', label: 'Urgente' },
    { type: 'checklist', key: 'documenti', label: 'Documenti', values: [{ label: 'ISEE', value: 'isee' }, { label: 'Documento', value: 'identita' }, { label: 'Residenza', value: 'residenza' }], validate: { required: true } },
    { type: 'taglist', key: 'servizi', label: 'Servizi', values: [{ label: 'SAD', value: 'sad' }, { label: 'Educativa', value: 'educativa' }] },
    { type: 'textarea', key: 'note', label: 'Note', validate: { maxLength: 30 } },
    { type: 'datetime', subtype: 'date', key: 'dataNascita', dateLabel: 'Data di nascita', validate: { required: true } },
    { type: 'datetime', subtype: 'datetime', key: 'appuntamento', dateLabel: 'Appuntamento' },
    { type: 'datetime', subtype: 'time', key: 'ora', timeLabel: 'Ora' },
    { type: 'textfield', key: 'email', label: 'Email', validate: { validationType: 'email' } },
    { type: 'textfield', key: 'calcolato', label: 'Calcolato', readonly: true, validate: { required: true } },
    { type: 'textfield', key: 'facoltativo', label: 'Nascosto', conditional: { hide: '=esito = "ammissibile"' }, validate: { required: true, minLength: 3 } },
    { type: 'group', label: 'Contatti', components: [{ type: 'textfield', key: 'telefono', label: 'Telefono', validate: { required: true } }] },
    {
      type: 'group',
      label: 'Richiedente',
      path: 'richiedente',
      components: [
        { type: 'textfield', key: 'codiceFiscale', label: 'Codice fiscale', validate: { required: true, pattern: '^[A-Z0-9]{16}$' } },
        { type: 'group', label: 'Indirizzo', path: 'indirizzo', components: [{ type: 'textfield', key: 'cap', label: 'CAP', validate: { required: true, pattern: '^\\d{5}$' } }] },
      ],
    },
    {
      type: 'dynamiclist',
      label: 'Componenti del nucleo',
      path: 'componenti',
      isRepeating: true,
      components: [
        { type: 'textfield', key: 'codiceFiscale', label: 'Codice fiscale', validate: { required: true, pattern: '^[A-Z0-9]{16}$' } },
        { type: 'number', key: 'eta', label: 'Età', validate: { min: 0, max: 120 } },
      ],
    },
  ],
};

const CF = 'RSSMRA80A01F205X';
const VALID = {
  nome: 'Mario Rossi',
  isee: 4500,
  figli: 2,
  quota: 0.75,
  esito: 'ammissibile',
  canale: 'online',
  privacy: true,
  urgente: false,
  documenti: ['isee', 'identita'],
  servizi: ['sad'],
  note: 'tutto in ordine',
  dataNascita: '1980-01-01',
  appuntamento: '2026-03-10T09:30:00+01:00',
  ora: '09:30',
  email: 'mario.rossi@example.it',
  telefono: '+390212345678',
  richiedente: { codiceFiscale: CF, indirizzo: { cap: '20121' } },
  componenti: [{ codiceFiscale: CF, eta: 45 }, { codiceFiscale: 'VRDLCU85B41F205Y', eta: 40 }],
};

let app: TestApp;
let admin: Client;
let tenant: string;
let op: Client;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'], groups: [GROUP] });
  const r = await deploy(admin, { 'formsTestRules.bpmn': withForm('formsTestRules', 'formstest-regole'), 'formstest-regole.form': JSON.stringify(RULES_FORM, null, 2) });
  assert.is(r.status, 201, JSON.stringify(r.body));
});
test.after(async () => app.close());

async function startTask(user: Client, key: string, variables: Record<string, unknown> = {}): Promise<{ instanceId: string; taskId: string }> {
  const started = await user.post(`/api/v1/process-definitions/${key}/start`, { variables });
  assert.is(started.status, 201, JSON.stringify(started.body));
  const tasks = await user.get(`/api/v1/tasks?processInstanceId=${started.body.id}`);
  assert.is(tasks.body.total, 1, JSON.stringify(tasks.body));
  return { instanceId: started.body.id, taskId: tasks.body.items[0].id };
}

async function snapshot(user: Client, instanceId: string, taskId: string) {
  const [task, instance, history] = await Promise.all([user.get(`/api/v1/tasks/${taskId}`), user.get(`/api/v1/process-instances/${instanceId}`), user.get(`/api/v1/process-instances/${instanceId}/history`)]);
  return { taskStatus: task.body.status, completedBy: task.body.completedBy, variables: instance.body.variables, version: instance.body.version, activeElements: instance.body.activeElements, history: history.body.items.length };
}

function fieldsOf(body: any): Record<string, string> {
  return Object.fromEntries(body.error.details.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
}

test('formKey → form id: deployment:, app: and plain ids; other schemes are not form-js forms', () => {
  assert.is(formIdFromKey('camunda-forms:deployment:richiesta'), 'richiesta');
  assert.is(formIdFromKey('camunda-forms:deployment:richiesta.form'), 'richiesta');
  assert.is(formIdFromKey('camunda-forms:app:forms/richiesta.form'), 'richiesta');
  assert.is(formIdFromKey('istruttoria-domanda'), 'istruttoria-domanda');
  assert.is(formIdFromKey('forms/istruttoria-domanda.form'), 'istruttoria-domanda');
  assert.is(formIdFromKey('embedded:app:forms/richiesta.html'), null);
  assert.is(formIdFromKey(''), null);
  assert.is(formIdFromKey(null), null);
});

test('every rule is checked on the server: 422 FORM_VALIDATION_FAILED, Italian messages, nothing written', async () => {
  const { instanceId, taskId } = await startTask(op, 'formsTestRules', { preesistente: 1 });
  const before = await snapshot(op, instanceId, taskId);
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ nome: undefined }, 'nome', 'campo obbligatorio'],
    [{ nome: '   ' }, 'nome', 'campo obbligatorio'],
    [{ nome: 42 }, 'nome', 'testo atteso'],
    [{ nome: 'M' }, 'nome', 'lunghezza minima 2 caratteri'],
    [{ nome: 'Maria Antonietta Giuseppina' }, 'nome', 'lunghezza massima 20 caratteri'],
    [{ nome: 'Mario99' }, 'nome', 'formato atteso: <una o più lettere o spazi>'],
    [{ isee: '4500' }, 'isee', 'numero atteso'],
    [{ isee: -1 }, 'isee', 'valore minimo 0'],
    [{ isee: 100001 }, 'isee', 'valore massimo 100000'],
    [{ figli: 1.5 }, 'figli', 'numero intero atteso'],
    [{ quota: 0.3 }, 'quota', 'valore non ammesso: usare multipli di 0.25 (i più vicini sono 0.25 e 0.5)'],
    [{ esito: undefined }, 'esito', 'campo obbligatorio'],
    [{ esito: 'forse' }, 'esito', 'valore non ammesso (ammessi: ammissibile, non_ammissibile)'],
    [{ canale: 'posta' }, 'canale', 'valore non ammesso (ammessi: sportello, online)'],
    [{ privacy: false }, 'privacy', 'campo obbligatorio'],
    [{ urgente: 'sì' }, 'urgente', 'valore vero/falso atteso'],
    [{ documenti: [] }, 'documenti', 'campo obbligatorio'],
    [{ documenti: 'isee' }, 'documenti', 'elenco di valori atteso'],
    [{ documenti: ['isee', 'patente'] }, 'documenti', 'valori non ammessi: "patente" (ammessi: isee, identita, residenza)'],
    [{ servizi: ['sad', 'mensa'] }, 'servizi', 'valori non ammessi: "mensa" (ammessi: sad, educativa)'],
    [{ note: 'x'.repeat(31) }, 'note', 'lunghezza massima 30 caratteri'],
    [{ dataNascita: '01/01/1980' }, 'dataNascita', 'data non valida: formato atteso AAAA-MM-GG'],
    [{ dataNascita: '2026-02-30' }, 'dataNascita', 'data non valida: formato atteso AAAA-MM-GG'],
    [{ dataNascita: 19800101 }, 'dataNascita', 'data attesa (AAAA-MM-GG)'],
    [{ appuntamento: '2026-03-10' }, 'appuntamento', 'data e ora non valide: formato atteso ISO 8601 (es. 2026-03-02T09:30)'],
    [{ ora: '25:00' }, 'ora', 'ora non valida: formato atteso HH:MM'],
    [{ email: 'mario.rossi' }, 'email', 'indirizzo email non valido'],
    [{ esito: 'non_ammissibile', facoltativo: 'ab' }, 'facoltativo', 'lunghezza minima 3 caratteri'],
    [{ telefono: undefined }, 'telefono', 'campo obbligatorio'],
  ];
  for (const [patch, field, message] of cases) {
    const variables: Record<string, unknown> = { ...VALID, ...patch };
    for (const k of Object.keys(patch)) if (patch[k] === undefined) delete variables[k];
    const r = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables });
    assert.is(r.status, 422, `${JSON.stringify(patch)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.is(r.body.error.code, 'FORM_VALIDATION_FAILED');
    assert.is(r.body.error.details.formId, 'formstest-regole');
    assert.equal(r.body.error.details.fields, [{ field, message }], JSON.stringify(patch));
  }
  // Several problems at once are all reported.
  const many = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { nome: 'M', isee: -5, privacy: false } });
  assert.is(many.status, 422);
  const fields = fieldsOf(many.body);
  assert.is(fields.nome, 'lunghezza minima 2 caratteri');
  assert.is(fields.isee, 'valore minimo 0');
  assert.is(fields.privacy, 'campo obbligatorio');
  assert.is(fields.esito, 'campo obbligatorio');
  assert.is(fields.dataNascita, 'campo obbligatorio');
  assert.is(fields['richiedente.codiceFiscale'], 'campo obbligatorio');
  assert.is(fields['richiedente.indirizzo.cap'], 'campo obbligatorio');
  assert.not.ok('calcolato' in fields, 'readonly fields are not validated');
  assert.not.ok('facoltativo' in fields, 'a field that may be hidden is not required');
  assert.not.ok('componenti' in fields, 'an absent dynamic list has no items to check');

  assert.equal(await snapshot(op, instanceId, taskId), before, 'a refused submission writes nothing');
  assert.is(before.taskStatus, 'open');

  // Issue 11: a variable outside the form is refused (it used to be written, as in Camunda).
  const extra = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { ...VALID, nonNelModulo: { qualsiasi: 'cosa' } } });
  assert.is(extra.status, 422, JSON.stringify(extra.body));
  assert.equal([extra.body.error.code, extra.body.error.details.refused], ['VARIABLES_NOT_ALLOWED', ['nonNelModulo']]);
  assert.equal(await snapshot(op, instanceId, taskId), before, 'a refused submission writes nothing');

  const ok = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: VALID });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  const after = await snapshot(op, instanceId, taskId);
  assert.is(after.taskStatus, 'completed');
  assert.equal(after.activeElements, ['dopo']);
  assert.equal(after.variables.componenti, VALID.componenti);
  assert.is(after.variables.nonNelModulo, undefined);
  assert.ok(after.history > before.history);
});

test('nested groups and dynamic lists report the path of each wrong field', async () => {
  const { instanceId, taskId } = await startTask(op, 'formsTestRules');
  const before = await snapshot(op, instanceId, taskId);
  const r = await op.post(`/api/v1/tasks/${taskId}/complete`, {
    variables: {
      ...VALID,
      richiedente: { codiceFiscale: 'rssmra', indirizzo: { cap: '201' } },
      componenti: [{ codiceFiscale: CF, eta: -2 }, { eta: 30 }, { codiceFiscale: 'ABC', eta: 'trenta' }, 'nonunoggetto'],
    },
  });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.details.fields, [
    { field: 'richiedente.codiceFiscale', message: 'formato atteso: <16 lettere maiuscole o cifre>' },
    { field: 'richiedente.indirizzo.cap', message: 'formato atteso: NNNNN (N = cifra)' },
    { field: 'componenti[0].eta', message: 'valore minimo 0' },
    { field: 'componenti[1].codiceFiscale', message: 'campo obbligatorio' },
    { field: 'componenti[2].codiceFiscale', message: 'formato atteso: <16 lettere maiuscole o cifre>' },
    { field: 'componenti[2].eta', message: 'numero atteso' },
    { field: 'componenti[3]', message: 'oggetto atteso' },
  ]);
  const shapes = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { ...VALID, richiedente: 'RSSMRA', componenti: { codiceFiscale: CF } } });
  assert.is(shapes.status, 422);
  assert.equal(fieldsOf(shapes.body), { richiedente: 'oggetto atteso', componenti: 'elenco atteso' });
  assert.equal(await snapshot(op, instanceId, taskId), before);
});

test('a non-candidate gets 403 before any form check; a closed task 409', async () => {
  const { taskId } = await startTask(op, 'formsTestRules');
  const outsider = await app.user({ tenant, roles: ['operatore'], groups: ['altro-gruppo'] });
  const r = await outsider.post(`/api/v1/tasks/${taskId}/complete`, { variables: { nome: 1 } });
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'NOT_A_CANDIDATE');
  assert.is((await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: VALID })).status, 200);
  const again = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { nome: 1 } });
  assert.is(again.status, 409);
  assert.is(again.body.error.code, 'TASK_NOT_OPEN');
});

test('GET /tasks/{id}/form: schema and the current values of the form fields only', async () => {
  const { taskId } = await startTask(op, 'formsTestRules', {
    nome: 'Mario',
    isee: 3000,
    privacy: true,
    richiedente: { codiceFiscale: CF, altro: 'x', indirizzo: { cap: '20121', via: 'Roma' } },
    componenti: [{ codiceFiscale: CF, eta: 45, extra: true }],
    telefono: '+390212345678',
    estranea: 'non nel modulo',
  });
  const r = await op.get(`/api/v1/tasks/${taskId}/form`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.formKey, 'formstest-regole');
  assert.is(r.body.formId, 'formstest-regole');
  assert.is(r.body.source, 'deployment');
  assert.is(r.body.tenant, null);
  assert.equal(r.body.schema.components.map((c: { type: string }) => c.type).slice(0, 3), ['text', 'textfield', 'number']);
  assert.equal(r.body.data, {
    nome: 'Mario',
    isee: 3000,
    privacy: true,
    telefono: '+390212345678',
    richiedente: { codiceFiscale: CF, indirizzo: { cap: '20121' } },
    componenti: [{ codiceFiscale: CF, eta: 45 }],
  });
  const other = await app.user({ tenant: await app.tenant(), roles: ['operatore'], groups: [GROUP] });
  const hidden = await other.get(`/api/v1/tasks/${taskId}/form`);
  assert.is(hidden.status, 404);
  assert.is(hidden.body.error.code, 'TASK_NOT_FOUND');
});

test('GET form: 404 FORM_NOT_FOUND without a formKey or when the form does not exist (completion is not blocked)', async () => {
  const r = await deploy(admin, { 'formsTestNoForm.bpmn': withForm('formsTestNoForm', null), 'formsTestMissing.bpmn': withForm('formsTestMissing', '${nomeModulo}') });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const none = await startTask(op, 'formsTestNoForm');
  const a = await op.get(`/api/v1/tasks/${none.taskId}/form`);
  assert.is(a.status, 404);
  assert.is(a.body.error.code, 'FORM_NOT_FOUND');
  const missing = await startTask(op, 'formsTestMissing', { nomeModulo: 'formstest-inesistente' });
  const b = await op.get(`/api/v1/tasks/${missing.taskId}/form`);
  assert.is(b.status, 404);
  assert.is(b.body.error.code, 'FORM_NOT_FOUND');
  assert.ok(b.body.error.message.includes('formstest-inesistente'), b.body.error.message);
  assert.is((await op.post(`/api/v1/tasks/${missing.taskId}/complete`, { variables: { qualsiasi: 1 } })).status, 200);
});

test('a comune file override (forms/F205/…) wins over the shared file, for that comune only', async () => {
  const created = await admin.post('/api/v1/tenants', { code: 'F205', name: 'Comune di Milano' });
  assert.ok(created.status === 201 || created.status === 409, JSON.stringify(created.body));
  const r = await deploy(admin, { 'formsTestOverride.bpmn': withForm('formsTestOverride', 'istruttoria-domanda') });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const milano = await app.user({ tenant: 'F205', roles: ['operatore'], groups: [GROUP] });
  const inMilano = await startTask(milano, 'formsTestOverride');
  const elsewhere = await startTask(op, 'formsTestOverride');

  const mf = await milano.get(`/api/v1/tasks/${inMilano.taskId}/form`);
  assert.is(mf.status, 200, JSON.stringify(mf.body));
  assert.equal([mf.body.source, mf.body.tenant, mf.body.formId], ['file', 'F205', 'istruttoria-domanda']);
  assert.ok(mf.body.schema.components.some((c: { path?: string }) => c.path === 'caf'));
  const of = await op.get(`/api/v1/tasks/${elsewhere.taskId}/form`);
  assert.equal([of.body.source, of.body.tenant, of.body.formId], ['file', null, 'istruttoria-domanda']);
  assert.not.ok(of.body.schema.components.some((c: { path?: string }) => c.path === 'caf'));
  const esito = of.body.schema.components.find((c: { key?: string }) => c.key === 'esitoIstruttoria');
  assert.equal(esito.values.map((v: { value: string }) => v.value), ['ammissibile', 'non_ammissibile']);
  assert.ok(esito.description.length > 10, 'help text for the operator');

  const before = await snapshot(milano, inMilano.instanceId, inMilano.taskId);
  const refused = await milano.post(`/api/v1/tasks/${inMilano.taskId}/complete`, { variables: { esitoIstruttoria: 'ammissibile', caf: { denominazione: 'CAF Lombardia', protocollo: '123' } } });
  assert.is(refused.status, 422);
  assert.equal(refused.body.error.details.fields, [{ field: 'caf.protocollo', message: 'formato atteso: CAF-AAAA-NNNNNN (anno e numero di sei cifre, es. CAF-2026-000123)' }]);
  assert.equal(await snapshot(milano, inMilano.instanceId, inMilano.taskId), before);
  const ok = await milano.post(`/api/v1/tasks/${inMilano.taskId}/complete`, { variables: { esitoIstruttoria: 'ammissibile', caf: { denominazione: 'CAF Lombardia', protocollo: 'CAF-2026-000123' } } });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  // The shared form has no CAF fields: the same submission without them is fine elsewhere.
  const sharedBad = await op.post(`/api/v1/tasks/${elsewhere.taskId}/complete`, { variables: { esitoIstruttoria: 'respinta' } });
  assert.is(sharedBad.status, 422);
  assert.equal(sharedBad.body.error.details.fields, [{ field: 'esitoIstruttoria', message: 'valore non ammesso (ammessi: ammissibile, non_ammissibile)' }]);
  assert.is((await op.post(`/api/v1/tasks/${elsewhere.taskId}/complete`, { variables: { esitoIstruttoria: 'non_ammissibile', motivi: 'ISEE oltre soglia' } })).status, 200);
});

const DEPLOYED_FORM = (label: string) =>
  JSON.stringify({
    id: 'Form_0x1abc',
    type: 'default',
    schemaVersion: 16,
    exporter: { name: 'Camunda Modeler', version: '5.31.0' },
    components: [{ type: 'textfield', key: 'protocollo', label, validate: { required: true, pattern: '^P-\\d+$' } }],
  });

test('a .form deployed with the BPMN (camunda-forms:deployment:<id>) is used by its task; unknown files only warn', async () => {
  const files = {
    'formsTestDeployed.bpmn': withForm('formsTestDeployed', 'camunda-forms:deployment:formstest-deployed'),
    'formstest-deployed.form': DEPLOYED_FORM('Protocollo'),
    'LEGGIMI.txt': 'note per chi modifica il modello',
  };
  const r = await deploy(admin, files);
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.forms.length, 1);
  assert.equal([r.body.forms[0].formId, r.body.forms[0].version, r.body.forms[0].tenant, r.body.forms[0].created], ['formstest-deployed', 1, null, true]);
  assert.is(r.body.forms[0].deploymentId, r.body.deploymentId);
  assert.ok(r.body.warnings.some((w: { file: string; rule: string }) => w.file === 'LEGGIMI.txt' && w.rule === 'file-type'), JSON.stringify(r.body.warnings));

  const { instanceId, taskId } = await startTask(op, 'formsTestDeployed');
  const form = await op.get(`/api/v1/tasks/${taskId}/form`);
  assert.is(form.status, 200, JSON.stringify(form.body));
  assert.equal([form.body.formKey, form.body.formId, form.body.source, form.body.tenant], ['camunda-forms:deployment:formstest-deployed', 'formstest-deployed', 'deployment', null]);
  assert.is(form.body.schema.components[0].label, 'Protocollo');
  const before = await snapshot(op, instanceId, taskId);
  const bad = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { protocollo: 'X-1' } });
  assert.is(bad.status, 422);
  assert.equal(bad.body.error.details.fields, [{ field: 'protocollo', message: 'formato atteso: P-<una o più cifre>' }]);
  assert.equal(await snapshot(op, instanceId, taskId), before);

  // Redeploying the same files stores nothing new.
  const same = await deploy(admin, files);
  assert.is(same.status, 201, JSON.stringify(same.body));
  assert.is(same.body.deploymentId, null);
  assert.equal([same.body.forms[0].version, same.body.forms[0].created], [1, false]);
  assert.equal([same.body.definitions[0].version, same.body.definitions[0].created], [1, false]);

  // A changed form alone is a new version (the unchanged model is not duplicated); open tasks see the latest.
  const changed = await deploy(admin, { ...files, 'formstest-deployed.form': DEPLOYED_FORM('Numero di protocollo') });
  assert.is(changed.status, 201, JSON.stringify(changed.body));
  assert.ok(changed.body.deploymentId);
  assert.equal([changed.body.forms[0].version, changed.body.forms[0].created], [2, true]);
  assert.equal([changed.body.definitions[0].version, changed.body.definitions[0].created], [1, false]);
  const latest = await op.get(`/api/v1/tasks/${taskId}/form`);
  assert.is(latest.body.schema.components[0].label, 'Numero di protocollo');
  assert.is((await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { protocollo: 'P-42' } })).status, 200);
});

test('resolution order: the comune\'s deployed form, then the shared deployed form', async () => {
  const form = (label: string) => JSON.stringify({ type: 'default', components: [{ type: 'textfield', key: 'valore', label }] });
  const shared = await deploy(admin, { 'formsTestOrder.bpmn': withForm('formsTestOrder', 'formstest-ordine'), 'formstest-ordine.form': form('Condiviso') });
  assert.is(shared.status, 201, JSON.stringify(shared.body));
  const other = await app.tenant();
  const otherOp = await app.user({ tenant: other, roles: ['operatore'], groups: [GROUP] });
  const mine = await startTask(op, 'formsTestOrder');
  const theirs = await startTask(otherOp, 'formsTestOrder');
  const label = async (c: Client, taskId: string) => {
    const r = await c.get(`/api/v1/tasks/${taskId}/form`);
    assert.is(r.status, 200, JSON.stringify(r.body));
    return [r.body.schema.components[0].label, r.body.source, r.body.tenant];
  };
  assert.equal(await label(op, mine.taskId), ['Condiviso', 'deployment', null]);
  // A forms-only deployment for one comune.
  const own = await deploy(admin, { 'formstest-ordine.form': form('Del comune') }, tenant);
  assert.is(own.status, 201, JSON.stringify(own.body));
  assert.equal([own.body.forms[0].tenant, own.body.forms[0].version, own.body.definitions.length], [tenant, 1, 0]);
  assert.equal(await label(op, mine.taskId), ['Del comune', 'deployment', tenant]);
  assert.equal(await label(otherOp, theirs.taskId), ['Condiviso', 'deployment', null]);
});

test('an invalid .form refuses the whole deployment', async () => {
  const r = await deploy(admin, {
    'formsTestBroken.bpmn': withForm('formsTestBroken', 'formstest-rotto'),
    'formstest-rotto.form': '{"components": [ {"type": "textfield"} ',
    'formstest-regex.form': JSON.stringify({ components: [{ type: 'textfield', key: 'x', validate: { pattern: '([a-z' } }, { type: 'number', key: 'x' }, { type: 'dynamiclist', components: [] }] }),
  });
  assert.is(r.status, 422);
  assert.is(r.body.error.code, 'DEPLOYMENT_INVALID');
  const problems = r.body.error.details.errors.filter((e: { rule: string }) => e.rule === 'form-invalid');
  assert.ok(problems.some((e: { file: string; message: string }) => e.file === 'formstest-rotto.form' && e.message.includes('JSON non valido')), JSON.stringify(problems));
  const regex = problems.filter((e: { file: string }) => e.file === 'formstest-regex.form').map((e: { message: string }) => e.message);
  assert.ok(regex.some((m: string) => m.includes('validate.pattern non valido')), JSON.stringify(regex));
  assert.ok(regex.some((m: string) => m.includes('"x" usata da più campi')), JSON.stringify(regex));
  assert.ok(regex.some((m: string) => m.includes('manca "path"')), JSON.stringify(regex));
  const defs = await admin.get('/api/v1/process-definitions?key=formsTestBroken');
  assert.is(defs.body.total, 0);
});

test('deploy context: form ids visible to the comune and its groups (users + params.gruppi); none for the shared default', async () => {
  await admin.post('/api/v1/tenants', { code: 'F205', name: 'Comune di Milano' });
  await app.user({ tenant: 'F205', roles: ['operatore'], groups: ['formstest-milano'] });
  const milano = await app.services.deployments.deployContext('F205', ['formstest-nuovo']);
  assert.is(milano.tenant, 'F205');
  for (const id of ['istruttoria-domanda', 'analisi-preliminare', 'progetto-personalizzato', 'formstest-regole', 'formstest-nuovo']) assert.ok(milano.formIds?.has(id), id);
  assert.not.ok(milano.formIds?.has('formstest-ordine-inesistente'));
  for (const g of ['formstest-milano', 'caf-convenzionati', 'assistenti-sociali', 'equipe', 'responsabili']) assert.ok(milano.groups?.has(g), g);
  const rei = milano.params?.rei as { intervalloMonitoraggioMesi: number; gruppi: Record<string, string> };
  assert.is(rei.intervalloMonitoraggioMesi, 2);
  assert.is(rei.gruppi.operatori, 'caf-convenzionati', 'Milano overrides gruppi.operatori');

  const shared = await app.services.deployments.deployContext(null);
  assert.is(shared.groups, undefined);
  assert.ok(shared.formIds?.has('istruttoria-domanda'));
  assert.ok(shared.formIds?.has('formstest-deployed'));
  const own = await app.services.deployments.deployContext(tenant);
  assert.ok(own.formIds?.has('formstest-ordine'));
  assert.ok(own.groups?.has(GROUP));
  assert.ok(own.groups?.has('operatori-rei'));
});

test.run();

test('issue 10 #6: a pattern error says in Italian what is expected — the form\'s patternErrorMessage, else a template of the RegExp, never the RegExp', () => {
  assert.is(patternMessage('^CAF-\\d{4}-\\d{6}$'), 'formato atteso: CAF-NNNN-NNNNNN (N = cifra)');
  assert.is(patternMessage('^CAF-\\d{4}-\\d{6}$', 'formato atteso: CAF-AAAA-NNNNNN'), 'formato atteso: CAF-AAAA-NNNNNN');
  assert.is(patternMessage('^[A-Z]{2}\\d{3,5}$'), 'formato atteso: LL<da 3 a 5 cifre> (L = lettera maiuscola)');
  assert.is(patternMessage('^\\d{2}\\/\\d{2}\\/\\d{4}$'), 'formato atteso: NN/NN/NNNN (N = cifra)');
  assert.is(patternMessage('^(SI|NO)$'), 'formato non valido');
  assert.is(patternMessage('^a.b$'), 'formato non valido');
  const field = { type: 'textfield', key: 'p', validate: { pattern: '^CAF-\\d{4}-\\d{6}$' } };
  assert.equal(checkField(field, 'CAF-2026--00002'), ['formato atteso: CAF-NNNN-NNNNNN (N = cifra)']);
  assert.equal(checkField(field, 'CAF-2026-000002'), []);
});
