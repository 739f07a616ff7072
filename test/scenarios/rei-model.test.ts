/**
 * The default REI model (processes/rei.bpmn) driven through the HTTP API with
 * the real eligibility decision (processes/rei-requisiti.dmn), external tasks
 * completed as a worker would, INPS outcomes as messages, and the clock moved
 * forward with the job executor drained. The application intake, the
 * connectors and the INPS simulator are left out (see rei-helpers.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { addWorkingDaysEnd, DAY, historyOf, timerDue, advance, advanceTo, complete, domanda, entered, instance, message, openTasks, reiWorld, startRei, taskOf, toMonitoring, work, type ReiWorld } from './rei-helpers.js';

let app: TestApp;
let w: ReiWorld;
test.before(async () => {
  app = await startTestApp();
  w = await reiWorld(app);
});
test.after(async () => app.close());
// Every scenario starts on Mon 2 March 2026 (the application date of domanda()).
test.before.each(async () => {
  app.clock.set('2026-03-02T08:00:00.000Z');
  for (const u of w.users) await u.refresh();
});

test('happy path: checks, INPS, benefit, analysis, project, signature, a review every 3 months, end after 18 months', async () => {
  const id = await toMonitoring(w, 'REI-HAPPY-1');
  const inst = await instance(w, id);
  assert.equal(inst.variables.requisiti, { esito: 'ammissibile', motivi: [] });
  assert.is(inst.variables.importoMensile, 127.5, 'scala 2,04: (2.250 − 1.500) × 2,04 / 12');
  assert.is(inst.variables.beneficioErogato, true);
  assert.is(inst.variables.dataInizioBeneficio, '2026-04-01');
  assert.is(inst.variables.dataFineBeneficio, '2027-09-30');
  assert.equal(inst.activeElements.sort(), ['attesaMonitoraggio', 'convocazioneRichiesta', 'eventoSegnalato', 'fineBeneficio', 'rinunciaRicevuta', 'verificaInScadenza']);

  // Reviews: 3 months after the signature (16 Mar), then 3 months after each review.
  const reviews: string[] = [];
  for (let guard = 0; guard < 10 && (await instance(w, id)).status === 'active'; guard++) {
    const next = await timerDue(w, id, 'verificaInScadenza');
    const end = await timerDue(w, id, 'fineBeneficio');
    if (!next || !end || next > end) {
      await advanceTo(w, new Date(end!.getTime() + 3_600_000).toISOString());
      continue;
    }
    await advanceTo(w, new Date(next.getTime() + 3_600_000).toISOString());
    await taskOf(w, id, 'verificaPeriodica');
    const today = app.clock.now().toISOString().slice(0, 10);
    reviews.push(today);
    await complete(w, w.as, id, 'verificaPeriodica', { dataVerifica: today, esitoVerifica: 'regolare', noteVerifica: 'Obiettivi in linea' });
  }
  const done = await instance(w, id);
  assert.is(done.status, 'completed');
  assert.is(done.variables.esitoFinale, 'conclusa');
  const scheduled = (await historyOf(w, id)).filter((e) => e.type === 'timer.scheduled' && e.elementId === 'fineBeneficio');
  assert.equal(scheduled.map((e) => e.details.dueAt), ['2027-09-30T21:59:59.000Z'], 'at the end of the last day of the benefit (23:59:59 Rome)');
  assert.equal(reviews, ['2026-06-16', '2026-09-16', '2026-12-16', '2027-03-16', '2027-06-16', '2027-09-16'], 'every 3 months from the signature (16 March 2026)');
  assert.equal(await openTasks(w, id), []);
  const path = await entered(w, id);
  for (const el of ['controlliComunali', 'invioInps', 'attesaEsitoInps', 'calcolaBeneficio', 'analisiPreliminare', 'progettoPersonalizzato', 'documentoProgetto', 'firmaProgetto', 'notificaFirmaInps', 'fineBeneficio', 'concludiPratica', 'conclusa']) {
    assert.ok(path.includes(el), `${el} in ${path.join(' → ')}`);
  }
  assert.not.ok(path.includes('verificaRequisiti'));
  assert.not.ok(path.includes('costituzioneEquipe'));
  assert.not.ok(path.some((el) => el.startsWith('sollecito')), 'no escalation when every step is on time');
  const timeline = await w.op.get(`/api/v1/process-instances/${id}/timeline`);
  assert.is(timeline.status, 200, JSON.stringify(timeline.body));
  assert.equal(timeline.body.phases.map((p: { name: string; onTime: boolean }) => [p.name, p.onTime]), [
    ['Controlli comunali e invio a INPS', true],
    ['Esito INPS', true],
    ["Dalla domanda all'analisi preliminare", true],
    ["Dall'analisi preliminare alla firma del progetto", true],
    ['Beneficio e monitoraggio', null],
  ]);
});

test('due dates and groups come from the parameters and the working calendar', async () => {
  const started = await startRei(w, domanda('REI-DUE-1', { anniResidenza: null }));
  const review = await taskOf(w, started.id, 'verificaRequisiti');
  assert.equal(review.candidateGroups, ['operatori-rei']);
  assert.is(review.formKey, 'istruttoria-domanda');
  assert.is(review.dueAt, addWorkingDaysEnd('2026-03-02', 15), '15 working days after the application');
  await complete(w, w.op, started.id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile', note: 'Residenza verificata in anagrafe' });
  await work(w, started.id, 'inps-invio-domanda', { protocolloInps: 'INPS-DUE-1', dataInvioInps: '2026-03-04' });
  await message(w, 'esitoInps', 'REI-DUE-1', { esitoInps: 'positivo', motiviInps: [] });
  const analysis = await taskOf(w, started.id, 'analisiPreliminare');
  assert.equal(analysis.candidateGroups, ['assistenti-sociali']);
  assert.is(analysis.dueAt, addWorkingDaysEnd('2026-03-02', 25), '25 working days (tipoGiorniAnalisiPreliminare lavorativi)');
  await complete(w, w.as, started.id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-03-12', bisogni: 'complessi' });
  const equipe = await taskOf(w, started.id, 'costituzioneEquipe');
  assert.is(equipe.dueAt, addWorkingDaysEnd('2026-03-12', 20), '20 working days from the analisi preliminare');
  await complete(w, w.as, started.id, 'costituzioneEquipe', { dataCostituzioneEquipe: '2026-03-13', componentiEquipe: [{ servizio: 'servizi_sanitari', nominativo: 'Dott.ssa Neri' }] });
  const quadro = await taskOf(w, started.id, 'quadroAnalisi');
  assert.equal(quadro.candidateGroups, ['equipe']);
  await message(w, 'rinuncia', 'REI-DUE-1', { motivoRinuncia: 'Trasferimento in altro comune' });
});


test('INPS negative: rejection letter with the INPS reasons, case ends "respinta da INPS"', async () => {
  const { id } = await startRei(w, domanda('REI-INPSKO-1'));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-KO-1', dataInvioInps: '2026-03-03' });
  const m = await message(w, 'esitoInps', 'REI-INPSKO-1', { esitoInps: 'negativo', motiviInps: ['Componente del nucleo percettore di NASpI'] });
  assert.is(m.status, 200, JSON.stringify(m.body));
  const letter = await work(w, id, 'documento-rigetto', { documentoRigettoId: 'doc-ko-1' });
  assert.is(letter.origineRigetto, 'inps');
  assert.equal(letter.motiviRigetto, ['Componente del nucleo percettore di NASpI']);
  const done = await instance(w, id);
  assert.is(done.status, 'completed');
  assert.is(done.variables.esitoFinale, 'respinta_inps');
  assert.is(done.variables.beneficioErogato, false);
  assert.ok((await entered(w, id)).includes('respintaInps'));
  assert.equal(done.activeElements, [], 'the terminate end closes the waiting rinuncia branch too');
});

test('benefit of 0 € (household income above the threshold): rejected with the reason', async () => {
  const { id } = await startRei(w, domanda('REI-ZERO-1', { isre: 2900, componentiNucleo: 1, nucleo: [] }));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-Z-1', dataInvioInps: '2026-03-03' });
  await message(w, 'esitoInps', 'REI-ZERO-1', { esitoInps: 'positivo', motiviInps: [] });
  const letter = await work(w, id, 'documento-rigetto', { documentoRigettoId: 'doc-z-1' });
  assert.is(letter.importoMensile, 0);
  assert.is(letter.origineRigetto, 'inps');
  assert.match(String((letter.motiviRigetto as string[])[0]), /Importo del beneficio pari a zero/);
  assert.is((await instance(w, id)).variables.esitoFinale, 'respinta_inps');
});

for (const [label, over] of [
  ['ISEE oltre soglia', { isee: 7200 }],
  ['ISRE oltre soglia', { isre: 3500 }],
  ['residenza inferiore a 2 anni', { anniResidenza: 1 }],
  ['extra UE senza permesso di lungo periodo', { cittadinanza: 'extraUE', permessoLungoPeriodo: false }],
  ['veicoli recenti', { veicoliUltimi24Mesi: true }],
  ['NASpI', { naspi: true }],
  ['patrimonio immobiliare', { patrimonioImmobiliare: 25_000 }],
  ['patrimonio mobiliare', { patrimonioMobiliare: 12_000 }],
] as const) {
  test(`municipal checks fail (${label}): no INPS sending, rejection letter with the decision's reasons`, async () => {
    const bk = `REI-KO-${label.replace(/\W+/g, '-')}`;
    const { id } = await startRei(w, domanda(bk, over));
    const letter = await work(w, id, 'documento-rigetto', { documentoRigettoId: `doc-${bk}` });
    assert.is(letter.origineRigetto, 'comune');
    assert.ok(Array.isArray(letter.motiviRigetto) && (letter.motiviRigetto as string[]).length > 0, JSON.stringify(letter.motiviRigetto));
    assert.equal(letter.motiviRigetto, (letter.requisiti as { motivi: string[] }).motivi);
    const done = await instance(w, id);
    assert.is(done.status, 'completed');
    assert.is(done.variables.esitoFinale, 'respinta_comune');
    const path = await entered(w, id);
    assert.ok(path.includes('respintaComune'));
    assert.not.ok(path.includes('invioInps'));
  });
}

test('missing data: manual review by the operators; "non ammissibile" with the reasons chosen in the form', async () => {
  const { id } = await startRei(w, domanda('REI-MANUALE-1', { anniResidenza: null }));
  assert.is((await instance(w, id)).variables.requisiti.esito, 'da_verificare');
  // The form refuses an outcome outside its options.
  const task = await taskOf(w, id, 'verificaRequisiti');
  const bad = await w.op.post(`/api/v1/tasks/${task.id}/complete`, { variables: { esitoIstruttoria: 'forse' } });
  assert.is(bad.status, 422, JSON.stringify(bad.body));
  await complete(w, w.op, id, 'verificaRequisiti', {
    esitoIstruttoria: 'non_ammissibile',
    requisitiNonSoddisfatti: ['Residenza in Italia da meno di 2 anni continuativi'],
    motivi: 'Iscrizione anagrafica dal 1° settembre 2025',
  });
  const letter = await work(w, id, 'documento-rigetto', { documentoRigettoId: 'doc-man-1' });
  assert.equal(letter.motiviRigetto, ['Residenza in Italia da meno di 2 anni continuativi', 'Iscrizione anagrafica dal 1° settembre 2025']);
  assert.is((await instance(w, id)).variables.esitoFinale, 'respinta_comune');
});

test('equipe path: complex needs → équipe (members by service) → quadro di analisi → project; withdrawal mid-way ends the case', async () => {
  const { id } = await startRei(w, domanda('REI-EQUIPE-1'));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-EQ-1', dataInvioInps: '2026-03-03' });
  await message(w, 'esitoInps', 'REI-EQUIPE-1', { esitoInps: 'positivo', motiviInps: [] });
  await complete(w, w.as, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-03-10', bisogni: 'complessi', areeBisogno: ['abitazione', 'lavoro'] });
  const members = [{ servizio: 'servizi_sociali', nominativo: 'Anna Verdi', ruolo: 'assistente sociale' }, { servizio: 'centro_impiego', nominativo: 'Paolo Neri' }, { servizio: 'servizi_sanitari', nominativo: 'Dott.ssa Gialli' }];
  const equipeTask = await taskOf(w, id, 'costituzioneEquipe');
  const wrong = await w.as.post(`/api/v1/tasks/${equipeTask.id}/complete`, { variables: { dataCostituzioneEquipe: '2026-03-11', componentiEquipe: [{ servizio: 'polizia', nominativo: 'X' }] } });
  assert.is(wrong.status, 422, JSON.stringify(wrong.body));
  assert.equal(wrong.body.error.details.fields.map((f: { field: string }) => f.field), ['componentiEquipe[0].servizio']);
  await complete(w, w.as, id, 'costituzioneEquipe', { dataCostituzioneEquipe: '2026-03-11', componentiEquipe: members });
  await complete(w, w.as, id, 'quadroAnalisi', { quadroAnalisi: { data: '2026-03-13', abitazione: 'Sfratto esecutivo', sintesi: 'Priorità: casa e lavoro; rete familiare assente.' } });
  assert.ok((await taskOf(w, id, 'progettoPersonalizzato')));
  assert.equal((await instance(w, id)).variables.componentiEquipe, members);

  const r = await message(w, 'rinuncia', 'REI-EQUIPE-1', { motivoRinuncia: 'Ha trovato lavoro a tempo pieno', dataRinuncia: '2026-03-14' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const done = await instance(w, id);
  assert.is(done.status, 'completed');
  assert.is(done.variables.esitoFinale, 'rinuncia');
  assert.equal(done.variables.rinuncia, { data: '2026-03-14', motivo: 'Ha trovato lavoro a tempo pieno' });
  assert.equal(await openTasks(w, id), [], 'open tasks cancelled');
  assert.is(await timerDue(w, id, 'scadenzaFirma'), null, 'timers cancelled');
  assert.ok((await entered(w, id)).includes('praticaRinunciata'));
});

/** A valid convocation time: the first weekday at 10:00 Rome at least 30 hours from now. */
function convocationTime(now: Date): string {
  const d = new Date(now.getTime() + 30 * 3_600_000);
  for (;;) {
    const day = d.toISOString().slice(0, 10);
    const wd = new Date(`${day}T12:00:00Z`).getUTCDay();
    const at = `${day}T10:00:00+01:00`;
    if (wd !== 0 && wd !== 6 && new Date(at).getTime() - now.getTime() >= 24 * 3_600_000 && new Date(at).getTime() - now.getTime() <= 72 * 3_600_000) return at;
    d.setUTCDate(d.getUTCDate() + 1);
  }
}

