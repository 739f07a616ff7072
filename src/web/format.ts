/** Italian formats for the pages: dates gg/mm/aaaa and times HH:mm in Europe/Rome, amounts 1.234,56 €. */
const DAY = new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', day: '2-digit', month: '2-digit', year: 'numeric' });
const TIME = new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const MONEY = new Intl.NumberFormat('it-IT', { style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: true });

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-');
    return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), 12));
  }
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `02/12/2026`; an ISO day `2026-12-02` is that day whatever the time zone. */
export function formatDate(value: unknown): string {
  const d = toDate(value);
  return d ? DAY.format(d) : '';
}

/** `02/12/2026 14:30` (Europe/Rome). */
export function formatDateTime(value: unknown): string {
  const d = toDate(value);
  return d ? `${DAY.format(d)} ${TIME.format(d)}` : '';
}

/** `1.234,56 €` */
export function formatMoney(value: unknown): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? MONEY.format(n).replace(/\u00a0/g, ' ') : '';
}

const COUNT = new Intl.NumberFormat('it-IT', { useGrouping: true, maximumFractionDigits: 0 });

/** `1.000`, `100.000` (grouped from four digits, as offices write them). */
export function formatCount(n: number): string {
  return COUNT.format(n);
}
