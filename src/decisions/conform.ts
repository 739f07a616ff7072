/**
 * Conformance of a value to a DMN type resolved through the file's itemDefinitions (used for
 * typed decision results and typed BKM / function parameters and results).
 */
import { FeelDate, FeelDateTime, FeelDuration, FeelTime } from 'feelin';
import type { DmnType } from './model.js';

/**
 * A result as its declared itemDefinition type (DMN 1.3 §10.3.2.9.4): a list's elements and a
 * context's declared entries must conform (extra entries are allowed), a single value where a list
 * is declared is a singleton list; a value that does not conform is null (TCK 0082-feel-coercion).
 */
export function conform(value: unknown, type: DmnType): unknown {
  const FAIL = Symbol('fail');
  const walk = (v: unknown, t: DmnType): unknown => {
    if (v === null || v === undefined) return null;
    if (t.kind === 'collection') {
      if (!Array.isArray(v)) {
        const one = walk(v, t.of);
        return one === FAIL ? FAIL : [one];
      }
      const items = v.map((x) => walk(x, t.of));
      return items.includes(FAIL) ? FAIL : items;
    }
    // A singleton list where one value is declared is its element.
    if (t.kind === 'builtin' && Array.isArray(v) && v.length === 1) return walk(v[0], t);
    if (t.kind === 'context') {
      if (typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return FAIL;
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [k, ft] of Object.entries(t.fields)) {
        if (!(k in out)) return FAIL;
        out[k] = walk(out[k], ft);
        if (out[k] === FAIL) return FAIL;
      }
      return out;
    }
    return builtinFits(v, t.name) ? v : FAIL;
  };
  const out = walk(value, type);
  return out === FAIL ? null : out;
}

/** Whether a value is of a built-in type (unknown type names: yes). */
function builtinFits(v: unknown, name: string): boolean {
  if (['number', 'integer', 'long', 'double', 'decimal'].includes(name)) return typeof v === 'number';
  if (name === 'string') return typeof v === 'string';
  if (name === 'boolean') return typeof v === 'boolean';
  if (name === 'date') return v instanceof FeelDate;
  if (name === 'datetime' || name === 'date and time') return v instanceof FeelDateTime;
  if (name === 'time') return v instanceof FeelTime;
  if (name.includes('duration')) return v instanceof FeelDuration;
  return true;
}