async function missedConvocation(id: string, bk: string) {
  const m = await message(w, 'convocazione', bk, { motivoConvocazione: 'Verifica degli impegni' });
  assert.is(m.status, 200, JSON.stringify(m.body));
  const dataOra = convocationTime(app.clock.now());
  await complete(w, w.as, id, 'convocazioneNucleo', { convocazione: { dataOra, luogo: 'Via Dogana 2, Milano', motivo: 'Verifica degli impegni del progetto', componente: 'Mario Rossi' } });
  const letter = await work(w, id, 'documento-convocazione', { documentoConvocazioneId: `conv-${dataOra}` });
  assert.is((letter.convocazione as { dataOra: string }).dataOra, dataOra);
  await advanceTo(w, new Date(new Date(dataOra).getTime() + 3_600_000).toISOString());
  await complete(w, w.as, id, 'esitoConvocazioneNucleo', { esitoConvocazione: { presenza: 'assente_ingiustificato', note: 'Nessuna comunicazione' } });
  const notice = await work(w, id, 'inps-notifica-sanzione', { notificaSanzioneInps: { esito: 'ricevuta' } });
  await work(w, id, 'documento-sanzione', { documentoSanzioneId: `sanz-${dataOra}` });
  await advance(w, DAY);
  return notice.ultimaSanzione as { tipo: string; evento: string; data: string; motivo: string };
}

