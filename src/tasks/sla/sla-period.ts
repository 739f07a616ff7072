/**
 * How a period [from, to) of task creation splits over the pre-aggregated SLA
 * figures (migration 20261203060000): whole months from the monthly rows,
 * the other whole Rome days from the daily rows, the not yet folded deltas of
 * every whole day, and the part-days at the edges (a period not starting or
 * ending at midnight, Europe/Rome) from the task table itself.
 */
import { addCalendarDays, fromRomeWallTime, romeDay } from '../../engine/calendar/dates.js';

/** A range of Rome days, `YYYY-MM-DD`, end excluded (empty when start ≥ end). */
export type DayRange = readonly [string, string];

export interface SlaPeriod {
  /** Whole months, as their first days. */
  months: DayRange;
  /** Whole days outside those months (before and after them). */
  days: readonly [DayRange, DayRange];
  /** Every whole day of the period. */
  wholeDays: DayRange;
  /** The part-days at the edges, read from the task table; only the non-empty ones. */
  edges: Array<readonly [Date, Date]>;
}

/** The first instant of a Rome day. */
export function startOfRomeDay(day: string): Date {
  const [year, month, d] = day.split('-').map(Number) as [number, number, number];
  return fromRomeWallTime({ year, month, day: d, hour: 0, minute: 0, second: 0, ms: 0 });
}

const firstOfMonth = (day: string) => `${day.slice(0, 8)}01`;
const firstOfNextMonth = (day: string) => firstOfMonth(addCalendarDays(firstOfMonth(day), 32));

/**
 * The end of a period as the figures read it. No task is created after `now`, so a period that ends at or after now
 * holds every task created so far (one created at the request's very instant included) and ends, for the figures,
 * with the whole Rome day of `to`: today is read from its daily row and deltas, not task by task (at metropolitan
 * volume today's part-day was ≈ 25,000 tasks). A period ending before now is left as it is.
 */
export function periodEnd(to: Date, now: Date): Date {
  if (to < now) return to;
  const day = romeDay(to);
  return startOfRomeDay(day).getTime() === to.getTime() ? to : startOfRomeDay(addCalendarDays(day, 1));
}

export function slaPeriod(from: Date, to: Date): SlaPeriod {
  const fromDay = romeDay(from);
  const first = startOfRomeDay(fromDay).getTime() === from.getTime() ? fromDay : addCalendarDays(fromDay, 1);
  const last = romeDay(to);
  if (first >= last) {
    const none: DayRange = [first, first];
    return { months: none, days: [none, none], wholeDays: none, edges: from < to ? [[from, to]] : [] };
  }
  const edges = ([[from, startOfRomeDay(first)], [startOfRomeDay(last), to]] as const).filter(([a, b]) => a < b);
  const monthStart = first.endsWith('-01') ? first : firstOfNextMonth(first);
  const monthEnd = firstOfMonth(last);
  if (monthStart >= monthEnd) return { months: [first, first], days: [[first, last], [last, last]], wholeDays: [first, last], edges };
  return { months: [monthStart, monthEnd], days: [[first, monthStart], [monthEnd, last]], wholeDays: [first, last], edges };
}
