import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applicaSanzione, registraAssenza, sanctionFor } from '../../../src/tasks/handlers/applica-sanzione.js';
import { ctx, params } from './context.js';

const sanzioni = params().sanzioni as Record<string, unknown>;

test('ladder from the parameters: ¼ month, one month, then decadenza (and decadenza again past the end)', () => {
  assert.equal([0, 1, 2, 3].map((n) => sanctionFor('appuntamento_mancato', n, sanzioni)), ['riduzione_quarto', 'riduzione_mensilita', 'decadenza', 'decadenza']);
  assert.is(sanctionFor('rifiuto_offerta', 0, sanzioni), 'decadenza');
  assert.is(sanctionFor('requisito_perso', 0, sanzioni), 'decadenza');
  const rdc = { assenzaConvocazione: ['riduzione_mensilita', 'riduzione_due_mensilita', 'decadenza'], rifiutoOfferta: 'riduzione_mensilita', requisitoPerso: 'decadenza' };
  assert.equal([0, 1, 2].map((n) => sanctionFor('appuntamento_mancato', n, rdc)), ['riduzione_mensilita', 'riduzione_due_mensilita', 'decadenza']);
  assert.is(sanctionFor('rifiuto_offerta', 5, rdc), 'riduzione_mensilita');
  assert.is(sanctionFor('appuntamento_mancato', 1, {}), 'riduzione_mensilita', 'defaults when the parameters lack the ladder');
});

test('applicaSanzione: counts absences, keeps the history, decadenza sets esitoFinale', async () => {
  let vars: Record<string, unknown> = {};
  const tipi: string[] = [];
  for (let i = 0; i < 3; i++) {
    vars = { ...vars, eventoCondizionalita: { tipo: 'appuntamento_mancato', data: `2026-04-0${i + 1}`, motivo: `assenza ${i + 1}` } };
    const out = (await applicaSanzione.run(ctx(vars)))!;
    for (const k of Object.keys(out)) assert.ok(applicaSanzione.outputs!.includes(k), k);
    vars = { ...vars, ...out };
    tipi.push((out.ultimaSanzione as { tipo: string }).tipo);
  }
  assert.equal(tipi, ['riduzione_quarto', 'riduzione_mensilita', 'decadenza']);
  assert.equal(vars.ultimaSanzione, { tipo: 'decadenza', evento: 'appuntamento_mancato', data: '2026-04-03', motivo: 'assenza 3' });
  assert.equal([vars.assenzeIngiustificate, vars.decadenza, vars.esitoFinale, vars.dataFine], [3, true, 'decaduta', '2026-03-02']);
  assert.is((vars.sanzioniApplicate as unknown[]).length, 3);
});

test('applicaSanzione: other events do not count as absences; default date and reason; unknown event refused', async () => {
  const out = (await applicaSanzione.run(ctx({ assenzeIngiustificate: 1, eventoCondizionalita: { tipo: 'requisito_perso' } }, { params: { ...params(), sanzioni: { ...sanzioni, requisitoPerso: 'riduzione_mensilita' } } })))!;
  assert.equal(out.ultimaSanzione, { tipo: 'riduzione_mensilita', evento: 'requisito_perso', data: '2026-03-02', motivo: 'Sanzione per perdita di un requisito di accesso' });
  assert.equal([out.assenzeIngiustificate, out.decadenza, out.esitoFinale], [1, false, undefined]);
  assert.throws(() => applicaSanzione.run(ctx({ eventoCondizionalita: { tipo: 'furto' } })), /non riconosciuto/);
  assert.throws(() => applicaSanzione.run(ctx({})), /non riconosciuto/);
});

test('registraAssenza: the missed convocation becomes an appuntamento_mancato event', async () => {
  const out = (await registraAssenza.run(ctx({ convocazione: { dataOra: '2026-03-04T10:00:00+01:00', motivo: 'Verifica impegni' }, esitoConvocazione: { presenza: 'assente_ingiustificato', note: 'Nessuna comunicazione' } })))!;
  assert.equal(out.eventoCondizionalita, { tipo: 'appuntamento_mancato', data: '2026-03-04', motivo: 'Assenza ingiustificata alla convocazione del 2026-03-04 (Verifica impegni): Nessuna comunicazione' });
});

test.run();
