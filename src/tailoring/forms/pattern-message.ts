/**
 * The Italian message for a value that does not match a field's
 * `validate.pattern`: the form's own `validate.patternErrorMessage` when set
 * (form-js has no such property yet — bpmn-io/form-js#1360 — so the field is
 * ours, ignored by form-js in the browser), else a template derived from the
 * regular expression for the common shapes (`^CAF-\d{4}-\d{6}$` →
 * "formato atteso: CAF-NNNN-NNNNNN (N = cifra)"), else a plain "formato non
 * valido". The raw regular expression is never shown to the user.
 */

export function patternMessage(pattern: string, custom?: unknown): string {
  if (typeof custom === 'string' && custom.trim()) return custom.trim();
  const described = describePattern(pattern);
  return described ? `formato atteso: ${described}` : 'formato non valido';
}

interface CharClass {
  symbol: string;
  legend: string;
  plural: string;
}

const CLASSES: Record<string, CharClass> = {
  '\\d': { symbol: 'N', legend: 'N = cifra', plural: 'cifre' },
  '[0-9]': { symbol: 'N', legend: 'N = cifra', plural: 'cifre' },
  '[A-Z]': { symbol: 'L', legend: 'L = lettera maiuscola', plural: 'lettere maiuscole' },
  '[a-z]': { symbol: 'l', legend: 'l = lettera minuscola', plural: 'lettere minuscole' },
  '[A-Za-z]': { symbol: 'L', legend: 'L = lettera', plural: 'lettere' },
  '[a-zA-Z]': { symbol: 'L', legend: 'L = lettera', plural: 'lettere' },
  '[A-Z0-9]': { symbol: 'X', legend: 'X = lettera maiuscola o cifra', plural: 'lettere maiuscole o cifre' },
  '[0-9A-Z]': { symbol: 'X', legend: 'X = lettera maiuscola o cifra', plural: 'lettere maiuscole o cifre' },
  '[A-Za-z0-9]': { symbol: 'X', legend: 'X = lettera o cifra', plural: 'lettere o cifre' },
  '[a-zA-Z0-9]': { symbol: 'X', legend: 'X = lettera o cifra', plural: 'lettere o cifre' },
  '[A-Za-z ]': { symbol: 'L', legend: 'L = lettera o spazio', plural: 'lettere o spazi' },
  '\\w': { symbol: 'X', legend: 'X = lettera, cifra o _', plural: 'lettere, cifre o _' },
};

/** A readable template of a simple anchored pattern (literals, character classes, quantifiers); null when the pattern is not that simple. */
export function describePattern(pattern: string): string | null {
  let src = pattern;
  if (src.startsWith('^')) src = src.slice(1);
  if (src.endsWith('$') && !src.endsWith('\\$')) src = src.slice(0, -1);
  if (!src) return null;
  let out = '';
  const legends = new Set<string>();
  let i = 0;
  while (i < src.length) {
    let cls: CharClass | null = null;
    let literal: string | null = null;
    const classMatch = Object.keys(CLASSES).find((k) => src.startsWith(k, i));
    if (classMatch) {
      cls = CLASSES[classMatch]!;
      i += classMatch.length;
    } else if (src[i] === '\\') {
      const next = src[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return null; // \s, \b, back-references…: not simple
      literal = next;
      i += 2;
    } else if (/[A-Za-z0-9 \-/_:,#@]/.test(src[i]!)) {
      literal = src[i]!;
      i += 1;
    } else {
      return null; // groups, alternatives, other classes, unescaped dots
    }
    const q = /^(?:\{(\d+)\}|\{(\d+),(\d*)\}|([+*?]))/.exec(src.slice(i));
    let min = 1;
    let max: number | null = 1;
    if (q) {
      i += q[0].length;
      if (q[1] !== undefined) min = max = Number(q[1]);
      else if (q[2] !== undefined) [min, max] = [Number(q[2]), q[3] ? Number(q[3]) : null];
      else [min, max] = q[4] === '+' ? [1, null] : q[4] === '*' ? [0, null] : [0, 1];
    }
    if (literal !== null) {
      if (min === 1 && max === 1) out += literal;
      else if (min === max) out += literal.repeat(min);
      else return null;
      continue;
    }
    const c = cls!;
    if (min === max && min <= 8) {
      out += c.symbol.repeat(min);
      legends.add(c.legend);
    } else if (min === max) out += `<${min} ${c.plural}>`;
    else if (max === null) out += min <= 1 ? `<${min === 0 ? 'zero o più' : 'una o più'} ${c.plural}>` : `<almeno ${min} ${c.plural}>`;
    else out += `<da ${min} a ${max} ${c.plural}>`;
  }
  return legends.size ? `${out} (${[...legends].join(', ')})` : out;
}