test('sanctions ladder: missed convocations → ¼ month, one month, then decadenza; each sanction sent to INPS', async () => {
  const id = await toMonitoring(w, 'REI-SANZ-1', { bisogni: 'solo_lavoro' });
  // A convocation with less than 24 hours' notice is refused on completion (422, the field and why), nothing written.
  await message(w, 'convocazione', 'REI-SANZ-1');
  const tooSoon = new Date(app.clock.now().getTime() + 12 * 3_600_000).toISOString();
  const task = await taskOf(w, id, 'convocazioneNucleo');
  const before = await instance(w, id);
  const refused = await w.as.post(`/api/v1/tasks/${task.id}/complete`, { variables: { convocazione: { dataOra: tooSoon, luogo: 'Via Dogana 2', motivo: 'Colloquio', componente: 'Mario Rossi' } } });
  assert.is(refused.status, 422, JSON.stringify(refused.body));
  assert.is(refused.body.error.code, 'BUSINESS_RULE_FAILED');
  assert.equal(refused.body.error.details.errors.map((e: { field: string }) => e.field), ['convocazione.dataOra']);
  assert.match(refused.body.error.details.errors[0].message, /Preavviso insufficiente/);
  assert.is((await taskOf(w, id, 'convocazioneNucleo')).id, task.id, 'the same task, still open');
  assert.equal(await instance(w, id), before, 'nothing written');
  const dataOra = convocationTime(app.clock.now());
  await complete(w, w.as, id, 'convocazioneNucleo', { convocazione: { dataOra, luogo: 'Via Dogana 2', motivo: 'Colloquio', componente: 'Mario Rossi' } });
  await work(w, id, 'documento-convocazione', { documentoConvocazioneId: 'conv-0' });
  await complete(w, w.as, id, 'esitoConvocazioneNucleo', { esitoConvocazione: { presenza: 'presente' } });
  assert.is((await instance(w, id)).variables.assenzeIngiustificate, undefined, 'present: no sanction');

  const first = await missedConvocation(id, 'REI-SANZ-1');
  assert.equal([first.tipo, first.evento], ['riduzione_quarto', 'appuntamento_mancato']);
  const second = await missedConvocation(id, 'REI-SANZ-1');
  assert.is(second.tipo, 'riduzione_mensilita');
  assert.is((await instance(w, id)).status, 'active');
  const third = await missedConvocation(id, 'REI-SANZ-1');
  assert.is(third.tipo, 'decadenza');
  const done = await instance(w, id);
  assert.is(done.status, 'completed');
  assert.is(done.variables.esitoFinale, 'decaduta');
  assert.is(done.variables.assenzeIngiustificate, 3);
  assert.equal(done.variables.sanzioniApplicate.map((s: { tipo: string }) => s.tipo), ['riduzione_quarto', 'riduzione_mensilita', 'decadenza']);
  assert.ok((await entered(w, id)).includes('decaduta'));
  assert.equal(await openTasks(w, id), []);
});

