/**
 * The parameter form of /parametri, generated from a process key's JSON
 * Schema: one field per leaf (numbers, dates, choices, yes/no, lists written
 * as comma-separated values, free-key groups), the form's strings parsed back
 * to typed values, and the overrides (what differs from the shipped layers)
 * computed as a partial object for ParameterService.update.
 */
import type { Json, JsonObject } from '../../tailoring/parameters/merge.js';
import { isPlainObject } from '../../tailoring/parameters/merge.js';
import { formatDate } from '../format.js';

type Kind = 'number' | 'integer' | 'date' | 'text' | 'choice' | 'boolean' | 'numberList' | 'choiceList';

export interface ParamField {
  path: string;
  kind: Kind;
  label: string;
  options?: string[];
  min?: number;
  max?: number;
}
export interface ParamGroup {
  title: string | null;
  fields: ParamField[];
}

/** The schema's leaves in schema order, grouped by their top-level object (ungrouped leaves first). */
export function schemaFields(schema: JsonObject, values: JsonObject): ParamGroup[] {
  const top: ParamGroup = { title: null, fields: [] };
  const groups: ParamGroup[] = [top];
  const props = (isPlainObject(schema.properties) ? schema.properties : {}) as Record<string, JsonObject>;
  for (const [key, prop] of Object.entries(props)) {
    if (prop.type === 'object' || isPlainObject(prop.properties)) {
      const group: ParamGroup = { title: str(prop.title) ?? key, fields: [] };
      const inner = (isPlainObject(prop.properties) ? prop.properties : {}) as Record<string, JsonObject>;
      for (const [k, p] of Object.entries(inner)) group.fields.push(leaf(`${key}.${k}`, p));
      // free keys (additionalProperties with a schema): the keys the merged values have
      if (isPlainObject(prop.additionalProperties)) {
        const current = isPlainObject(values[key]) ? values[key] : {};
        for (const k of Object.keys(current)) if (!inner[k]) group.fields.push(leaf(`${key}.${k}`, { ...prop.additionalProperties, title: k }));
      }
      groups.push(group);
    } else {
      top.fields.push(leaf(key, prop));
    }
  }
  return groups.filter((g) => g.fields.length);
}

function leaf(path: string, p: JsonObject): ParamField {
  const label = str(p.title) ?? path;
  const range = { ...(typeof p.minimum === 'number' ? { min: p.minimum } : {}), ...(typeof p.maximum === 'number' ? { max: p.maximum } : {}) };
  if (Array.isArray(p.enum)) return { path, kind: 'choice', label, options: p.enum.map(String) };
  if (p.type === 'integer') return { path, kind: 'integer', label, ...range };
  if (p.type === 'number') return { path, kind: 'number', label, ...range };
  if (p.type === 'boolean') return { path, kind: 'boolean', label };
  if (p.type === 'string' && p.format === 'date') return { path, kind: 'date', label };
  if (p.type === 'array' && isPlainObject(p.items)) {
    if (Array.isArray(p.items.enum)) return { path, kind: 'choiceList', label, options: p.items.enum.map(String) };
    return { path, kind: 'numberList', label };
  }
  return { path, kind: 'text', label };
}

/** The value as the form shows it (Italian decimals, comma-separated lists). */
export function displayValue(f: ParamField, v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (f.kind === 'number' || f.kind === 'integer') return typeof v === 'number' ? String(v).replace('.', ',') : String(v);
  if (f.kind === 'numberList') return Array.isArray(v) ? v.map((n) => String(n).replace('.', ',')).join('; ') : String(v);
  if (f.kind === 'choiceList') return Array.isArray(v) ? v.join(', ') : String(v);
  if (f.kind === 'boolean') return v === true ? 'true' : v === false ? 'false' : '';
  return String(v);
}

/** What a person reads for a value (dates gg/mm/aaaa, Sì/No). */
export function readableValue(f: ParamField | undefined, v: Json | undefined): string {
  if (v === undefined || v === null) return '—';
  if (f?.kind === 'boolean') return v ? 'Sì' : 'No';
  if (f?.kind === 'date' && typeof v === 'string') return formatDate(v);
  if (!f) return typeof v === 'object' ? JSON.stringify(v) : String(v);
  return displayValue(f, v);
}

/** Parses one submitted string; an Italian message when it cannot be read (the schema's own rules are the server's). */
export function parseValue(f: ParamField, raw: string): { value?: Json; error?: string } {
  const s = raw.trim();
  if (s === '') return { error: 'Inserire un valore.' };
  switch (f.kind) {
    case 'number':
    case 'integer': {
      const n = parseNumber(s);
      if (n === null) return { error: 'Inserire un numero (es. 1234,56).' };
      return { value: n };
    }
    case 'boolean':
      return s === 'true' ? { value: true } : s === 'false' ? { value: false } : { error: 'Scegliere Sì o No.' };
    case 'numberList': {
      const parts = s.split(';').map((x) => x.trim()).filter(Boolean);
      const nums = parts.map(parseNumber);
      if (nums.some((n) => n === null)) return { error: 'Inserire numeri separati da punto e virgola (es. 1; 1,57; 2,04).' };
      return { value: nums as number[] };
    }
    case 'choiceList':
      return { value: s.split(',').map((x) => x.trim()).filter(Boolean) };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(s) ? { value: s } : { error: 'Inserire una data valida.' };
    default:
      return { value: s };
  }
}

function parseNumber(s: string): number | null {
  const t = s.replace(/\s|€/g, '');
  if (!/^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$/.test(t) && !/^-?\d+(\.\d+)?$/.test(t)) return null;
  const n = /,/.test(t) || /^-?\d{1,3}(\.\d{3})+$/.test(t) ? Number(t.replace(/\./g, '').replace(',', '.')) : Number(t);
  return Number.isFinite(n) ? n : null;
}

export function getPath(obj: JsonObject, path: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const k of path.split('.')) cur = isPlainObject(cur) ? cur[k] : undefined;
  return cur;
}

export function setPath(obj: JsonObject, path: string, value: Json): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[keys[keys.length - 1]!] = value;
}

export function sameValue(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Leaf paths whose values differ between two override sets (the history's «what changed»). */
export function changedPaths(before: JsonObject, after: JsonObject, prefix = ''): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: string[] = [];
  for (const k of keys) {
    const path = prefix ? `${prefix}.${k}` : k;
    const a = before[k];
    const b = after[k];
    if (isPlainObject(a) && isPlainObject(b)) out.push(...changedPaths(a, b, path));
    else if (!sameValue(a, b)) out.push(path);
  }
  return out;
}

function str(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}
