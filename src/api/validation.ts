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
export const isoDateParam = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'data ISO-8601 attesa').transform((s) => new Date(s));
