/**
 * The duration and renewal rule at application time: an active case of the
 * applicant or of any household member refuses a new application; a benefit
 * period that ended less than 6 months before refuses it with the first
 * possible date; after the gap the application is a 12-month renewal. Cases
 * that never gave the benefit (INPS negative, cancelled before a positive
 * outcome) do not count. The clock is moved, cases end through the API.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { application, minimalRei, ANNA, LAURA, MARIO } from './fixtures.js';
import { decideRenewal, addMonths, DEFAULT_RENEWAL_PARAMS } from '../../src/subjects/renewal.js';

let app: TestApp;
let admin: Client;
const DAY = 86_400_000;

test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

async function comune() {
  await admin.refresh();
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  const resp = await app.user({ tenant, roles: ['responsabile'], groups: ['operatori-rei'] });
  const r = await deploy(admin, { 'rei.bpmn': minimalRei }, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return { tenant, op, resp };
}

/** Completes the open task of an instance with the given variables. */
/** Moves the case on: the INPS outcome as its message (when waiting for it), else the open task. */
async function complete(op: Client, instanceId: string, variables: Record<string, unknown> = {}) {
  const inst = await op.get(`/api/v1/process-instances/${instanceId}`);
  if (inst.body.activeElements.includes('istruttoria')) {
    const m = await op.post('/api/v1/messages', { name: 'esitoInps', processInstanceId: instanceId, variables });
    assert.is(m.status, 200, JSON.stringify(m.body));
    return;
  }
  const task = inst.body.openTasks[0];
  const r = await op.post(`/api/v1/tasks/${task.id}/complete`, { variables });
  assert.is(r.status, 200, JSON.stringify(r.body));
}

const today = () => app.clock.now().toISOString().slice(0, 10);

test('pure rule: active wins; gap measured from the Rome date of the end; month-end clamping', () => {
  const ended = (iso: string, granted = true) => ({ subjectId: 's', instanceId: 'i', protocollo: 'p', status: 'completed' as const, endedAt: new Date(iso), variables: granted ? { esitoInps: 'positivo' } : { esitoInps: 'negativo' } });
  assert.equal(decideRenewal([], '2026-01-01', DEFAULT_RENEWAL_PARAMS), { ok: true, rinnovo: false, durataMesi: 18 });
  const active = decideRenewal([{ ...ended('2025-01-01T10:00:00Z'), status: 'active', endedAt: null }], '2026-01-01', DEFAULT_RENEWAL_PARAMS);
  assert.is(!active.ok && active.code, 'ACTIVE_CASE');
  const early = decideRenewal([ended('2025-08-31T22:30:00Z')], '2026-02-28', DEFAULT_RENEWAL_PARAMS);
  assert.ok(!early.ok && early.code === 'RENEWAL_TOO_EARLY');
  if (!early.ok && early.code === 'RENEWAL_TOO_EARLY') {
    assert.is(early.fineBeneficio, '2025-09-01', '22:30Z on 31 August is already 1 September in Rome');
    assert.is(early.dataPrimaDomanda, '2026-03-01');
  }
  assert.equal(decideRenewal([ended('2025-08-31T10:00:00Z')], '2026-02-28', DEFAULT_RENEWAL_PARAMS), { ok: true, rinnovo: true, durataMesi: 12 }, '31 Aug + 6 months = 28 Feb');
  assert.equal(decideRenewal([ended('2026-01-01T10:00:00Z', false)], '2026-01-02', DEFAULT_RENEWAL_PARAMS), { ok: true, rinnovo: false, durataMesi: 18 });
  assert.equal(decideRenewal([{ ...ended('2026-01-01T10:00:00Z', false), variables: { esitoInps: 'positivo', beneficioErogato: false } }], '2026-01-02', DEFAULT_RENEWAL_PARAMS).ok, true, 'beneficioErogato=false wins');
  assert.equal(decideRenewal([ended('2025-01-01T10:00:00Z')], '2026-01-01', { durataMesi: 10, durataRinnovoMesi: 12, mesiIntervalloRinnovo: 6 }), { ok: true, rinnovo: true, durataMesi: 10 }, 'a renewal is never longer than the duration');
  assert.is(addMonths('2024-08-31', 6), '2025-02-28');
  assert.is(addMonths('2023-08-31', 6), '2024-02-29');
});

