/**
 * Application intake through the HTTP API: an accepted application starts the
 * `rei` case with the protocollo as business key and records the persons and
 * household; invalid or inconsistent data is refused by field and writes
 * nothing. Uses a minimal `rei` model deployed per comune.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { application, minimalRei, cf, MARIO, LAURA, LUCA, ANNA } from './fixtures.js';

let app: TestApp;
let admin: Client;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

async function comune(): Promise<{ tenant: string; op: Client }> {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  const r = await deploy(admin, { 'rei.bpmn': minimalRei }, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return { tenant, op };
}

/** Nothing was written for this comune: no subject, no instance. */
async function nothingWritten(op: Client) {
  const subjects = await op.get('/api/v1/subjects');
  assert.is(subjects.body.total, 0, 'no subject');
  const instances = await op.get('/api/v1/process-instances');
  assert.is(instances.body.total, 0, 'no instance');
}

function fields(body: { error: { details: { errors: Array<{ field: string }> } } }): string[] {
  return body.error.details.errors.map((e) => e.field);
}

test('accepted: 201, case started with the protocollo as business key, derived inputs, subjects and household recorded', async () => {
  const { op } = await comune();
  const r = await op.post('/api/v1/applications', application('2026/0001'));
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.businessKey, '2026/0001');
  assert.is(r.body.rinnovo, false);
  assert.is(r.body.durataMesi, 18);

  const inst = await op.get(`/api/v1/process-instances/${r.body.instanceId}`);
  assert.is(inst.status, 200);
  assert.is(inst.body.businessKey, '2026/0001');
  assert.is(inst.body.status, 'active');
  const v = inst.body.variables;
  assert.is(v.protocollo, '2026/0001');
  assert.is(v.dataDomanda, '2026-03-02');
  assert.is(v.soggettoId, r.body.soggettoId);
  assert.is(v.richiedente.codiceFiscale, MARIO);
  assert.equal(v.nucleo.map((m: { codiceFiscale: string; relazione: string }) => [m.codiceFiscale, m.relazione]), [[MARIO, 'richiedente'], [LAURA, 'coniuge'], [LUCA, 'figlio']], 'applicant added first');
  assert.equal(
    { cittadinanza: v.cittadinanza, permessoLungoPeriodo: v.permessoLungoPeriodo, anniResidenza: v.anniResidenza, componentiNucleo: v.componentiNucleo, nucleoConMinore: v.nucleoConMinore, nucleoConDisabile: v.nucleoConDisabile, gravidanza: v.gravidanza, over55Disoccupato: v.over55Disoccupato },
    { cittadinanza: 'IT', permessoLungoPeriodo: false, anniResidenza: 46, componentiNucleo: 3, nucleoConMinore: true, nucleoConDisabile: false, gravidanza: false, over55Disoccupato: false },
  );
  assert.equal([v.isee, v.isre, v.patrimonioImmobiliare, v.patrimonioMobiliare, v.veicoliUltimi24Mesi, v.naspi, v.dsuProtocollo], [4500, 2000, 0, 3000, false, false, 'INPS-ISEE-2026-0000001']);
  assert.equal([v.rinnovo, v.durataMesi], [false, 18]);

  const found = await op.get(`/api/v1/subjects?cf=${MARIO.toLowerCase()}`);
  assert.is(found.status, 200);
  assert.is(found.body.total, 1);
  assert.is(found.body.items[0].id, r.body.soggettoId);

  const mario = await op.get(`/api/v1/subjects/${r.body.soggettoId}`);
  assert.is(mario.status, 200, JSON.stringify(mario.body));
  assert.equal([mario.body.codiceFiscale, mario.body.nome, mario.body.cognome, mario.body.dataNascita, mario.body.sesso, mario.body.cittadinanza, mario.body.residenteInItaliaDal], [MARIO, 'Mario', 'Rossi', '1980-01-01', 'M', 'IT', '1980-01-01']);
  assert.equal(mario.body.household.members.map((m: { codiceFiscale: string }) => m.codiceFiscale), [MARIO, LAURA, LUCA]);
  assert.is(mario.body.cases.length, 1);
  const c = mario.body.cases[0];
  assert.equal([c.protocollo, c.dataDomanda, c.instanceId, c.status, c.role, c.endedAt, c.durataMesi, c.rinnovo], ['2026/0001', '2026-03-02', r.body.instanceId, 'active', 'richiedente', null, 18, false]);
  assert.ok(c.startedAt);

  const byName = await op.get('/api/v1/subjects?q=ross');
  assert.equal(byName.body.items.map((s: { nome: string }) => s.nome), ['Luca', 'Mario'], 'surname search, case-insensitive, ordered');
  const luca = await op.get(`/api/v1/subjects/${byName.body.items[0].id}`);
  assert.is(luca.body.sesso, 'M', 'sex taken from the codice fiscale');
  assert.is(luca.body.cases[0].role, 'componente');
});

