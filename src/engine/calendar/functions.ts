/**
 * Date functions for `${…}` expressions (conditions, camunda:dueDate and
 * followUpDate, timers), bound to a comune's working calendar and the engine
 * clock. "Which day" is always the Europe/Rome local date.
 *
 * Results that are deadlines (addWorkingDays, addDays, nextWorkingDay,
 * endOfDay) are the END of that Rome day, 23:59:59 Europe/Rome, written as a
 * UTC ISO date-time like now(): in Milano (7 and 8 December are holidays)
 * `addWorkingDays('2026-12-01', 15)` is "2026-12-24T22:59:59.000Z". A task is
 * then due for the whole of its last day, the inbox sorts and filters it as a
 * date, and these strings compare correctly with each other, with now() and
 * with today() (same format; at 23:59:59 Rome the UTC date is the Rome date).
 *
 * durationUntil(date) turns a deadline into a timer's timeDuration
 * (`<bpmn:timeDuration>${durationUntil(addWorkingDays(dataDomanda, 15))}</…>`):
 * the timer is then due at that date by the engine clock. A timeDate timer on
 * a boundary or intermediate event is compared by bpmn-elements with the
 * machine's real time, so it fires at once under a moved clock (tests,
 * CLOCK_OFFSET) when the real time is already past the date. A deadline
 * already past gives PT0S: the timer completes in the command that arms it.
 */
import type { Clock } from '../../shared/clock.js';
import { addCalendarDays, addToWallTime, endOfRomeDay, fromRomeWallTime, readDate, romeDay, romeWallTime, toDay } from './dates.js';
import { createCalendar, type WorkingCalendar } from './working-calendar.js';

export type CalendarFunctions = Record<string, (...args: unknown[]) => unknown>;

const DURATION = /^([-+])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

function integer(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`${what} deve essere un numero intero, non ${value === null || value === undefined ? 'vuoto' : JSON.stringify(value)}`);
  return n;
}

/**
 * Adds an ISO-8601 duration: years, months, weeks and days on the Rome
 * calendar (P1M from 31 Jan is 28/29 Feb; P1D keeps the wall-clock time over
 * a DST change), hours, minutes and seconds as elapsed time. A plain date
 * starts from the end of that day (23:59:59 Rome). A leading "-" subtracts.
 */
export function addDuration(date: unknown, duration: unknown): string {
  const m = typeof duration === 'string' ? DURATION.exec(duration.trim()) : null;
  if (!m || /P$|T$/i.test(String(duration).trim())) throw new Error(`Durata ISO-8601 non valida: ${JSON.stringify(duration)}`);
  const sign = m[1] === '-' ? -1 : 1;
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  const input = readDate(date);
  const start = input.instant ?? new Date(endOfRomeDay(input.day));
  const wall = addToWallTime(romeWallTime(start), sign * (n(2) * 12 + n(3)), sign * (n(4) * 7 + n(5)));
  const elapsed = sign * Math.round(((n(6) * 60 + n(7)) * 60 + n(8)) * 1000);
  return new Date(fromRomeWallTime(wall).getTime() + elapsed).toISOString();
}

/** The ISO-8601 duration from `now` until `date` in whole seconds (PT0S when already past); a plain date means the end of that Rome day. */
export function durationUntil(now: Date, date: unknown): string {
  const input = readDate(date);
  const target = input.instant ?? new Date(endOfRomeDay(input.day));
  return `PT${Math.max(0, Math.ceil((target.getTime() - now.getTime()) / 1000))}S`;
}

/** The expression functions for one comune's calendar. */
export function calendarFunctions(calendar: WorkingCalendar, clock: Clock): CalendarFunctions {
  return {
    /** The clock's current instant, UTC ISO date-time. */
    now: () => clock.now().toISOString(),
    /** Today's Rome date, YYYY-MM-DD. */
    today: () => romeDay(clock.now()),
    /** End of the n-th working day after date (n < 0: before it; the date itself is day 0). */
    addWorkingDays: (date, n) => endOfRomeDay(calendar.addWorkingDays(toDay(date), integer(n, 'Il numero di giorni lavorativi'))),
    /** End of the day n calendar days after date (n < 0: before it). */
    addDays: (date, n) => endOfRomeDay(addCalendarDays(toDay(date), integer(n, 'Il numero di giorni'))),
    /** End of date's day if it is a working day, else of the first working day after it (a term falling on a holiday moves to the next working day). */
    nextWorkingDay: (date) => endOfRomeDay(calendar.nextWorkingDay(toDay(date))),
    /** End of date's Rome day (23:59:59). */
    endOfDay: (date) => endOfRomeDay(toDay(date)),
    isWorkingDay: (date) => calendar.isWorkingDay(toDay(date)),
    /** Working days after a up to b included (negative when b is before a). */
    workingDaysBetween: (a, b) => calendar.workingDaysBetween(toDay(a), toDay(b)),
    addDuration: (date, duration) => addDuration(date, duration),
    /** ISO duration from now until date (PT0S when past), for a timer's timeDuration. */
    durationUntil: (date) => durationUntil(clock.now(), date),
  };
}

/** Names of the calendar functions (for deploy validation). */
export const CALENDAR_FUNCTION_NAMES: readonly string[] = Object.freeze(Object.keys(calendarFunctions(createCalendar({}), { now: () => new Date(0) })));