test('active case of the applicant or of a household member: 422 ACTIVE_CASE naming the person, nothing written', async () => {
  const { op } = await comune();
  const first = await op.post('/api/v1/applications', application('A-1'));
  assert.is(first.status, 201, JSON.stringify(first.body));
  const again = await op.post('/api/v1/applications', application('A-2'));
  assert.is(again.status, 422);
  assert.is(again.body.error.code, 'ACTIVE_CASE');
  assert.match(again.body.error.message, /caso REI in corso \(protocollo A-1\)/);
  assert.ok(again.body.error.details.errors.some((e: { field: string }) => e.field === 'richiedente.codiceFiscale'));
  assert.equal(again.body.error.details.cases[0].instanceId, first.body.instanceId);

  // Anna applies alone but lists Laura, who is in Mario's active case.
  const withMember = await op.post(
    '/api/v1/applications',
    application('A-3', {
      richiedente: { codiceFiscale: ANNA, nome: 'Anna', cognome: 'Verdi', dataNascita: '1960-06-05', sesso: 'F', cittadinanza: 'UE', residenteInItaliaDal: '2000-01-01' },
      nucleo: [{ codiceFiscale: LAURA, nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-05-10', relazione: 'figlio' }],
    }),
  );
  assert.is(withMember.status, 422);
  assert.is(withMember.body.error.code, 'ACTIVE_CASE');
  assert.equal(withMember.body.error.details.errors.map((e: { field: string }) => e.field), ['nucleo.0.codiceFiscale']);
  assert.is((await op.get(`/api/v1/subjects?cf=${ANNA}`)).body.total, 0, 'Anna not recorded');
  assert.is((await op.get('/api/v1/process-instances')).body.total, 1);
});

test('two applications at once for the same household: exactly one case is started', async () => {
  const { op } = await comune();
  // Known subjects are row-locked: the second application waits and then sees the first case.
  const seed = await op.post('/api/v1/applications', application('K-0'));
  await complete(op, seed.body.instanceId, { esitoInps: 'negativo' });
  await complete(op, seed.body.instanceId);
  const [a, b] = await Promise.all([op.post('/api/v1/applications', application('K-1')), op.post('/api/v1/applications', application('K-2'))]);
  assert.equal([a.status, b.status].sort(), [201, 422], JSON.stringify([a.body, b.body]));
  assert.is((a.status === 422 ? a : b).body.error.code, 'ACTIVE_CASE');
  // New subjects: the unique codice fiscale makes the loser fail with 409 (or it waits and sees the case).
  const { op: op2 } = await comune();
  const [c, d] = await Promise.all([op2.post('/api/v1/applications', application('K-3')), op2.post('/api/v1/applications', application('K-4'))]);
  const statuses = [c.status, d.status].sort();
  assert.ok(statuses[0] === 201 && (statuses[1] === 409 || statuses[1] === 422), JSON.stringify([c.body, d.body]));
  assert.is((await op2.get('/api/v1/process-instances')).body.total, 1);
});

test('a case that never gave the benefit does not count: INPS negative, or cancelled before a positive outcome', async () => {
  const { op, resp } = await comune();
  const rejected = await op.post('/api/v1/applications', application('N-1'));
  await complete(op, rejected.body.instanceId, { esitoInps: 'negativo' });
  await complete(op, rejected.body.instanceId);
  const next = await op.post('/api/v1/applications', application('N-2'));
  assert.is(next.status, 201, JSON.stringify(next.body));
  assert.equal([next.body.rinnovo, next.body.durataMesi], [false, 18]);

  const cancelled = await resp.post(`/api/v1/process-instances/${next.body.instanceId}/cancel`, { reason: 'domanda inserita per errore' });
  assert.is(cancelled.status, 200);
  const third = await op.post('/api/v1/applications', application('N-3'));
  assert.is(third.status, 201, JSON.stringify(third.body));
  assert.is(third.body.rinnovo, false);
});

test('a case cancelled after the benefit was granted ends the benefit period on the day of cancellation', async () => {
  const { op, resp } = await comune();
  const first = await op.post('/api/v1/applications', application('C-1'));
  await complete(op, first.body.instanceId, { esitoInps: 'positivo' });
  app.clock.set('2026-06-15T09:00:00Z');
  await op.refresh();
  await resp.refresh();
  assert.is((await resp.post(`/api/v1/process-instances/${first.body.instanceId}/cancel`, { reason: 'rinuncia' })).status, 200);
  app.clock.set('2026-10-01T09:00:00Z');
  await op.refresh();
  // Laura applies now: she was a member of the cancelled case.
  const laura = await op.post(
    '/api/v1/applications',
    application('C-2', {
      dataDomanda: today(),
      richiedente: { codiceFiscale: LAURA, nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-05-10', sesso: 'F', cittadinanza: 'IT', residenteInItaliaDal: '1982-05-10' },
      nucleo: [{ codiceFiscale: MARIO, nome: 'Mario', cognome: 'Rossi', dataNascita: '1980-01-01', relazione: 'coniuge' }],
    }),
  );
  assert.is(laura.status, 422);
  assert.is(laura.body.error.code, 'RENEWAL_TOO_EARLY');
  assert.is(laura.body.error.details.dataPrimaDomanda, '2026-12-15');
  assert.equal(laura.body.error.details.errors.map((e: { field: string }) => e.field).sort(), ['nucleo.0.codiceFiscale', 'richiedente.codiceFiscale']);
});

test('renewal: refused within 6 months of the end of the benefit, accepted after as a 12-month renewal', async () => {
  const { op } = await comune();
  const first = await op.post('/api/v1/applications', application('R-1'));
  assert.is(first.status, 201);
  app.clock.advance(10 * DAY); // 2026-03-12: INPS positive
  await op.refresh();
  await complete(op, first.body.instanceId, { esitoInps: 'positivo' });
  app.clock.set('2027-09-02T09:00:00Z'); // end of the benefit
  await op.refresh();
  await complete(op, first.body.instanceId);
  const ended = await op.get(`/api/v1/process-instances/${first.body.instanceId}`);
  assert.is(ended.body.status, 'completed');

  app.clock.set('2028-03-01T09:00:00Z');
  await op.refresh();
  const early = await op.post('/api/v1/applications', application('R-2', { dataDomanda: today() }));
  assert.is(early.status, 422, JSON.stringify(early.body));
  assert.is(early.body.error.code, 'RENEWAL_TOO_EARLY');
  assert.is(early.body.error.details.fineBeneficio, '2027-09-02');
  assert.is(early.body.error.details.dataPrimaDomanda, '2028-03-02');
  assert.match(early.body.error.message, /dal 02\/03\/2028/);
  assert.is((await op.get('/api/v1/process-instances')).body.total, 1, 'nothing started');

  app.clock.set('2028-03-02T09:00:00Z');
  await op.refresh();
  const renewal = await op.post('/api/v1/applications', application('R-3', { dataDomanda: today() }));
  assert.is(renewal.status, 201, JSON.stringify(renewal.body));
  assert.equal([renewal.body.rinnovo, renewal.body.durataMesi], [true, 12]);
  const v = (await op.get(`/api/v1/process-instances/${renewal.body.instanceId}`)).body.variables;
  assert.equal([v.rinnovo, v.durataMesi], [true, 12]);

  const mario = await op.get(`/api/v1/subjects/${renewal.body.soggettoId}`);
  assert.equal(
    mario.body.cases.map((c: { protocollo: string; status: string; rinnovo: boolean; beneficioErogato: boolean }) => [c.protocollo, c.status, c.rinnovo, c.beneficioErogato]),
    [['R-1', 'completed', false, true], ['R-3', 'active', true, false]],
  );
  assert.ok(mario.body.cases[0].endedAt.startsWith('2027-09-02'));
});

test.run();
