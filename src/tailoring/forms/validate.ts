/**
 * Server-side validation of a task submission against its form-js schema, and
 * extraction of the form's current values from the process variables. Pure
 * functions, no I/O.
 *
 * Hand-written rather than reusing @bpmn-io/form-js-viewer: its Validator lives
 * inside the viewer's DI container, which renders with preact and needs a DOM,
 * and evaluates FEEL with feelin. The rules follow form-js's Validator
 * (required, min/max, minLength/maxLength on the trimmed text, pattern as an
 * unanchored RegExp — its message from `validate.patternErrorMessage` or
 * described in Italian, never the raw RegExp —, email/phone, decimalDigits, increment) plus what a
 * browser guarantees and a server must check itself: the value's type,
 * options among `values`, nested groups and dynamic lists.
 *
 * Deliberate differences, because the server cannot evaluate FEEL:
 *   - a constraint written as FEEL (`"min": "=…"`, `"required": "=…"`) is not
 *     enforced; options from `valuesKey`/`valuesExpression` are not checked;
 *   - a field with `conditional.hide` (or inside a container that has one) may
 *     be hidden in the browser: it is not required, but a value, when sent, is
 *     still checked;
 *   - `disabled`/`readonly` fields and `expression` fields are not validated;
 *   - a required text made only of spaces counts as empty.
 * Variables that are not in the form are refused before this runs (src/engine/execution/variable-policy.ts).
 */
import {
  COMPUTED_TYPES,
  CONTAINER_TYPES,
  STATIC_TYPES,
  bindsValue,
  isFeel,
  isPlainObject,
  splitPath,
  type FormComponent,
  type FormSchema,
} from './schema.js';
import { patternMessage } from './pattern-message.js';

export interface FieldError {
  /** Path of the field in the submitted variables, e.g. `richiedente.nome` or `componenti[1].codiceFiscale`. */
  field: string;
  message: string;
}

type Segment = string | number;

const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const PHONE = /^(\+|00)[1-9]\d{6,18}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;
const NUMERIC = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Every problem of `data` (the submitted variables) against the form; empty when valid. */
export function validateFormData(schema: FormSchema, data: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  walk(schema.components, data, [], false, errors);
  return errors;
}

function walk(components: FormComponent[], scope: unknown, prefix: Segment[], mayBeHidden: boolean, errors: FieldError[]): void {
  for (const c of components) {
    if (STATIC_TYPES.has(c.type)) continue;
    const hidden = mayBeHidden || hasHideCondition(c);
    if (c.type === 'group') {
      if (!c.path) {
        walk(c.components ?? [], scope, prefix, hidden, errors);
        continue;
      }
      const segs = splitPath(c.path);
      const inner = valueAt(scope, segs);
      if (inner !== undefined && inner !== null && !isPlainObject(inner)) {
        errors.push({ field: fieldName([...prefix, ...segs]), message: 'oggetto atteso' });
        continue;
      }
      walk(c.components ?? [], inner, [...prefix, ...segs], hidden, errors);
      continue;
    }
    if (c.type === 'dynamiclist') {
      const segs = splitPath(c.path ?? '');
      const list = valueAt(scope, segs);
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        errors.push({ field: fieldName([...prefix, ...segs]), message: 'elenco atteso' });
        continue;
      }
      list.forEach((item, i) => {
        const at = [...prefix, ...segs, i];
        if (!isPlainObject(item)) errors.push({ field: fieldName(at), message: 'oggetto atteso' });
        else walk(c.components ?? [], item, at, hidden, errors);
      });
      continue;
    }
    if (CONTAINER_TYPES.has(c.type) || !bindsValue(c)) continue;
    const segs = splitPath(c.key!);
    const field = fieldName([...prefix, ...segs]);
    for (const message of checkField(c, valueAt(scope, segs), hidden)) errors.push({ field, message });
  }
}

