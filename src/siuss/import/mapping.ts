/**
 * A column mapping: how the rows of another software's export become SIUSS
 * record fields. A comune saves one per source software (PUT
 * /api/v1/siuss/mappings/{name}) and names it on each import.
 *
 * `tipo` says which records the rows are (PS_PSA_SINA, the default, or
 * SINBA); `fields` maps a record field (named as the XSD attribute, e.g.
 * `CodiceFiscale`, `CodicePrestazione`, `DataInizioPrestazione`; see
 * fieldSpecs in src/siuss/normalize.ts) to where its value is in the row:
 * a column name (CSV/XLSX with a header, compared without case or accents), a
 * 1-based column number, a fixed-width slice `{start, length}` (TXT, start
 * 1-based), or a constant `{value}`.
 */
import { z } from 'zod';
import { headerKey, type ImportFormat, type SourceRow } from './readers.js';
import { fieldSpecs } from '../normalize.js';
import { SIUSS_TIPI } from '../types.js';

const source = z.union([
  z.string().trim().min(1).max(200),
  z.number().int().min(1).max(10_000),
  z.object({ start: z.number().int().min(1).max(100_000), length: z.number().int().min(1).max(10_000) }).strict(),
  z.object({ value: z.string().max(1000) }).strict(),
]);

export const mappingSchema = z
  .object({
    tipo: z.enum(SIUSS_TIPI).optional(),
    format: z.enum(['csv', 'xlsx', 'txt']).optional(),
    encoding: z.enum(['auto', 'utf-8', 'windows-1252']).optional(),
    delimiter: z.string().min(1).max(1).optional(),
    header: z.boolean().optional(),
    skipLines: z.number().int().min(0).max(1000).optional(),
    sheet: z.union([z.string().min(1).max(100), z.number().int().min(1).max(1000)]).optional(),
    description: z.string().max(500).optional(),
    fields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'nome di campo non valido'), source).refine((f) => Object.keys(f).length > 0, 'almeno un campo'),
  })
  .strict()
  .superRefine((m, ctx) => {
    const specs = fieldSpecs(m.tipo ?? 'PS_PSA_SINA');
    for (const [field, src] of Object.entries(m.fields)) {
      if (!specs.has(field)) ctx.addIssue({ code: 'custom', path: ['fields', field], message: `campo sconosciuto per ${m.tipo ?? 'PS_PSA_SINA'} (es. CodiceFiscale, Cognome, CodicePrestazione, DataInizioPrestazione)` });
      if (typeof src === 'object' && 'start' in src && m.format && m.format !== 'txt') ctx.addIssue({ code: 'custom', path: ['fields', field], message: 'le posizioni {start, length} valgono solo per i file TXT a larghezza fissa' });
      if (m.format === 'txt' && (typeof src === 'string' || typeof src === 'number')) ctx.addIssue({ code: 'custom', path: ['fields', field], message: 'nei file TXT a larghezza fissa ogni campo è {start, length} o {value}' });
    }
  });

export type ImportMapping = z.infer<typeof mappingSchema>;

/** Saved mapping names: letters, digits, dot, dash, underscore (they appear in URLs). */
export const MAPPING_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Whether the mapping uses column names (then the file must have a header row). */
export function usesHeader(m: ImportMapping): boolean {
  return Object.values(m.fields).some((s) => typeof s === 'string');
}

/** The record fields of one row (raw: the register normalises them); empty cells are left out. */
export function applyMapping(m: ImportMapping, row: SourceRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, src] of Object.entries(m.fields)) {
    let value: string | undefined;
    if (typeof src === 'string') value = row.cells.get(headerKey(src));
    else if (typeof src === 'number') value = row.cells.get(String(src));
    else if ('value' in src) value = src.value;
    else value = row.raw?.slice(src.start - 1, src.start - 1 + src.length);
    value = value?.trim();
    if (value === undefined || value === '') continue;
    out[field] = value;
  }
  return out;
}

/** The columns a mapping names that the file's header lacks (reported once, before any row). */
export function missingColumns(m: ImportMapping, header: ReadonlySet<string>): string[] {
  return Object.values(m.fields).filter((s): s is string => typeof s === 'string' && !header.has(headerKey(s)));
}

export function effectiveFormat(m: ImportMapping, fromName: ImportFormat | null): ImportFormat | null {
  return m.format ?? fromName;
}
