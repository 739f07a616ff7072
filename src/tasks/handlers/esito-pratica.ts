/**
 * How a REI case ends: each handler records the outcome in `esitoFinale`
 * ('respinta_comune', 'respinta_inps', 'conclusa', 'rinuncia'; 'decaduta' is
 * set by applicaSanzione), which the renewal rule and the reports read, and
 * `beneficioErogato` when the benefit was never granted.
 *
 * rigettoComune / rigettoInps also set what the rejection letter carries:
 * `origineRigetto` and `motiviRigetto` (readable reasons) — from the manual
 * review (requisitiNonSoddisfatti + motivi) or the checks' `requisiti.motivi`;
 * from INPS (`motiviInps`) or from a zero benefit (`motiviBeneficio`).
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';
import { dayOf, obj, str, strings } from './values.js';

export const rigettoComune: ServiceHandler = {
  name: 'rigettoComune',
  description: 'Prepara il rigetto della domanda per requisiti comunali non soddisfatti (origine comune)',
  outputs: ['origineRigetto', 'motiviRigetto', 'esitoFinale', 'beneficioErogato', 'dataFine'],
  run({ variables, now }) {
    const manual = variables.esitoIstruttoria === 'non_ammissibile';
    const motivi = manual ? [...strings(variables.requisitiNonSoddisfatti), ...strings(variables.motivi)] : strings(obj(variables.requisiti).motivi);
    return {
      origineRigetto: 'comune',
      motiviRigetto: motivi.length ? motivi : ['Requisiti di accesso non soddisfatti'],
      esitoFinale: 'respinta_comune',
      beneficioErogato: false,
      dataFine: dayOf(now),
    };
  },
};

export const rigettoInps: ServiceHandler = {
  name: 'rigettoInps',
  description: "Prepara il rigetto della domanda per esito negativo dell'INPS o beneficio nullo (origine INPS)",
  outputs: ['origineRigetto', 'motiviRigetto', 'esitoFinale', 'beneficioErogato', 'dataFine'],
  run({ variables, now }) {
    const negativo = variables.esitoInps !== 'positivo';
    const motivi = negativo ? strings(variables.motiviInps) : strings(variables.motiviBeneficio);
    return {
      origineRigetto: 'inps',
      motiviRigetto: motivi.length ? motivi : [negativo ? "Esito negativo della verifica dei requisiti da parte dell'INPS" : 'Importo del beneficio pari a zero'],
      esitoFinale: 'respinta_inps',
      beneficioErogato: false,
      dataFine: dayOf(now),
    };
  },
};

export const concludiPratica: ServiceHandler = {
  name: 'concludiPratica',
  description: 'Chiude la pratica alla fine della durata del beneficio',
  outputs: ['esitoFinale', 'dataFine'],
  run: ({ now }) => ({ esitoFinale: 'conclusa', dataFine: dayOf(now) }),
};

export const registraRinuncia: ServiceHandler = {
  name: 'registraRinuncia',
  description: 'Registra la rinuncia del richiedente (messaggio "rinuncia", variabili dataRinuncia e motivoRinuncia facoltative)',
  outputs: ['esitoFinale', 'rinuncia', 'dataFine'],
  run({ variables, now }) {
    const data = str(variables.dataRinuncia)?.slice(0, 10) ?? dayOf(now);
    return { esitoFinale: 'rinuncia', rinuncia: { data, motivo: str(variables.motivoRinuncia) ?? null }, dataFine: dayOf(now) };
  },
};
