/**
 * Convocazione del nucleo (form `convocazione`): the date and time must give
 * params.convocazione.preavvisoMinOre–preavvisoMaxOre hours' notice (24–72 h,
 * D.Lgs. 147/2017 art. 12 c. 2) and fall on a working day of the comune.
 */
import { convocationProblems } from '../handlers/verifica-convocazione.js';
import { int, obj } from '../handlers/values.js';
import type { CompletionRule } from './types.js';

export const convocazioneRule: CompletionRule = {
  formId: 'convocazione',
  description: 'Preavviso di 24–72 ore (dai parametri) e giorno lavorativo del comune',
  check({ variables, params, now, calendar }) {
    const p = obj(params.convocazione);
    const bounds = { min: int(p.preavvisoMinOre) ?? 24, max: int(p.preavvisoMaxOre) ?? 72 };
    return convocationProblems(obj(variables.convocazione).dataOra, now, bounds, calendar).map((message) => ({ field: 'convocazione.dataOra', message }));
  },
};