test('applicant listed in the nucleo is kept once, as richiedente; derived household flags', async () => {
  const { op } = await comune();
  const body = application('P-2', {
    dataDomanda: '2018-03-01',
    richiedente: { codiceFiscale: ANNA, nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', sesso: 'F', cittadinanza: 'extraUE', permessoLungoPeriodo: true, residenteInItaliaDal: '2015-03-02' },
    nucleo: [
      { codiceFiscale: ANNA.toLowerCase(), nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', relazione: 'richiedente', disoccupato: true, disabile: true },
      { codiceFiscale: LAURA, nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-05-10', relazione: 'figlio', gravidanza: true },
    ],
  });
  const r = await op.post('/api/v1/applications', body);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const v = (await op.get(`/api/v1/process-instances/${r.body.instanceId}`)).body.variables;
  assert.is(v.nucleo.length, 2);
  assert.is(v.nucleo[0].codiceFiscale, ANNA);
  assert.equal(
    [v.cittadinanza, v.permessoLungoPeriodo, v.anniResidenza, v.componentiNucleo, v.nucleoConMinore, v.nucleoConDisabile, v.gravidanza, v.over55Disoccupato],
    ['extraUE', true, 2, 2, false, true, true, true],
  );
});

test('invalid codice fiscale and inconsistent household: 422 with every field error, nothing written', async () => {
  const { op } = await comune();
  const badCheck = MARIO.slice(0, 15) + (MARIO[15] === 'A' ? 'B' : 'A');
  const r = await op.post(
    '/api/v1/applications',
    application('P-BAD', {
      richiedente: { ...application('x').richiedente, codiceFiscale: badCheck, residenteInItaliaDal: '1979-12-31' },
      nucleo: [
        { codiceFiscale: LAURA, nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-05-11', relazione: 'coniuge' },
        { codiceFiscale: LUCA, nome: 'Luca', cognome: 'Rossi', dataNascita: '2015-09-03', relazione: 'figlio', gravidanza: true },
        { codiceFiscale: LUCA, nome: 'Luca', cognome: 'Rossi', dataNascita: '2015-09-03', relazione: 'figlio' },
        { codiceFiscale: cf('RSSGNN26P01F205'), nome: 'Giovanni', cognome: 'Rossi', dataNascita: '2026-09-01', relazione: 'figlio' },
        { codiceFiscale: cf('BNCPLA50A01F205'), nome: 'Paolo', cognome: 'Bianchi', dataNascita: '1950-01-01', relazione: 'richiedente' },
      ],
    }),
  );
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'VALIDATION_FAILED');
  const f = fields(r.body);
  for (const expected of ['richiedente.codiceFiscale', 'richiedente.residenteInItaliaDal', 'nucleo.0.codiceFiscale', 'nucleo.1.gravidanza', 'nucleo.2.codiceFiscale', 'nucleo.3.dataNascita', 'nucleo.4.relazione']) {
    assert.ok(f.includes(expected), `${expected} in ${JSON.stringify(f)}`);
  }
  const msg = (field: string) => r.body.error.details.errors.find((e: { field: string }) => e.field === field).message as string;
  assert.match(msg('richiedente.codiceFiscale'), /carattere di controllo errato/);
  assert.match(msg('nucleo.0.codiceFiscale'), /data di nascita dichiarata 11\/05\/1982/);
  assert.match(msg('nucleo.2.codiceFiscale'), /già presente nel nucleo/);
  assert.match(msg('nucleo.3.dataNascita'), /nel futuro/);
  await nothingWritten(op);
});

test('dates, citizenship and sex: future application, birth after application, extraUE without permit, sex against the code', async () => {
  const { op } = await comune();
  const base = application('P-D');
  const r = await op.post(
    '/api/v1/applications',
    {
      ...base,
      dataDomanda: '2026-03-03',
      richiedente: { ...base.richiedente, sesso: 'F', cittadinanza: 'extraUE' },
    },
  );
  assert.is(r.status, 422);
  assert.equal(fields(r.body).sort(), ['dataDomanda', 'richiedente.codiceFiscale', 'richiedente.permessoLungoPeriodo']);
  const early = await op.post('/api/v1/applications', { ...base, dataDomanda: '2015-01-01' });
  assert.is(early.status, 422);
  assert.ok(fields(early.body).includes('nucleo.1.dataNascita'), 'child born after the application date');
  assert.ok(fields(early.body).includes('richiedente.residenteInItaliaDal') === false);
  await nothingWritten(op);
});

test('shape errors (zod): missing and unknown fields, bad dates → 422 by field; non-object body → 400', async () => {
  const { op } = await comune();
  const base = application('P-S');
  const { nome: _nome, ...noName } = base.richiedente;
  const r = await op.post('/api/v1/applications', { ...base, richiedente: { ...noName, dataNascita: '1980-02-30' }, extra: 1, isee: -1 });
  assert.is(r.status, 422);
  const f = fields(r.body);
  for (const expected of ['richiedente.nome', 'richiedente.dataNascita', 'isee', 'extra']) assert.ok(f.includes(expected), `${expected} in ${JSON.stringify(f)}`);
  assert.ok(Array.isArray(r.body.error.details.fields));
  assert.is((await op.post('/api/v1/applications', '[1]')).status, 400);
  assert.is((await op.post('/api/v1/applications', { ...base, protocollo: 'a b' })).status, 422);
  await nothingWritten(op);
});

test('protocollo is unique per comune: 409, the first case untouched; another comune may reuse it', async () => {
  const { op } = await comune();
  assert.is((await op.post('/api/v1/applications', application('P-1'))).status, 201);
  const again = await op.post('/api/v1/applications', application('P-1', { richiedente: { codiceFiscale: ANNA, nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', sesso: 'F', cittadinanza: 'IT', residenteInItaliaDal: '1990-01-01' }, nucleo: [] }));
  assert.is(again.status, 409, JSON.stringify(again.body));
  assert.is(again.body.error.code, 'PROTOCOLLO_DUPLICATO');
  assert.is((await op.get(`/api/v1/subjects?cf=${ANNA}`)).body.total, 0, 'the refused application wrote nothing');
  const other = await comune();
  assert.is((await other.op.post('/api/v1/applications', application('P-1'))).status, 201);
});

test('roles and comune: analista refused; metropolitan admin names the comune; another comune → 403', async () => {
  const { tenant, op } = await comune();
  const analyst = await app.user({ tenant, roles: ['analista'] });
  assert.is((await analyst.post('/api/v1/applications', application('P-R'))).status, 403);
  assert.is((await analyst.get('/api/v1/subjects')).status, 403);
  const noTenant = await admin.post('/api/v1/applications', application('P-R'));
  assert.is(noTenant.status, 422);
  assert.equal(fields(noTenant.body), ['tenant']);
  const byAdmin = await admin.post('/api/v1/applications', application('P-R', { tenant }));
  assert.is(byAdmin.status, 201, JSON.stringify(byAdmin.body));
  const other = await comune();
  assert.is((await other.op.post('/api/v1/applications', application('P-X', { tenant }))).status, 403);
  assert.is((await op.get('/api/v1/subjects')).body.total, 3);
});

test('generic start of rei with `richiedente` goes through the same intake; without it the plain start still works', async () => {
  const { op } = await comune();
  const vars = application('P-G');
  const bad = await op.post('/api/v1/process-definitions/rei/start', { variables: { ...vars, richiedente: { ...vars.richiedente, dataNascita: '1980-01-02', residenteInItaliaDal: '1990-01-01' } } });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  assert.equal(fields(bad.body), ['richiedente.codiceFiscale']);
  await nothingWritten(op);
  const wrongKey = await op.post('/api/v1/process-definitions/rei/start', { businessKey: 'ALTRO', variables: vars });
  assert.is(wrongKey.status, 422);
  assert.equal(fields(wrongKey.body), ['businessKey']);
  const ok = await op.post('/api/v1/process-definitions/rei/start', { variables: vars });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.is(ok.body.businessKey, 'P-G');
  assert.is(ok.body.variables.componentiNucleo, 3);
  assert.is((await op.get(`/api/v1/subjects?cf=${MARIO}`)).body.total, 1);
  const plain = await op.post('/api/v1/process-definitions/rei/start', { businessKey: 'LIBERO', variables: { isee: 100 } });
  assert.is(plain.status, 201);
});

test.run();