test('conditionality event by message (job offer refused) ⇒ decadenza; an unknown event is refused and changes nothing', async () => {
  const id = await toMonitoring(w, 'REI-RIFIUTO-1');
  const bad = await message(w, 'eventoCondizionalita', 'REI-RIFIUTO-1', { eventoCondizionalita: { tipo: 'furto' } });
  assert.ok(bad.status >= 400 && bad.status < 500, JSON.stringify(bad.body));
  assert.is((await instance(w, id)).variables.eventoCondizionalita, undefined, 'rolled back');
  const m = await message(w, 'eventoCondizionalita', 'REI-RIFIUTO-1', { eventoCondizionalita: { tipo: 'rifiuto_offerta', data: '2026-03-20', motivo: 'Rifiutata offerta congrua del CPI' } });
  assert.is(m.status, 200, JSON.stringify(m.body));
  const notice = await work(w, id, 'inps-notifica-sanzione');
  assert.equal(notice.ultimaSanzione, { tipo: 'decadenza', evento: 'rifiuto_offerta', data: '2026-03-20', motivo: 'Rifiutata offerta congrua del CPI' });
  const letter = await work(w, id, 'documento-sanzione', { documentoSanzioneId: 'sanz-r-1' });
  assert.is((letter.ultimaSanzione as { tipo: string }).tipo, 'decadenza');
  const done = await instance(w, id);
  assert.equal([done.status, done.variables.esitoFinale], ['completed', 'decaduta']);
});

