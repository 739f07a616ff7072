/**
 * verificaConvocazione: a convocation of household members must be notified
 * between params.convocazione.preavvisoMinOre and preavvisoMaxOre hours ahead
 * (24–72 h, D.Lgs. 147/2017 art. 12 c. 2) and fall on a weekday that is not a
 * national holiday. Sets `convocazioneValida` and `problemiConvocazione`, for
 * models that route on them. The shipped REI model no longer does: the same
 * check refuses the completion of its convocation task (422, src/tasks/rules/
 * convocazione.ts, with the comune's calendar) instead of looping back.
 * A date-time without offset is read as Rome local time. The comune's own
 * closures and patron day are not known here.
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';
import { createCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import { readDate } from '../../engine/calendar/dates.js';
import { int, obj, str } from './values.js';

const nationalCalendar = createCalendar({});

/** The reasons a convocation is not lawful (none when it is); `calendar` the comune's, national holidays only by default. */
export function convocationProblems(dataOra: unknown, now: Date, bounds: { min: number; max: number }, calendar: Pick<WorkingCalendar, 'isWorkingDay'> = nationalCalendar): string[] {
  const raw = str(dataOra);
  if (!raw) return ['Data e ora della convocazione mancanti'];
  let at: Date;
  try {
    const read = readDate(raw);
    if (!read.instant) return [`"${raw}": indicare anche l'ora della convocazione`];
    at = read.instant;
  } catch {
    return [`"${raw}" non è una data e ora valida`];
  }
  const problems: string[] = [];
  const hours = (at.getTime() - now.getTime()) / 3_600_000;
  if (hours < bounds.min) problems.push(`Preavviso insufficiente: la convocazione deve essere fissata almeno ${bounds.min} ore dopo la comunicazione (mancano ${Math.max(0, Math.floor(hours))} ore)`);
  if (hours > bounds.max) problems.push(`Preavviso eccessivo: la convocazione deve essere fissata entro ${bounds.max} ore dalla comunicazione (mancano ${Math.floor(hours)} ore)`);
  if (!calendar.isWorkingDay(at)) problems.push('La convocazione deve cadere in un giorno feriale (lunedì–venerdì, esclusi i festivi e le chiusure del comune)');
  return problems;
}

export const verificaConvocazione: ServiceHandler = {
  name: 'verificaConvocazione',
  description: 'Verifica il preavviso (24–72 ore, dai parametri) e il giorno feriale della convocazione',
  outputs: ['convocazioneValida', 'problemiConvocazione'],
  run({ variables, params, now }) {
    const p = obj(params.convocazione);
    const problems = convocationProblems(obj(variables.convocazione).dataOra, now, { min: int(p.preavvisoMinOre) ?? 24, max: int(p.preavvisoMaxOre) ?? 72 });
    return { convocazioneValida: problems.length === 0, problemiConvocazione: problems };
  },
};