/** The problems of one field's value, in Italian. */
export function checkField(c: FormComponent, value: unknown, mayBeHidden = false): string[] {
  if (COMPUTED_TYPES.has(c.type) || c.disabled === true || c.readonly === true) return [];
  const v = isPlainObject(c.validate) ? c.validate : {};
  const empty =
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0) ||
    (c.type === 'checkbox' && value === false);
  if (empty) return v.required === true && !mayBeHidden ? ['campo obbligatorio'] : [];

  const errors: string[] = [];
  let num: number | undefined;
  let text: string | undefined;
  switch (c.type) {
    case 'textfield':
    case 'textarea':
    case 'filepicker':
      if (typeof value !== 'string') return ['testo atteso'];
      text = value;
      break;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) num = value;
      else if (c.serializeToString === true && typeof value === 'string' && NUMERIC.test(value.trim())) num = Number(value.trim());
      else return ['numero atteso'];
      errors.push(...numberStep(c, typeof value === 'string' ? value.trim() : String(value), num));
      break;
    case 'checkbox':
      if (typeof value !== 'boolean') return ['valore vero/falso atteso'];
      break;
    case 'radio':
    case 'select': {
      if (typeof value === 'object') return ['valore singolo atteso'];
      const allowed = staticOptions(c);
      if (allowed && !allowed.some((o) => o === value)) return [`valore non ammesso (ammessi: ${allowed.map(String).join(', ')})`];
      if (typeof value === 'string') text = value;
      break;
    }
    case 'checklist':
    case 'taglist': {
      if (!Array.isArray(value)) return ['elenco di valori atteso'];
      const allowed = staticOptions(c);
      if (allowed) {
        const wrong = value.filter((item) => !allowed.some((o) => o === item));
        if (wrong.length) return [`valori non ammessi: ${wrong.map((w) => JSON.stringify(w)).join(', ')} (ammessi: ${allowed.map(String).join(', ')})`];
      } else if (value.some((item) => typeof item === 'object' && item !== null)) {
        return ['elenco di valori semplici atteso'];
      }
      break;
    }
    case 'datetime': {
      const problem = dateProblem(c.subtype ?? 'date', value);
      if (problem) return [problem];
      break;
    }
    default:
      // A custom component: no type to check; the generic constraints still apply.
      if (typeof value === 'number') num = value;
      if (typeof value === 'string') text = value;
  }

  const min = constraint(v.min);
  const max = constraint(v.max);
  if (num !== undefined && min !== undefined && num < min) errors.push(`valore minimo ${min}`);
  if (num !== undefined && max !== undefined && num > max) errors.push(`valore massimo ${max}`);
  if (text !== undefined) {
    const length = [...text.trim()].length;
    const minLength = constraint(v.minLength);
    const maxLength = constraint(v.maxLength);
    if (minLength !== undefined && length < minLength) errors.push(`lunghezza minima ${minLength} caratteri`);
    if (maxLength !== undefined && length > maxLength) errors.push(`lunghezza massima ${maxLength} caratteri`);
    if (typeof v.pattern === 'string' && v.pattern && !isFeel(v.pattern) && !new RegExp(v.pattern).test(text)) errors.push(patternMessage(v.pattern, v.patternErrorMessage));
    if (v.validationType === 'email' && !EMAIL.test(text)) errors.push('indirizzo email non valido');
    if (v.validationType === 'phone' && !PHONE.test(text.replace(/[\s-]/g, ''))) errors.push('numero di telefono non valido: formato internazionale atteso (es. +390212345678)');
  }
  return errors;
}

/** The form's fields with their current values in `variables` (same nesting as a submission). */
export function extractFormData(schema: FormSchema, variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  extract(schema.components, variables, out, variables);
  return out;
}

