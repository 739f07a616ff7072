import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concludiPratica, registraRinuncia, rigettoComune, rigettoInps } from '../../../src/tasks/handlers/esito-pratica.js';
import { ctx } from './context.js';

test('rigettoComune: reasons of the decision, or of the manual review', async () => {
  const dmn = (await rigettoComune.run(ctx({ requisiti: { esito: 'non_ammissibile', motivi: ['ISEE di 7200 € superiore alla soglia di 6000 €'] } })))!;
  assert.equal(dmn, { origineRigetto: 'comune', motiviRigetto: ['ISEE di 7200 € superiore alla soglia di 6000 €'], esitoFinale: 'respinta_comune', beneficioErogato: false, dataFine: '2026-03-02' });
  const manual = (await rigettoComune.run(ctx({ requisiti: { esito: 'da_verificare', motivi: ['Anni di residenza non indicati'] }, esitoIstruttoria: 'non_ammissibile', requisitiNonSoddisfatti: ['Residenza in Italia da meno di 2 anni continuativi'], motivi: ' Iscritto dal 2025 ' })))!;
  assert.equal(manual.motiviRigetto, ['Residenza in Italia da meno di 2 anni continuativi', 'Iscritto dal 2025']);
  assert.equal((await rigettoComune.run(ctx({ esitoIstruttoria: 'non_ammissibile' })))!.motiviRigetto, ['Requisiti di accesso non soddisfatti']);
});

test('rigettoInps: INPS reasons on a negative outcome, the zero-benefit reason otherwise', async () => {
  assert.equal((await rigettoInps.run(ctx({ esitoInps: 'negativo', motiviInps: ['NASpI in corso'] })))!.motiviRigetto, ['NASpI in corso']);
  assert.match(((await rigettoInps.run(ctx({ esitoInps: 'negativo' })))!.motiviRigetto as string[])[0]!, /Esito negativo/);
  const zero = (await rigettoInps.run(ctx({ esitoInps: 'positivo', motiviBeneficio: ['Importo del beneficio pari a zero'] })))!;
  assert.equal([zero.origineRigetto, zero.motiviRigetto, zero.esitoFinale], ['inps', ['Importo del beneficio pari a zero'], 'respinta_inps']);
});

test('concludiPratica and registraRinuncia record how the case ended', async () => {
  assert.equal(await concludiPratica.run(ctx({})), { esitoFinale: 'conclusa', dataFine: '2026-03-02' });
  assert.equal(await registraRinuncia.run(ctx({ motivoRinuncia: 'Trasferimento', dataRinuncia: '2026-02-27' })), { esitoFinale: 'rinuncia', rinuncia: { data: '2026-02-27', motivo: 'Trasferimento' }, dataFine: '2026-03-02' });
  assert.equal(await registraRinuncia.run(ctx({})), { esitoFinale: 'rinuncia', rinuncia: { data: '2026-03-02', motivo: null }, dataFine: '2026-03-02' });
});

test.run();
