/**
 * A comune's working-day calendar: Monday to Friday (Saturday too when the
 * comune says so), except Italian national holidays, the patron saint's day
 * and the comune's extra closures. Days are ISO dates (Europe/Rome local
 * dates; a date-time or Date counts for its Rome local date); the non-working
 * days are computed once per year and kept.
 */
import { addCalendarDays, daysBetween, toDay, weekday } from './dates.js';
import { nationalHolidays, type Holiday } from './holidays.js';
import { normalizeSettings, type CalendarSettings, type NormalizedCalendarSettings } from './settings.js';

const MAX_STEPS = 20_000;
const KIND_ORDER = { national: 0, patron: 1, closure: 2 } as const;

export class WorkingCalendar {
  readonly settings: NormalizedCalendarSettings;
  private readonly years = new Map<number, { list: readonly Holiday[]; days: ReadonlySet<string> }>();

  constructor(settings: CalendarSettings | Record<string, unknown> = {}) {
    this.settings = normalizeSettings(settings);
  }

  /** The non-working holidays and closures of a year (national, patron, closure), sorted by date. */
  holidays(year: number): readonly Holiday[] {
    return this.year(year).list;
  }

  /** The holidays and closures falling on one day (empty on an ordinary day, weekends included). */
  holidaysOn(date: string | Date): Holiday[] {
    const day = toDay(date);
    return this.holidays(Number(day.slice(0, 4))).filter((h) => h.date === day);
  }

  isWorkingDay(date: string | Date): boolean {
    const day = toDay(date);
    const wd = weekday(day);
    if (wd === 0 || (wd === 6 && !this.settings.saturdayWorking)) return false;
    return !this.year(Number(day.slice(0, 4))).days.has(day);
  }

  /**
   * The n-th working day after `day` (n > 0) or before it (n < 0); `day` itself
   * is day 0 and never counts: Thu 29 Mar 2018 + 2 = Tue 3 Apr 2018 (Easter
   * Monday skipped). n = 0 gives `day` back, working or not.
   */
  addWorkingDays(date: string | Date, n: number): string {
    const day = toDay(date);
    if (!Number.isInteger(n)) throw new Error(`Numero di giorni lavorativi non intero: ${n}`);
    if (Math.abs(n) > MAX_STEPS / 2) throw new Error(`Troppi giorni lavorativi: ${n}`);
    const step = n < 0 ? -1 : 1;
    let left = Math.abs(n);
    let current = day;
    for (let guard = 0; left > 0; guard++) {
      if (guard > MAX_STEPS) throw new Error('Nessun giorno lavorativo trovato');
      current = addCalendarDays(current, step);
      if (this.isWorkingDay(current)) left--;
    }
    return current;
  }

  /** `day` if it is a working day, else the first working day after it. */
  nextWorkingDay(date: string | Date): string {
    const day = toDay(date);
    return this.isWorkingDay(day) ? day : this.addWorkingDays(day, 1);
  }

  /**
   * Working days from a to b: those after a up to b included when b is later,
   * minus those from b up to a excluded when b is earlier, so that
   * workingDaysBetween(a, addWorkingDays(a, n)) === n.
   */
  workingDaysBetween(from: string | Date, to: string | Date): number {
    const a = toDay(from);
    const b = toDay(to);
    const span = daysBetween(a, b);
    if (Math.abs(span) > MAX_STEPS * 2) throw new Error('Intervallo di date troppo ampio');
    let count = 0;
    if (span >= 0) {
      for (let d = addCalendarDays(a, 1), i = 0; i < span; i++, d = addCalendarDays(d, 1)) if (this.isWorkingDay(d)) count++;
      return count;
    }
    for (let d = b, i = 0; i < -span; i++, d = addCalendarDays(d, 1)) if (this.isWorkingDay(d)) count++;
    return -count;
  }

  private year(year: number) {
    let y = this.years.get(year);
    if (!y) {
      const { patronDay, patronName, closures } = this.settings;
      const list: Holiday[] = [...nationalHolidays(year)];
      if (patronDay && (patronDay !== '02-29' || new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1)) {
        list.push({ date: `${year}-${patronDay}`, name: patronName ?? 'Santo patrono', kind: 'patron' });
      }
      for (const c of closures) if (c.startsWith(`${year}-`)) list.push({ date: c, name: 'Chiusura degli uffici', kind: 'closure' });
      list.sort((p, q) => p.date.localeCompare(q.date) || KIND_ORDER[p.kind] - KIND_ORDER[q.kind]);
      y = { list: Object.freeze(list), days: new Set(list.map((h) => h.date)) };
      this.years.set(year, y);
    }
    return y;
  }
}

export function createCalendar(settings: CalendarSettings | Record<string, unknown> = {}): WorkingCalendar {
  return new WorkingCalendar(settings);
}
