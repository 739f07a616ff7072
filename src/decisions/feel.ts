/**
 * FEEL through feelin only: syntax checks for deploy time, expression and
 * unary-test evaluation, typeRef coercion of values entering or leaving a
 * decision, and conversion of FEEL values (dates, ranges…) to plain JSON.
 */
import { FeelDate, FeelDateTime, FeelDuration, FeelTime, duration, evaluate, parseDate, parseDateTime, parseExpression, parseTime, parseUnaryTests, unaryTest } from 'feelin';
import type { DmnType } from './model.js';
import { DecisionEvaluationError } from './errors.js';
import { feelGlobals, rewriteFeel } from './feel-ext.js';

export type FeelContext = Record<string, unknown>;

/**
 * null when `text` parses as a FEEL expression (or unary tests), else the
 * parser's message. FEEL names may contain '-', '+', spaces…: `names` are the
 * ones known at deploy time (required decisions), so they parse as names.
 */
export function feelSyntaxError(text: string, kind: 'expression' | 'unaryTests', names: readonly string[] = []): string | null {
  if (kind === 'unaryTests' && isAnyValue(text)) return null;
  if (kind === 'expression' && text.trim() === '') return null;
  const context = Object.fromEntries(names.map((n) => [n, null]));
  const feel = rewriteFeel(text);
  const tree = kind === 'expression' ? parseExpression(feel, context, undefined) : parseUnaryTests(feel, context, undefined);
  let message: string | null = null;
  tree.iterate({
    enter(node) {
      if (message) return false;
      if (node.type.isError) {
        const near = feel.slice(node.from, Math.max(node.to, node.from + 12)).trim();
        message = node.from >= feel.trimEnd().length ? `espressione incompleta` : `simbolo inatteso alla posizione ${node.from + 1}${near ? ` ("${near}")` : ''}`;
        return false;
      }
      return undefined;
    },
  });
  return message;
}

/** `-` or an empty cell: the rule does not look at this input. */
export function isAnyValue(text: string): boolean {
  const t = text.trim();
  return t === '' || t === '-';
}

/** Value of a FEEL expression; an empty text is null. Missing variables are null (feelin warns, we do not fail). */
export function feelValue(text: string, context: FeelContext, where: string): unknown {
  if (text.trim() === '') return null;
  try {
    return evaluate(rewriteFeel(text), { ...feelGlobals(), ...context }).value;
  } catch (err) {
    throw new DecisionEvaluationError(`Espressione FEEL non valida in ${where}: ${(err as Error).message}`, { where, expression: text });
  }
}

/** Whether `input` satisfies the unary tests (`-`/empty: always). A null outcome counts as false. */
export function feelTest(text: string, input: unknown, context: FeelContext, where: string): boolean {
  if (isAnyValue(text)) return true;
  try {
    return unaryTest(rewriteFeel(text), { ...feelGlobals(), ...context, '?': input }).value === true;
  } catch (err) {
    throw new DecisionEvaluationError(`Test FEEL non valido in ${where}: ${(err as Error).message}`, { where, expression: text });
  }
}

const NUMBER_TYPES = new Set(['number', 'integer', 'long', 'double', 'decimal']);
const BUILTIN = new Set([...NUMBER_TYPES, 'string', 'boolean', 'date', 'datetime', 'date and time', 'time']);

/**
 * Converts a value to the declared typeRef where that is simple (numeric
 * strings to numbers, "true"/"false" to booleans, ISO strings to FEEL dates);
 * null stays null; other typeRefs pass through. A value that does not fit is
 * an evaluation error naming where it came from.
 */
export function coerce(value: unknown, typeRef: string | undefined, where: string): unknown {
  if (value === undefined || value === null) return null;
  const type = (typeRef ?? '').trim().toLowerCase();
  const fail = (): never => {
    throw new DecisionEvaluationError(`Valore ${describe(value)} non compatibile con il tipo "${typeRef}" in ${where}`, { where, typeRef, value: toPlain(value) });
  };
  if (!type || type === 'any') return value;
  // A singleton list where a single value is declared is its element (DMN 1.3 §10.3.2.9.4).
  if (Array.isArray(value) && value.length === 1 && BUILTIN.has(type)) return coerce(value[0], typeRef, where);
  if (type === 'string') return typeof value === 'string' ? value : fail();
  if (NUMBER_TYPES.has(type)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : NaN;
    if (!Number.isFinite(n) || ((type === 'integer' || type === 'long') && !Number.isInteger(n))) fail();
    return n;
  }
  if (type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return fail();
  }
  if (type === 'date') {
    if (value instanceof FeelDate) return value;
    const iso = value instanceof Date ? value.toISOString() : value instanceof FeelDateTime ? value.toJSON() : typeof value === 'string' ? value.trim() : '';
    const d = /^\d{4}-\d{2}-\d{2}/.test(iso) ? parseDate(iso.slice(0, 10)) : null;
    return d ?? fail();
  }
  if (type === 'datetime' || type === 'date and time') {
    if (value instanceof FeelDateTime) return value;
    const d = value instanceof Date ? parseDateTime(value.toISOString()) : typeof value === 'string' ? parseDateTime(value.trim()) : null;
    return d ?? fail();
  }
  return value;
}

/**
 * An input value as its declared DMN type (issue 15, item 4): ISO strings to
 * FEEL dates, times and durations, numeric strings to numbers, lists and
 * contexts element by element. A value that does not fit is null, as the DMN
 * specification says for input data.
 */
export function coerceInput(value: unknown, type: DmnType): unknown {
  if (value === undefined || value === null) return null;
  if (type.kind === 'collection') return Array.isArray(value) ? value.map((v) => coerceInput(v, type.of)) : null;
  if (type.kind === 'context') {
    if (typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return null;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [k, t] of Object.entries(type.fields)) if (k in out) out[k] = coerceInput(out[k], t);
    return out;
  }
  const name = type.name;
  // A singleton list where a single value is declared is its element (DMN 1.3 §10.3.2.9.4; TCK 0082 decisionService_002_b).
  if (Array.isArray(value) && value.length === 1 && BUILTIN.has(name)) return coerceInput(value[0], type);
  if (name === 'time') return value instanceof FeelTime ? value : typeof value === 'string' ? parseTime(value.trim()) : null;
  if (name.includes('duration')) return value instanceof FeelDuration ? value : typeof value === 'string' ? duration(value.trim()) : null;
  if (name === 'string') return typeof value === 'string' ? value : null;
  if (NUMBER_TYPES.has(name)) return typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : null;
  if (name === 'boolean') return typeof value === 'boolean' ? value : null;
  if (name === 'date' || name === 'datetime' || name === 'date and time') {
    try {
      return coerce(value, name, 'input');
    } catch {
      return null;
    }
  }
  return value;
}

/** A FEEL value as plain JSON: dates and durations as ISO strings, ranges and functions as null. */
export function toPlain(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof FeelDate || value instanceof FeelDateTime || value instanceof FeelTime || value instanceof FeelDuration) return value.toJSON();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toPlain(v)]));
  }
  return null;
}

/** Structural equality of plain values (ANY: the matching rules must agree). */
export function samePlain(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(toPlain(a))) === JSON.stringify(sortKeys(toPlain(b)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function describe(value: unknown): string {
  const s = JSON.stringify(toPlain(value)) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

