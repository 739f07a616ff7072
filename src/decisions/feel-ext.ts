/**
 * What our layer adds around feelin before a FEEL text reaches it (issue 15):
 *  - type syntax the FEEL parser does not know, `range<T>` (in `instance of` and
 *    typed parameters), rewritten to a type name whose guard is in the context;
 *  - the DMN 1.5 conversion function `range(from)` (a string holding a range
 *    literal; endpoints must be literals, as the TCK `1156-range-function` checks);
 *  - Java external functions (`function(x) external {java: {class: …, method signature: …}}`),
 *    rewritten to a call of `rei_java`, which maps them to ./java-functions.ts;
 *  - `rei_typed(result, type, args, types)`: a typed BKM or function definition's result, null when
 *    an argument or the result does not conform to its declared type (types as JSON, see parse.ts).
 * Rewritten texts are kept in a bounded map, so a text is rewritten once.
 */
import { FeelFunction, FeelRange, evaluate, isRange } from 'feelin';
import { conform } from './conform.js';
import { javaFunction } from './java-functions.js';
import type { DmnType } from './model.js';

const MAX_TEXTS = 20_000;
const rewritten = new Map<string, string>();

/**
 * What our layer puts in every FEEL context: the `range` function (set below) and the guards for
 * `range<T>` in use, by the name the type is rewritten to (value instanceof guard ⇔ value is a range of T).
 */
const globals: Record<string, unknown> = {};

/** `range<T>` outside string literals rewritten to `rei_range_of_T` (a type name feelin resolves from the context). */
export function rewriteFeel(text: string): string {
  if (!text.includes('<') && !text.includes('external')) return text;
  const hit = rewritten.get(text);
  if (hit !== undefined) return hit;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const java = /^function\s*\(([^)]*)\)\s*external\s*\{\s*java\s*:\s*\{\s*class\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*method\s+signature\s*:\s*("(?:[^"\\]|\\.)*")\s*\}\s*\}/.exec(text.slice(i));
    if (java && !/[\w$]/.test(text[i - 1] ?? '')) {
      out += javaCall(java[2]!, java[3]!, java[1]!.split(',').map((p) => p.trim().replace(/\s*:.*$/, '')).filter(Boolean));
      i += java[0].length;
      continue;
    }
    const m = /^range\s*<\s*([A-Za-z][A-Za-z ]*?)\s*>/.exec(text.slice(i));
    if (m && !/[\w$]/.test(text[i - 1] ?? '')) {
      out += guardName(m[1]!.replace(/\s+/g, ' '));
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  if (rewritten.size >= MAX_TEXTS) rewritten.clear();
  rewritten.set(text, out);
  return out;
}

/** The FEEL for a Java external function (class and signature as FEEL expressions, the parameters' names). */
export function javaCall(cls: string, signature: string, parameters: readonly string[]): string {
  return `rei_java(${cls}, ${signature}, [${parameters.map((p) => JSON.stringify(p)).join(', ')}])`;
}

/** Names our layer puts in every FEEL context (the `range` function and the type guards in use). */
export function feelGlobals(): Readonly<Record<string, unknown>> {
  return globals;
}

function guardName(type: string): string {
  const name = `rei_range_of_${type.replace(/ /g, '_')}`;
  if (!(name in globals)) {
    const point = (v: unknown) => v === null || evaluate(`x instance of ${type}`, { x: v }).value === true;
    // A function (feelin resolves a type name to a constructor and tests `value instanceof` it).
    const guard = function rangeGuard(): void {};
    Object.defineProperty(guard, Symbol.hasInstance, { value: (v: unknown) => isRange(v) && point(v.start) && point(v.end) });
    globals[name] = guard;
  }
  return name;
}

/** Index just past the string literal starting at `from` (a `"`). */
function stringEnd(text: string, from: number): number {
  let i = from + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

/** A range endpoint literal: number, string, @-literal or a temporal constructor on a string literal. */
const ENDPOINT = /^(?:-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|@"(?:[^"\\]|\\.)*"|(?:date and time|date|time|duration)\s*\(\s*"(?:[^"\\]|\\.)*"\s*\))$/;

/** DMN 1.5 `range(from)`: the range literal written in `from`, or null (not a string, open or reversed bounds, mixed types). */
function rangeOf(from: unknown): FeelRange | null {
  if (typeof from !== 'string') return null;
  const m = /^([[(\]])(.*)\.\.(.*)([\])[])$/s.exec(from.trim());
  if (!m) return null;
  const [, open, a, b, close] = m as unknown as [string, string, string, string, string];
  const start = a.trim();
  const end = b.trim();
  if (!ENDPOINT.test(start) || !ENDPOINT.test(end)) return null;
  try {
    const s = evaluate(start).value;
    const e = evaluate(end).value;
    if (kindOf(s) !== kindOf(e) || evaluate('s <= e', { s, e }).value !== true) return null;
    const range = evaluate(`[${start}..${end}]`).value;
    if (!isRange(range)) return null;
    return new FeelRange({ start: s, end: e, 'start included': open === '[', 'end included': close === ']', valueType: range.valueType });
  } catch {
    return null;
  }
}

/** The FEEL type of an endpoint, finely enough to refuse `[date..date and time]` (a constructor name, duration kinds apart). */
function kindOf(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v;
  const kind = (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  return 'yearsMonths' in v ? `${kind}:${String((v as { yearsMonths: unknown }).yearsMonths)}` : kind;
}

globals.range = new FeelFunction(rangeOf, ['from']);
globals.rei_typed = new FeelFunction(
  (result: unknown, type: unknown, args: unknown, types: unknown) => {
    const parse = (t: unknown) => (typeof t === 'string' ? (JSON.parse(t) as DmnType) : null);
    const argTypes = Array.isArray(types) ? types : [];
    const given = Array.isArray(args) ? args : [];
    for (let i = 0; i < argTypes.length; i++) {
      const t = parse(argTypes[i]);
      if (t && given[i] !== null && given[i] !== undefined && conform(given[i], t) === null) return null;
    }
    const out = parse(type);
    return out ? conform(result, out) : result;
  },
  ['result', 'type', 'args', 'types'],
);
globals.rei_java = new FeelFunction((cls: unknown, signature: unknown, parameters: unknown) => new FeelFunction(javaFunction(cls, signature), Array.isArray(parameters) ? (parameters as string[]) : []), ['class', 'signature', 'parameters']);