test('a review already due when the monitoring starts opens at once; convocations and events are taken meanwhile', async () => {
  app.clock.set('2026-07-01T08:00:00.000Z');
  for (const u of w.users) await u.refresh();
  const id = await toMonitoring(w, 'REI-RITARDO-1'); // signed 16 March: the first review was due on 16 June
  await taskOf(w, id, 'verificaPeriodica');
  const m = await message(w, 'convocazione', 'REI-RITARDO-1');
  assert.is(m.status, 200, JSON.stringify(m.body));
  assert.equal((await openTasks(w, id)).map((t) => t.elementId).filter((e) => !e.startsWith('sollecito')), ['convocazioneNucleo', 'verificaPeriodica']);
  await complete(w, w.as, id, 'verificaPeriodica', { dataVerifica: '2026-07-01', esitoVerifica: 'criticita' });
  assert.is((await timerDue(w, id, 'verificaInScadenza'))?.toISOString(), '2026-10-01T21:59:59.000Z', 'three months after the review');
  await message(w, 'rinuncia', 'REI-RITARDO-1');
});

test('a message the case is not waiting for is refused (no half-applied event)', async () => {
  const id = await toMonitoring(w, 'REI-OCCUPATO-1');
  await message(w, 'convocazione', 'REI-OCCUPATO-1');
  const busy = await message(w, 'eventoCondizionalita', 'REI-OCCUPATO-1', { eventoCondizionalita: { tipo: 'rifiuto_offerta' } });
  assert.is(busy.status, 404, JSON.stringify(busy.body));
  assert.is(busy.body.error.code, 'MESSAGE_NOT_CORRELATED');
  assert.is((await instance(w, id)).variables.ultimaSanzione, undefined);
  await message(w, 'rinuncia', 'REI-OCCUPATO-1');
  assert.is((await instance(w, id)).variables.esitoFinale, 'rinuncia');
});

