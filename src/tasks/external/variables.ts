/**
 * Camunda 7 typed variables ↔ the engine's plain JSON variables.
 *
 * Out (fetchAndLock): string → String, boolean → Boolean, integer → Integer
 * (32-bit) or Long (safe integer), other numbers → Double, null → Null,
 * objects and arrays → Json (value serialized as a JSON string). Dates are kept
 * as ISO strings by the engine, so they go out as String.
 *
 * In (complete, bpmnError): `{name: {value, type, valueInfo}}`; the type is
 * case-insensitive (the JS client sends "string", "json", "date"…). Json and
 * Object (JSON-serialized) are parsed, Date becomes an ISO string, the number
 * types become numbers. File/Bytes and Java-serialized objects are refused.
 */
import { BadRequestError } from '../../shared/errors.js';

export interface TypedValue {
  type: string;
  value: unknown;
  valueInfo: Record<string, unknown>;
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
const NAME = /^[A-Za-z_][\w]*$/;

export function toTypedValue(value: unknown): TypedValue {
  if (value === null || value === undefined) return { type: 'Null', value: null, valueInfo: {} };
  if (typeof value === 'string') return { type: 'String', value, valueInfo: {} };
  if (typeof value === 'boolean') return { type: 'Boolean', value, valueInfo: {} };
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return { type: 'Integer', value, valueInfo: {} };
    if (Number.isSafeInteger(value)) return { type: 'Long', value, valueInfo: {} };
    return { type: 'Double', value, valueInfo: {} };
  }
  return { type: 'Json', value: JSON.stringify(value), valueInfo: {} };
}

/** The named variables (all when `names` is null/undefined) in Camunda's typed shape. */
export function toTypedVariables(variables: Record<string, unknown>, names?: string[] | null): Record<string, TypedValue> {
  const out: Record<string, TypedValue> = {};
  const keys = names ?? Object.keys(variables);
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(variables, k)) out[k] = toTypedValue(variables[k]);
  return out;
}

/**
 * Typed variables from a request body to plain values; a malformed one is a
 * 400 naming the variable. `undefined`/null input means no variables.
 */
export function fromTypedVariables(input: unknown, field = 'variables'): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw bad(`${field} deve essere un oggetto {nome: {value, type}}`);
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    if (!NAME.test(name)) throw bad(`Nome di variabile non valido: "${name}"`);
    out[name] = fromTypedValue(name, raw);
  }
  return out;
}

export function fromTypedValue(name: string, raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`Variabile ${name}: atteso un oggetto {value, type}`);
  const { value, type, valueInfo } = raw as { value?: unknown; type?: unknown; valueInfo?: unknown };
  if (type !== undefined && type !== null && typeof type !== 'string') throw bad(`Variabile ${name}: type deve essere una stringa`);
  const t = (type ?? '').toLowerCase();
  if (value === null || value === undefined) {
    if (t === '' || t === 'null' || KNOWN.has(t)) return null;
    throw unsupported(name, type as string);
  }
  switch (t) {
    case '':
      return inferred(name, value);
    case 'null':
      return null;
    case 'string':
    case 'xml':
      if (typeof value !== 'string') throw bad(`Variabile ${name}: valore String atteso`);
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad(`Variabile ${name}: valore Boolean atteso`);
    case 'integer':
    case 'short':
    case 'long': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw bad(`Variabile ${name}: valore intero atteso`);
      if (t === 'integer' && (n < INT32_MIN || n > INT32_MAX)) throw bad(`Variabile ${name}: valore fuori dall'intervallo di Integer`);
      if (t === 'short' && (n < -32768 || n > 32767)) throw bad(`Variabile ${name}: valore fuori dall'intervallo di Short`);
      return n;
    }
    case 'double': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad(`Variabile ${name}: valore numerico atteso`);
      return n;
    }
    case 'date':
      return parseDate(name, value);
    case 'json':
      return parseJson(name, value);
    case 'object': {
      const format = (valueInfo as { serializationDataFormat?: unknown } | undefined)?.serializationDataFormat;
      if (format !== undefined && format !== null && !String(format).includes('json')) {
        throw bad(`Variabile ${name}: oggetto serializzato in "${String(format)}" non supportato (solo application/json)`);
      }
      return parseJson(name, value);
    }
    default:
      throw unsupported(name, type as string);
  }
}

const KNOWN = new Set(['string', 'xml', 'boolean', 'integer', 'short', 'long', 'double', 'date', 'json', 'object']);

function inferred(name: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw bad(`Variabile ${name}: numero non valido`);
  return value;
}

function parseJson(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw bad(`Variabile ${name}: JSON non valido`);
  }
}

/** Camunda's date format (2026-03-02T08:00:00.000+0000) or any ISO-8601 date → ISO string in UTC. */
function parseDate(name: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw bad(`Variabile ${name}: data attesa`);
  const text = typeof value === 'string' ? value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : value;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw bad(`Variabile ${name}: data non valida "${String(value)}"`);
  return d.toISOString();
}

function unsupported(name: string, type: string): BadRequestError {
  return bad(`Variabile ${name}: tipo "${type}" non supportato (ammessi String, Boolean, Integer, Short, Long, Double, Date, Json, Object JSON, Null)`);
}

function bad(message: string): BadRequestError {
  return new BadRequestError(message, undefined, 'INVALID_VARIABLE');
}
