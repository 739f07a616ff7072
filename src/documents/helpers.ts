/**
 * Handlebars helpers available to every template. They return plain strings,
 * so Handlebars escapes their output like any other value.
 *   {{data d}} → 27 novembre 2026     {{dataOra d}} → lunedì 30 novembre 2026, ore 10:30
 *   {{euro n}} → € 1.234,50           {{#if (eq a "b")}} … {{/if}}   {{#if (or a b)}}
 *   {{maiuscolo s}} → upper case      {{numero @index}} → 1-based position
 */
import type Handlebars from 'handlebars';
import { formatDate, formatDateTime, formatEuro } from './format.js';

type Env = typeof Handlebars;

/** Handlebars passes an options object as the last argument of every helper. */
function args(all: unknown[]): unknown[] {
  return all.slice(0, -1);
}

export function registerHelpers(hb: Env): void {
  hb.registerHelper('data', (value: unknown) => formatDate(value));
  hb.registerHelper('dataOra', (value: unknown) => formatDateTime(value));
  hb.registerHelper('euro', (value: unknown) => formatEuro(value));
  hb.registerHelper('eq', (...all: unknown[]) => {
    const [a, b] = args(all);
    return a === b;
  });
  hb.registerHelper('or', (...all: unknown[]) => args(all).some(Boolean));
  hb.registerHelper('and', (...all: unknown[]) => args(all).every(Boolean));
  hb.registerHelper('maiuscolo', (value: unknown) => (typeof value === 'string' ? value.toLocaleUpperCase('it-IT') : ''));
  hb.registerHelper('numero', (value: unknown) => (typeof value === 'number' ? value + 1 : ''));
}
