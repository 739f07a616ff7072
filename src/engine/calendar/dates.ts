/**
 * Calendar-day helpers on the Europe/Rome local date. A "day" is an ISO date
 * string `YYYY-MM-DD`; day arithmetic runs on UTC-noon dates so it never
 * trips over daylight-saving changes. Inputs may be an ISO date, an ISO
 * date-time (with `Z` or an offset: its Rome local date counts; without one:
 * it is read as Rome wall time), a Date or epoch milliseconds.
 */

export const TIME_ZONE = 'Europe/Rome';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|([+-])(\d{2}):?(\d{2})?)?$/i;
const DAY_MS = 86_400_000;

const partsFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The Europe/Rome wall-clock time of an instant. */
export function romeWallTime(at: Date): WallTime {
  const p: Record<string, number> = {};
  for (const part of partsFormat.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second!, ms: at.getUTCMilliseconds() };
}

/** Offset of Europe/Rome from UTC at an instant, in minutes (60 in winter, 120 in summer). */
export function romeOffsetMinutes(at: Date): number {
  const w = romeWallTime(at);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  return Math.round((asUtc - at.getTime()) / 60_000);
}

/** The instant of a Europe/Rome wall-clock time (in the DST gap, the hour after; in the repeated hour, the first). */
export function fromRomeWallTime(w: WallTime): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  let guess = asUtc - romeOffsetMinutes(new Date(asUtc)) * 60_000;
  guess = asUtc - romeOffsetMinutes(new Date(guess)) * 60_000;
  return new Date(guess);
}

export function isIsoDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DAY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function dayOf(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'un valore vuoto';
  return typeof value === 'string' ? `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"` : String(value);
}

/** Reads a date input: the instant it names (null for a plain ISO date) and its Rome local day. */
export function readDate(value: unknown): { day: string; instant: Date | null; dateOnly: boolean } {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('Data non valida');
    return { day: romeDay(value), instant: value, dateOnly: false };
  }
  if (typeof value === 'number' && Number.isFinite(value)) return readDate(new Date(value));
  if (typeof value === 'string') {
    const s = value.trim();
    if (isIsoDay(s)) return { day: s, instant: null, dateOnly: true };
    const m = ISO_DATE_TIME.exec(s);
    if (m && isIsoDay(`${m[1]}-${m[2]}-${m[3]}`) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6] ?? 0) < 60) {
      const wall: WallTime = {
        year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
        hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0), ms: Math.floor(Number(`0.${m[7] ?? 0}`) * 1000),
      };
      if (!m[8]) return { day: `${m[1]}-${m[2]}-${m[3]}`, instant: fromRomeWallTime(wall), dateOnly: false };
      const offset = m[8].toUpperCase() === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
      const at = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.ms) - offset * 60_000);
      return { day: romeDay(at), instant: at, dateOnly: false };
    }
  }
  throw new Error(`${describe(value)} non è una data ISO-8601 (AAAA-MM-GG o data e ora)`);
}

/** The Europe/Rome local date of an instant: 2026-12-31T23:30:00Z is already 2027-01-01. */
export function romeDay(at: Date): string {
  const w = romeWallTime(at);
  return dayOf(w.year, w.month, w.day);
}

/** The Rome local date of any accepted date input. */
export function toDay(value: unknown): string {
  return readDate(value).day;
}

function noon(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, 12));
}

export function addCalendarDays(day: string, n: number): string {
  const d = noon(day);
  d.setUTCDate(d.getUTCDate() + n);
  return dayOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: string): number {
  return noon(day).getUTCDay();
}

/** Whole days from a to b (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((noon(b).getTime() - noon(a).getTime()) / DAY_MS);
}

/** The last second of a Rome day (23:59:59 Europe/Rome) as a UTC ISO date-time, e.g. 2026-12-22T22:59:59.000Z. */
export function endOfRomeDay(day: string): string {
  const [year, month, d] = day.split('-').map(Number) as [number, number, number];
  return fromRomeWallTime({ year, month, day: d, hour: 23, minute: 59, second: 59, ms: 0 }).toISOString();
}

/** Adds calendar years/months (clamped to the month's end: 31 Jan + 1 month = 28/29 Feb) and days to a Rome wall time. */
export function addToWallTime(w: WallTime, months: number, days: number): WallTime {
  const first = new Date(Date.UTC(w.year, w.month - 1 + months, 1, 12));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0, 12)).getUTCDate();
  first.setUTCDate(Math.min(w.day, last) + days);
  return { ...w, year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day: first.getUTCDate() };
}
