/** Request validation with zod: one call per input, failures become 422 with per-field details. */
import { z } from 'zod';
import { ValidationError, BadRequestError } from '../shared/errors.js';
import { safeParseIt, zodProblems } from '../shared/schema-messages.js';

export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('Il corpo della richiesta deve essere un oggetto JSON', undefined, 'INVALID_BODY');
  }
  return parseWith(schema, body);
}

export function parseQuery<T extends z.ZodTypeAny>(schema: T, query: unknown): z.infer<T> {
  return parseWith(schema, query);
}

function parseWith<T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> {
  const result = safeParseIt(schema, input);
  if (!result.success) {
    const fields = zodProblems(result.error);
    throw new ValidationError(`Dati non validi: ${fields.map((f) => `${f.field} (${f.message})`).join('; ')}`, { fields });
  }
  return result.data as z.infer<T>;
}

export { belfiore } from '../shared/belfiore.js';
export const variablesSchema = z.record(z.string().regex(/^[A-Za-z_][\w]*$/, 'nome di variabile non valido'), z.unknown());
/** Inputs of a DMN decision: FEEL names may hold spaces and other characters (`Full Name`, `Monthly Salary`). */
export const decisionVariablesSchema = z.record(z.string().min(1).max(255).refine((k) => ![...k].some((ch) => ch.charCodeAt(0) < 32), 'nome di input non valido'), z.unknown());
export const uuid = z.string().uuid('identificativo non valido');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** True for a well-formed UUID; a malformed id can never match a row, so routes answer 404 for it. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
/** A path id that is not a UUID becomes one that matches nothing (404 like any unknown id). */
export function uuidOrNone(id: string): string {
  return isUuid(id) ? id : '00000000-0000-0000-0000-000000000000';
}
/**
 * A strict ISO-8601 date or date-time (`2026-03-02`, `2026-03-02T08:00`,
 * `2026-03-02T08:00:00.000Z`, `…+01:00`), years 1000–9999, a real calendar
 * day: `' OR '1'='1` or `-271821-04-20T00:00:00Z` are refused, not guessed.
 */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/;
export function parseIsoDate(s: string): Date | null {
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  const date = new Date(m[4] ? s : `${s}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
export const isoDateParam = z
  .string()
  .refine((s) => parseIsoDate(s) !== null, 'data ISO-8601 attesa (es. 2026-03-02 o 2026-03-02T08:00:00Z)')
  .transform((s) => parseIsoDate(s)!);

/** Largest offset or page size a list accepts (PostgreSQL bigint would overflow long before 1e20). */
export const MAX_INT32 = 2_147_483_647;
/** `offset`/`firstResult`: a non-negative 32-bit integer. */
export const offsetParam = z.coerce.number().int().min(0).max(MAX_INT32);
/** A query integer that must fit a 32-bit column (priorities and the like). */
export const int32Param = z.coerce.number().int().min(-MAX_INT32 - 1).max(MAX_INT32);
