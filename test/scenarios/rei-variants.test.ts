/**
 * The shipped per-comune variants of the REI model: Milano (processes/F205/:
 * municipal checks by partner CAF offices through the external-task topic
 * `caf-controlli`, driven here by the example worker examples/caf-worker.ts on
 * the real camunda-external-task-client-js) and the small comune A010 (one
 * group does every step), plus the same effect through a parameter override.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { ParameterCatalog } from '../../src/tailoring/parameters/catalog.js';
import { ParameterService } from '../../src/tailoring/parameters/parameter.service.js';
import { ManualClock } from '../../src/shared/clock.js';
import { controlliCaf, startCafWorker } from '../../examples/caf-worker.js';
import { complete, domanda, instance, openTasks, reiWorld, startRei, taskOf, work, type ReiWorld } from './rei-helpers.js';

/** The harness gives every test user this password. */
const PASSWORD = 'password123';

let app: TestApp;
let milano: ReiWorld;
test.before(async () => {
  app = await startTestApp();
  milano = await reiWorld(app, { tenant: 'F205', files: { 'rei.bpmn': fs.readFileSync('processes/F205/rei.bpmn', 'utf8') } });
});
test.after(async () => app.close());

test('CAF checks (pure): citizenship or long-term permit, two years of residence; missing data ⇒ da_verificare', () => {
  assert.equal(controlliCaf({ cittadinanza: 'IT', anniResidenza: 30 }), { esito: 'ammissibile', motivi: [] });
  assert.equal(controlliCaf({ cittadinanza: 'extraUE', permessoLungoPeriodo: true, anniResidenza: 5 }).esito, 'ammissibile');
  assert.equal(controlliCaf({ cittadinanza: 'extraUE', permessoLungoPeriodo: false, anniResidenza: 5 }).esito, 'non_ammissibile');
  assert.equal(controlliCaf({ cittadinanza: 'UE', anniResidenza: 1 }), { esito: 'non_ammissibile', motivi: ['Residenza in Italia da 1 anni: ne servono almeno 2 continuativi'] });
  assert.equal(controlliCaf({ cittadinanza: 'IT' }), { esito: 'da_verificare', motivi: ['Anni di residenza in Italia non indicati'] });
});

