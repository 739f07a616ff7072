/**
 * Italian national public holidays, from the date-holidays library (loaded on
 * first use: its data for every country takes most of a second to load), kept
 * per year. The festa nazionale di San Francesco d'Assisi (4 October) is a
 * public holiday again from 2026 (legge 151/2025); date-holidays 3.37 lists
 * it, and it is added here should a version of the library miss it.
 */
import { createRequire } from 'node:module';

type HolidaysClass = typeof import('date-holidays').default;

export interface Holiday {
  /** ISO date, YYYY-MM-DD. */
  date: string;
  name: string;
  kind: 'national' | 'patron' | 'closure';
}

export const MIN_YEAR = 1950;
export const MAX_YEAR = 2200;
export const SAN_FRANCESCO_FROM = 2026;

let italy: InstanceType<HolidaysClass> | null = null;
const byYear = new Map<number, readonly Holiday[]>();

function library(): InstanceType<HolidaysClass> {
  if (!italy) {
    const Holidays = createRequire(import.meta.url)('date-holidays') as HolidaysClass;
    italy = new Holidays('IT', { types: ['public'], languages: ['it'] });
  }
  return italy;
}

/** The national public holidays of a year (Sundays such as Easter included), sorted by date. */
export function nationalHolidays(year: number): readonly Holiday[] {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) throw new Error(`Anno fuori dall'intervallo gestito (${MIN_YEAR}-${MAX_YEAR}): ${year}`);
  let list = byYear.get(year);
  if (!list) {
    const found = (library().getHolidays(year) || [])
      .filter((h) => h.type === 'public')
      .map((h): Holiday => ({ date: h.date.slice(0, 10), name: h.name, kind: 'national' }));
    if (year >= SAN_FRANCESCO_FROM && !found.some((h) => h.date === `${year}-10-04`)) {
      found.push({ date: `${year}-10-04`, name: "Festa nazionale di San Francesco d'Assisi", kind: 'national' });
    }
    list = Object.freeze(found.sort((a, b) => a.date.localeCompare(b.date)));
    byYear.set(year, list);
  }
  return list;
}
