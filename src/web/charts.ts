/**
 * Bar charts drawn on the server as SVG (no script): horizontal bars, one row
 * per label, optionally stacked; `role="img"` with a title and a description,
 * and the same figures always in a table next to the chart. Colours are the
 * Bootstrap Italia palette; every bar also carries its number as text.
 */
import Handlebars from 'handlebars';
import { formatCount } from './format.js';

/** Built once: an Intl formatter costs far more to create than to use. */
const ONE_DECIMAL = new Intl.NumberFormat('it-IT', { maximumFractionDigits: 1 });

export interface BarSeries {
  label: string;
  /** CSS fill; text on the bar is not used, so any contrast with white works. */
  color: string;
}

export interface BarChart {
  id: string;
  title: string;
  description: string;
  series: BarSeries[];
  rows: Array<{ label: string; values: number[] }>;
  /** Fixed scale (e.g. 100 for percentages); else the largest row total. */
  max?: number;
  unit?: string;
}

const esc = (s: string) => Handlebars.escapeExpression(s);
const ROW = 26;
const LABEL_W = 260;
const BAR_W = 420;
const VALUE_W = 110;

/** The chart as an SVG string (safe to insert: every text is escaped). */
export function barChartSvg(c: BarChart): Handlebars.SafeString {
  const totals = c.rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const max = c.max ?? Math.max(1, ...totals);
  const legendH = c.series.length > 1 ? 24 : 0;
  const height = legendH + Math.max(1, c.rows.length) * ROW + 8;
  const width = LABEL_W + BAR_W + VALUE_W;
  const parts: string[] = [];
  if (legendH) {
    let x = LABEL_W;
    for (const s of c.series) {
      parts.push(`<rect x="${x}" y="4" width="12" height="12" fill="${esc(s.color)}"/><text x="${x + 16}" y="15" font-size="12" fill="#1a1a1a">${esc(s.label)}</text>`);
      x += 24 + s.label.length * 7;
    }
  }
  c.rows.forEach((r, i) => {
    const y = legendH + i * ROW + 4;
    const label = r.label.length > 38 ? `${r.label.slice(0, 37)}…` : r.label;
    parts.push(`<text x="${LABEL_W - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="#1a1a1a">${esc(label)}</text>`);
    let x = LABEL_W;
    r.values.forEach((v, k) => {
      const w = max > 0 ? (Math.max(0, v) / max) * BAR_W : 0;
      if (w > 0) parts.push(`<rect x="${x.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="16" fill="${esc(c.series[k]?.color ?? '#0066cc')}"/>`);
      x += w;
    });
    const text = r.values.length > 1 ? r.values.map((v) => formatCount(v)).join(' / ') : `${formatValue(r.values[0] ?? 0)}${c.unit ?? ''}`;
    parts.push(`<text x="${x + 6}" y="${y + 15}" font-size="12" fill="#1a1a1a">${esc(text)}</text>`);
  });
  const svg = `<svg class="grafico" id="${esc(c.id)}" role="img" aria-labelledby="${esc(c.id)}-t ${esc(c.id)}-d" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="${esc(c.id)}-t">${esc(c.title)}</title><desc id="${esc(c.id)}-d">${esc(c.description)}</desc>${parts.join('')}</svg>`;
  return new Handlebars.SafeString(svg);
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? formatCount(v) : ONE_DECIMAL.format(v);
}

/** `45 min`, `5 h 12 min`, `3 g 4 h` (calendar time). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '–';
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `${d} g${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** `87,5 %` or a dash. */
export function formatPercent(p: number | null): string {
  return p === null ? '–' : `${ONE_DECIMAL.format(p)} %`;
}

/** A CSV file for Excel in Italian: `;` separated, decimal comma, BOM, CRLF. */
export function toCsv(header: string[], rows: Array<Array<string | number | null>>): string {
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    if (typeof v === 'number') return String(v).replace('.', ',');
    // A text starting like a formula is kept as text (CSV injection).
    const s = /^[=+\-@]/.test(v) ? `'${v}` : v;
    return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\ufeff${[header, ...rows].map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}
