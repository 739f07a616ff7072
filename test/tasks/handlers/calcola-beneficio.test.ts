import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benefitPeriod, calcolaBeneficio, computeBeneficio } from '../../../src/tasks/handlers/calcola-beneficio.js';
import { ctx, params } from './context.js';

test('no income: the monthly amount equals the configured cap for 1…6+ members (REI.md §3)', () => {
  const table = params().beneficio as Record<string, unknown>;
  const rows = [1, 2, 3, 4, 5, 6, 7].map((n) => computeBeneficio(n, 0, table));
  assert.equal(rows.map((r) => r.scalaEquivalenza), [1, 1.57, 2.04, 2.46, 2.85, 3.2, 3.55]);
  assert.equal(rows.map((r) => r.importoMensile), [187.5, 294.38, 382.5, 461.25, 534.37, 539.82, 539.82]);
  assert.equal(rows.map((r) => r.sogliaAnnua), [2250, 3532.5, 4590, 5535, 6412.5, 7200, 7987.5]);
});

test('the household income (ISRE × scale) is subtracted; never below zero; can be switched off', () => {
  const table = params().beneficio as Record<string, unknown>;
  assert.is(computeBeneficio(3, 1500, table).importoMensile, 127.5);
  assert.is(computeBeneficio(1, 2900, table).importoMensile, 0);
  assert.is(computeBeneficio(1, 2900, table).importoAnnuo, 0);
  assert.is(computeBeneficio(3, 1500, { ...table, sottraiIsr: false }).importoMensile, 382.5);
  assert.is(computeBeneficio(0, 0, table).componenti, 1, 'at least one member');
});

test('another measure\'s numbers come from the parameters', () => {
  const r = computeBeneficio(2, 0, { importoBaseAnnuo: 6000, coefficiente: 1, scalaEquivalenza: [1, 1.4], incrementoScalaOltre: 0.2, massimaliMensili: [500, 780] });
  assert.equal([r.scalaEquivalenza, r.importoMensile], [1.4, 700]);
  assert.is(computeBeneficio(4, 0, { importoBaseAnnuo: 6000, coefficiente: 1, scalaEquivalenza: [1, 1.4], incrementoScalaOltre: 0.2, massimaliMensili: [500, 780] }).scalaEquivalenza, 1.8);
});

test('benefit period: from the first day of the month after the application, for durataMesi months', () => {
  assert.equal(benefitPeriod('2026-03-02', 18), { inizio: '2026-04-01', fine: '2027-09-30' });
  assert.equal(benefitPeriod('2026-12-31', 12), { inizio: '2027-01-01', fine: '2027-12-31' });
  assert.equal(benefitPeriod('2027-01-15', 1), { inizio: '2027-02-01', fine: '2027-02-28' });
});

test('handler: household size from componentiNucleo or the nucleo list; outputs as declared', async () => {
  const out = (await calcolaBeneficio.run(ctx({ componentiNucleo: 3, isre: 1500, dataDomanda: '2026-03-02', durataMesi: 12 })))!;
  assert.equal(out, {
    importoMensile: 127.5,
    importoAnnuo: 1530,
    scalaEquivalenza: 2.04,
    massimaleMensile: 382.5,
    beneficioErogato: true,
    motiviBeneficio: [],
    dataInizioBeneficio: '2026-04-01',
    dataFineBeneficio: '2027-03-31',
    durataMesi: 12,
  });
  for (const k of Object.keys(out)) assert.ok(calcolaBeneficio.outputs!.includes(k), k);
  const byList = (await calcolaBeneficio.run(ctx({ nucleo: [{}, {}], isre: '0', dataDomanda: '2026-03-02' })))!;
  assert.equal([byList.importoMensile, byList.durataMesi], [294.38, 18]);
  const zero = (await calcolaBeneficio.run(ctx({ componentiNucleo: 1, isre: 2900, dataDomanda: '2026-03-02' })))!;
  assert.is(zero.beneficioErogato, false);
  assert.match((zero.motiviBeneficio as string[])[0]!, /pari a zero.*2900 €.*2250 €/);
});

test.run();
