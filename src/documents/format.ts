/**
 * Italian formatting for documents: dates ("27 novembre 2026"), date and time
 * in Europe/Rome ("lunedì 30 novembre 2026, ore 10:30") and euro amounts
 * ("€ 1.234,50"). Unreadable input gives an empty string, never an error.
 */
const ZONE = 'Europe/Rome';
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

const longDate = new Intl.DateTimeFormat('it-IT', { day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE });
const longDateUtc = new Intl.DateTimeFormat('it-IT', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const weekdayDate = new Intl.DateTimeFormat('it-IT', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE });
const time = new Intl.DateTimeFormat('it-IT', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE });
const compact = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: ZONE });

/** A Date, an ISO date (YYYY-MM-DD, a calendar day) or an ISO date-time; null when unreadable. */
function toDate(value: unknown): { date: Date; dayOnly: boolean } | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : { date: value, dayOnly: false };
  if (typeof value !== 'string' || !value.trim()) return null;
  const m = DATE_ONLY.exec(value.trim());
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3]) ? null : { date: d, dayOnly: true };
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : { date: d, dayOnly: false };
}

/** "27 novembre 2026". */
export function formatDate(value: unknown): string {
  const d = toDate(value);
  if (!d) return '';
  return (d.dayOnly ? longDateUtc : longDate).format(d.date);
}

/** "lunedì 30 novembre 2026, ore 10:30" (a date without time gives just the day). */
export function formatDateTime(value: unknown): string {
  const d = toDate(value);
  if (!d) return '';
  if (d.dayOnly) return formatDate(value);
  return `${weekdayDate.format(d.date)}, ore ${time.format(d.date)}`;
}

/** "20261127" in Europe/Rome, for file names. */
export function compactDate(value: Date): string {
  return compact.format(value).replaceAll('-', '');
}

/** "€ 1.234,50"; empty for anything that is not a finite number (or numeric string). */
export function formatEuro(value: unknown): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return '';
  const [int, dec] = Math.abs(n).toFixed(2).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${n < 0 ? '-' : ''}€ ${grouped},${dec}`;
}

/** Hours between two instants (b - a), rounded down. */
export function hoursBetween(a: Date, b: Date): number {
  return Math.floor((b.getTime() - a.getTime()) / 3_600_000);
}