function extract(components: FormComponent[], scope: unknown, out: Record<string, unknown>, root: Record<string, unknown>): void {
  for (const c of components) {
    if (STATIC_TYPES.has(c.type)) continue;
    if (c.type === 'group') {
      if (!c.path) {
        extract(c.components ?? [], scope, out, root);
        continue;
      }
      const segs = splitPath(c.path);
      const inner = valueAt(scope, segs);
      if (isPlainObject(inner)) {
        const sub: Record<string, unknown> = {};
        extract(c.components ?? [], inner, sub, root);
        if (Object.keys(sub).length) setAt(out, segs, sub);
      } else if (inner !== undefined) {
        setAt(out, segs, inner);
      }
      continue;
    }
    if (c.type === 'dynamiclist') {
      const segs = splitPath(c.path ?? '');
      const list = valueAt(scope, segs);
      if (Array.isArray(list)) {
        setAt(out, segs, list.map((item) => {
          if (!isPlainObject(item)) return item as unknown;
          const sub: Record<string, unknown> = {};
          extract(c.components ?? [], item, sub, root);
          return sub;
        }));
      } else if (list !== undefined) {
        setAt(out, segs, list);
      }
      continue;
    }
    if (CONTAINER_TYPES.has(c.type) || !bindsValue(c)) continue;
    const segs = splitPath(c.key!);
    const value = valueAt(scope, segs);
    if (value !== undefined) setAt(out, segs, value);
    // Options read from the data (form-js `valuesKey`) are part of what the form needs.
    if (typeof c.valuesKey === 'string' && c.valuesKey) {
      const key = splitPath(c.valuesKey);
      const options = valueAt(root, key);
      if (options !== undefined) setAt(out, key, options);
    }
  }
}

function staticOptions(c: FormComponent): unknown[] | null {
  if (!Array.isArray(c.values) || c.valuesKey || c.valuesExpression) return null;
  return c.values.map((o) => o.value);
}

function hasHideCondition(c: FormComponent): boolean {
  return isPlainObject(c.conditional) && typeof c.conditional.hide === 'string' && c.conditional.hide.trim() !== '';
}

function constraint(x: unknown): number | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && x.trim() !== '' && !isFeel(x) && Number.isFinite(Number(x))) return Number(x);
  return undefined;
}

function numberStep(c: FormComponent, literal: string, value: number): string[] {
  const out: string[] = [];
  const digits = typeof c.decimalDigits === 'number' && c.decimalDigits >= 0 ? c.decimalDigits : undefined;
  if (digits !== undefined && decimals(literal) > digits) out.push(digits === 0 ? 'numero intero atteso' : `al massimo ${digits} decimali`);
  const inc = constraint(c.increment);
  if (inc !== undefined && inc > 0) {
    const scale = 10 ** Math.min(12, Math.max(decimals(literal), decimals(String(inc))));
    const v = Math.round(value * scale);
    const step = Math.round(inc * scale);
    const offset = ((v % step) + step) % step;
    if (step > 0 && offset !== 0) out.push(`valore non ammesso: usare multipli di ${inc} (i più vicini sono ${(v - offset) / scale} e ${(v - offset + step) / scale})`);
  }
  return out;
}

/** Decimal digits of a number literal (trailing zeros ignored, exponents applied). */
function decimals(literal: string): number {
  const [mantissa, exponent = '0'] = literal.trim().toLowerCase().split('e');
  const fraction = (mantissa.split('.')[1] ?? '').replace(/0+$/, '').length;
  return Math.max(0, fraction - (Number(exponent) || 0));
}

function dateProblem(subtype: string, value: unknown): string | null {
  if (typeof value !== 'string') return subtype === 'time' ? 'ora attesa (HH:MM)' : subtype === 'datetime' ? 'data e ora attese (ISO 8601, es. 2026-03-02T09:30)' : 'data attesa (AAAA-MM-GG)';
  if (subtype === 'time') return TIME.test(value) ? null : 'ora non valida: formato atteso HH:MM';
  if (subtype === 'datetime') {
    const m = DATETIME.exec(value);
    return m && realDate(m[1], m[2], m[3]) ? null : 'data e ora non valide: formato atteso ISO 8601 (es. 2026-03-02T09:30)';
  }
  const m = DATE.exec(value);
  return m && realDate(m[1], m[2], m[3]) ? null : 'data non valida: formato atteso AAAA-MM-GG';
}

function realDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

function valueAt(scope: unknown, segs: string[]): unknown {
  let cur = scope;
  for (const s of segs) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, s)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function setAt(target: Record<string, unknown>, segs: string[], value: unknown): void {
  let cur = target;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else {
      if (!isPlainObject(cur[s])) cur[s] = {};
      cur = cur[s] as Record<string, unknown>;
    }
  });
}

export function fieldName(segs: Segment[]): string {
  return segs.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}