/** Runs the example CAF worker (HTTP Basic as a Milano CAF operator) until the cases have left the CAF step. */
async function runCafWorker(w: ReiWorld, ids: string[]) {
  const caf = await app.user({ tenant: 'F205', roles: ['operatore'], groups: ['caf-convenzionati'] });
  const logged: string[] = [];
  const client = await startCafWorker({ baseUrl: `${app.baseUrl}/engine-rest`, username: caf.username, password: PASSWORD, denominazione: 'CAF Lombardia', workerId: 'caf-test', log: (m) => logged.push(m) });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const waiting = await Promise.all(ids.map(async (id) => (await instance(w, id)).activeElements.includes('controlliCaf')));
      if (!waiting.some(Boolean)) break;
      if (Date.now() > deadline) throw new Error(`il worker CAF non ha completato i controlli: ${logged.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.stop();
  }
  return logged;
}

test('Milano: the CAF worker (real external-task client) checks each application; the outcome routes the case', async () => {
  const ok = await startRei(milano, domanda('MI-CAF-1'));
  const missing = await startRei(milano, domanda('MI-CAF-2', { anniResidenza: null }));
  const ko = await startRei(milano, domanda('MI-CAF-3', { anniResidenza: 1 }));
  for (const s of [ok, missing, ko]) assert.ok(s.activeElements.includes('controlliCaf'), s.activeElements.join());
  const logged = await runCafWorker(milano, [ok.id, missing.id, ko.id]);
  assert.is(logged.length, 3, logged.join(' | '));

  const sent = await instance(milano, ok.id);
  assert.equal(sent.variables.requisiti, { esito: 'ammissibile', motivi: [] });
  assert.is(sent.variables.caf.denominazione, 'CAF Lombardia');
  assert.match(sent.variables.caf.protocollo, /^CAF-\d{4}-\d{6}$/);
  assert.ok(sent.activeElements.includes('invioInps'), sent.activeElements.join());

  // Missing data: the manual review goes to the CAF offices (params of F205: gruppi.operatori) with Milano's form.
  const review = await taskOf(milano, missing.id, 'verificaRequisiti');
  assert.equal(review.candidateGroups, ['caf-convenzionati']);
  const cafOperator = await app.user({ tenant: 'F205', roles: ['operatore'], groups: ['caf-convenzionati'] });
  const form = await cafOperator.get(`/api/v1/tasks/${review.id}/form`);
  assert.equal([form.status, form.body.tenant], [200, 'F205'], JSON.stringify(form.body));
  const noCaf = await cafOperator.post(`/api/v1/tasks/${review.id}/complete`, { variables: { esitoIstruttoria: 'ammissibile' } });
  assert.is(noCaf.status, 422, 'the Milano form wants the CAF and its file number');
  await complete(milano, cafOperator, missing.id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile', caf: { denominazione: 'CAF Lombardia', protocollo: 'CAF-2026-000777' } });
  assert.ok((await instance(milano, missing.id)).activeElements.includes('invioInps'));

  const letter = await work(milano, ko.id, 'documento-rigetto', { documentoRigettoId: 'doc-mi-3' });
  assert.equal([letter.origineRigetto, letter.motiviRigetto], ['comune', ['Residenza in Italia da 1 anni: ne servono almeno 2 continuativi']]);
  assert.is((await instance(milano, ko.id)).variables.esitoFinale, 'respinta_comune');
});

test('the comune files: Milano reviews every 2 months with CAF operators; Abbiategrasso (A010) gives every step to one group', () => {
  const service = new ParameterService(ParameterCatalog.load('processes'), new ManualClock());
  const mi = service.resolveWith('rei', 'F205', null)!.values as { intervalloMonitoraggioMesi: number; gruppi: Record<string, string> };
  assert.is(mi.intervalloMonitoraggioMesi, 2);
  assert.is(mi.gruppi.operatori, 'caf-convenzionati');
  const small = service.resolveWith('rei', 'A010', null)!.values as { gruppi: Record<string, string>; tipoGiorniAnalisiPreliminare: string };
  assert.equal(new Set(Object.values(small.gruppi)), new Set(['servizi-sociali']));
  assert.is(small.tipoGiorniAnalisiPreliminare, 'calendario');
});

test('a small comune by parameter override: every task of the case goes to the one group', async () => {
  const w = await reiWorld(app);
  const analyst = await app.user({ tenant: w.tenant, roles: ['analista'] });
  const one = 'servizi-sociali';
  const put = await analyst.put(`/api/v1/tenants/${w.tenant}/parameters/rei`, { values: { gruppi: { operatori: one, assistentiSociali: one, equipe: one, responsabili: one } }, comment: 'comune piccolo' });
  assert.is(put.status, 200, JSON.stringify(put.body));
  const everyone = await app.user({ tenant: w.tenant, roles: ['operatore', 'assistente_sociale', 'responsabile'], groups: [one] });
  const { id } = await startRei(w, domanda('SMALL-1', { anniResidenza: null }));
  assert.equal((await taskOf(w, id, 'verificaRequisiti')).candidateGroups, [one]);
  await complete(w, everyone, id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile' });
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-S-1', dataInvioInps: '2026-03-03' });
  await w.op.post('/api/v1/messages', { name: 'esitoInps', businessKey: 'SMALL-1', variables: { esitoInps: 'positivo', motiviInps: [] } });
  await complete(w, everyone, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-03-10', bisogni: 'complessi' });
  await complete(w, everyone, id, 'costituzioneEquipe', { dataCostituzioneEquipe: '2026-03-11', componentiEquipe: [{ servizio: 'servizi_sociali', nominativo: 'Anna Verdi' }] });
  assert.equal((await openTasks(w, id)).map((t) => [t.elementId, t.candidateGroups]), [['quadroAnalisi', [one]]]);
  const inbox = await everyone.get('/api/v1/tasks?processKey=rei');
  assert.ok(inbox.body.items.some((t: { elementId: string }) => t.elementId === 'quadroAnalisi'), 'in the one group\'s inbox');
});

test.run();