test('deadline breaches raise escalation tasks for the responsabili: checks and sending, INPS outcome, analysis, signature', async () => {
  const { id } = await startRei(w, domanda('REI-LATE-1', { anniResidenza: null, dataDomanda: '2026-03-02' }));
  assert.equal((await openTasks(w, id)).map((t) => t.elementId), ['verificaRequisiti']);
  await advanceTo(w, '2026-03-23T08:00:00Z'); // day 15 is Mon 23 March: not yet late
  assert.equal((await openTasks(w, id)).map((t) => t.elementId), ['verificaRequisiti']);
  await advanceTo(w, '2026-03-24T08:00:00Z');
  const late = await taskOf(w, id, 'sollecitoIstruttoria');
  assert.equal(late.candidateGroups, ['responsabili']);
  assert.is(late.dueAt, addWorkingDaysEnd('2026-03-24', 2));
  await complete(w, w.resp, id, 'sollecitoIstruttoria', { azioneSollecito: 'sollecitato', notaSollecito: 'Sollecitato l\'ufficio anagrafe' });
  await complete(w, w.op, id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile' });
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-L-1', dataInvioInps: '2026-03-24' });
  await advanceTo(w, '2026-03-31T08:00:00Z'); // 5 working days after 24 March: still in time
  assert.not.ok((await openTasks(w, id)).some((t) => t.elementId === 'sollecitoEsitoInps'));
  await advanceTo(w, '2026-04-01T08:00:00Z');
  await taskOf(w, id, 'sollecitoEsitoInps');
  await message(w, 'esitoInps', 'REI-LATE-1', { esitoInps: 'positivo', motiviInps: [] });
  // 25 working days after 2 March (Easter Monday 6 April is a holiday): Wed 8 April.
  assert.is((await taskOf(w, id, 'analisiPreliminare')).dueAt, addWorkingDaysEnd('2026-03-02', 25));
  await advanceTo(w, '2026-04-09T08:00:00Z');
  await taskOf(w, id, 'sollecitoAnalisi');
  await complete(w, w.as, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-04-09', bisogni: 'semplici' });
  await advanceTo(w, new Date(new Date(addWorkingDaysEnd('2026-04-09', 20)).getTime() + 3_600_000).toISOString());
  await taskOf(w, id, 'sollecitoFirma');
  // each escalation ended with the step it escalates (issue 10): only the signature's is still open
  assert.equal((await openTasks(w, id)).map((t) => t.elementId), ['progettoPersonalizzato', 'sollecitoFirma']);
  await message(w, 'rinuncia', 'REI-LATE-1');
  assert.equal(await openTasks(w, id), []);
});

test.run();
