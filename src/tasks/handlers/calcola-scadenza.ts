/**
 * calcolaScadenza: sets `scadenzaIstruttoria`, the ISO date by which the comune
 * must complete its checks: params.giorniIstruttoria (default 15) calendar days
 * after `dataDomanda` (or now). Working-day calendars refine this later.
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';

export const calcolaScadenza: ServiceHandler = {
  name: 'calcolaScadenza',
  description: 'Calcola la scadenza dell\'istruttoria comunale a partire dalla data della domanda',
  outputs: ['dataDomanda', 'scadenzaIstruttoria'],
  run({ variables, params, now }) {
    const days = typeof params.giorniIstruttoria === 'number' ? params.giorniIstruttoria : 15;
    const start = typeof variables.dataDomanda === 'string' && !Number.isNaN(Date.parse(variables.dataDomanda)) ? new Date(variables.dataDomanda) : now;
    const due = new Date(start.getTime() + days * 86_400_000);
    return { dataDomanda: start.toISOString(), scadenzaIstruttoria: due.toISOString() };
  },
};
