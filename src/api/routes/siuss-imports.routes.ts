/**
 * SIUSS imports from other software (issue 13, item 3):
 * POST /siuss/imports (multipart: `file`, `mapping` as JSON or a saved
 * mapping's name, `tenant` for metropolitan users) → the report (200), or for
 * a file above SIUSS_IMPORT_SYNC_KB 202 and GET /siuss/imports/{id} with
 * progress and report; GET/PUT /siuss/mappings/{name}.
 * The upload gate (src/api/upload-gate.ts) has checked the role and the
 * declared size before this runs; the file is streamed to a temporary file
 * (busboy), never held in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import Router from '@koa/router';
import busboy from 'busboy';
import { z } from 'zod';
import type { Context } from 'koa';
import { BadRequestError, DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { actingTenant, requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { SIUSS_USERS } from '../../siuss/access.js';
import { mappingSchema, MAPPING_NAME, type ImportMapping } from '../../siuss/import/mapping.js';
import { formatFromName } from '../../siuss/import/readers.js';
import { belfiore, isUuid, parseBody, parseQuery } from '../validation.js';
import type { Services } from '../context.js';
import { zodProblems } from '../../shared/schema-messages.js';


interface Upload {
  fields: Record<string, string>;
  file: { name: string; path: string; bytes: number } | null;
}

/** Streams the multipart body: the one file to a temporary file, the fields into memory (small). */
export async function receive(ctx: Context, maxBytes: number): Promise<Upload> {
  if (!ctx.is('multipart')) throw new BadRequestError('Atteso multipart/form-data con i campi file e mapping', undefined, 'MULTIPART_REQUIRED');
  const fields: Record<string, string> = {};
  let file: Upload['file'] = null;
  let tooLarge = false;
  const writes: Array<Promise<void>> = [];
  const bb = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 256 * 1024, parts: 12 } });
  bb.on('field', (name, value) => {
    fields[name] = value;
  });
  bb.on('file', (name, stream, info) => {
    if (name !== 'file' || file) {
      stream.resume();
      return;
    }
    const tmp = path.join(os.tmpdir(), `rei-siuss-import-${randomUUID()}`);
    file = { name: path.basename(info.filename || 'import'), path: tmp, bytes: 0 };
    const current = file;
    stream.on('data', (c: Buffer) => (current.bytes += c.length));
    stream.on('limit', () => (tooLarge = true));
    writes.push(pipeline(stream, fs.createWriteStream(tmp)));
  });
  try {
    await pipeline(ctx.req, bb);
    await Promise.all(writes);
  } catch (err) {
    if (file) fs.rm((file as { path: string }).path, { force: true }, () => undefined);
    throw new BadRequestError(`Caricamento multipart non valido: ${(err as Error).message}`, undefined, 'MULTIPART_INVALID');
  }
  const got = file as Upload['file'];
  if (tooLarge && got) {
    fs.rm(got.path, { force: true }, () => undefined);
    throw new DomainError('PAYLOAD_TOO_LARGE', `File troppo grande: al massimo ${maxBytes} byte`, 413, { maxBytes });
  }
  return { fields, file: got };
}

function mappingTenant(p: Principal, requested: string | undefined): string {
  const t = actingTenant(p, requested);
  if (!t) throw new ValidationError('Indicare il comune (tenant)', { fields: [{ field: 'tenant', message: 'obbligatorio per gli utenti metropolitani' }] }, 'TENANT_REQUIRED');
  return t;
}

export function parseMapping(value: unknown): ImportMapping {
  const r = mappingSchema.safeParse(value);
  if (!r.success) {
    const fields = zodProblems(r.error);
    throw new ValidationError(`Mappatura non valida: ${fields.map((f) => `${f.field} (${f.message})`).join('; ')}`, { fields }, 'MAPPING_INVALID');
  }
  return r.data;
}

const getQuery = z.object({ outcome: z.enum(['imported', 'merged', 'refused']).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000), offset: z.coerce.number().int().min(0).default(0) });
const tenantQuery = z.object({ tenant: belfiore.optional() });

export function siussImportRoutes(services: Services) {
  const router = new Router();
  const imports = services.siussImports;

  router.post('/siuss/imports', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, ...SIUSS_USERS);
    const upload = await receive(ctx, services.config.siussImportMaxBytes);
    const { file, fields } = upload;
    let started = false;
    try {
      if (!file) throw new ValidationError('Manca il file da importare', { fields: [{ field: 'file', message: 'obbligatorio' }] }, 'IMPORT_FILE_REQUIRED');
      const tenant = mappingTenant(p, fields.tenant ? parseQuery(tenantQuery, { tenant: fields.tenant }).tenant : undefined);
      const raw = fields.mapping?.trim();
      if (!raw) throw new ValidationError('Manca la mappatura delle colonne', { fields: [{ field: 'mapping', message: 'JSON della mappatura o nome di una mappatura salvata' }] }, 'MAPPING_REQUIRED');
      let mapping: ImportMapping;
      let mappingName: string | null = null;
      if (raw.startsWith('{')) {
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          throw new ValidationError('Mappatura non valida: JSON malformato', { fields: [{ field: 'mapping', message: 'JSON malformato' }] }, 'MAPPING_INVALID');
        }
        mapping = parseMapping(json);
      } else {
        if (!MAPPING_NAME.test(raw)) throw new NotFoundError('Mappatura', raw, 'MAPPING_NOT_FOUND', 'f');
        mapping = (await imports.mappings.get(tenant, raw)).mapping;
        mappingName = raw;
      }
      const format = mapping.format ?? formatFromName(file.name);
      if (!format) throw new ValidationError('Formato del file non riconosciuto: indicare "format" nella mappatura (csv, xlsx, txt)', { fields: [{ field: 'mapping.format', message: 'csv, xlsx o txt' }] }, 'IMPORT_FORMAT_UNKNOWN');
      const { id, done } = await imports.start({ tenant, user: p.username, fileName: file.name, filePath: file.path, bytes: file.bytes, format, mapping, mappingName });
      started = true;
      if (file.bytes > services.config.siussImportSyncBytes) {
        ctx.status = 202;
        ctx.set('Location', `/api/v1/siuss/imports/${id}`);
        ctx.body = await imports.get(tenant, id, { limit: 1 });
        return;
      }
      await done;
      const report = await imports.get(tenant, id);
      if (report.status === 'failed' && report.error) throw new DomainError(report.error.code, report.error.message, 422, { importId: id });
      ctx.body = report;
    } finally {
      if (!started && file) fs.rm(file.path, { force: true }, () => undefined);
    }
  });

  router.get('/siuss/imports/:id', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, ...SIUSS_USERS);
    const q = parseQuery(getQuery, ctx.query);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Importazione', ctx.params.id, 'IMPORT_NOT_FOUND', 'f');
    ctx.body = await imports.get(tenantScope(p), ctx.params.id, q);
  });

  router.get('/siuss/mappings/:name', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, ...SIUSS_USERS);
    const tenant = mappingTenant(p, parseQuery(tenantQuery, ctx.query).tenant);
    if (!MAPPING_NAME.test(ctx.params.name)) throw new NotFoundError('Mappatura', ctx.params.name, 'MAPPING_NOT_FOUND', 'f');
    ctx.body = await imports.mappings.get(tenant, ctx.params.name);
  });

  router.put('/siuss/mappings/:name', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, ...SIUSS_USERS);
    const tenant = mappingTenant(p, parseQuery(tenantQuery, ctx.query).tenant);
    if (!MAPPING_NAME.test(ctx.params.name)) throw new ValidationError('Nome di mappatura non valido: lettere, cifre, punto, trattino, trattino basso (al massimo 100)', { fields: [{ field: 'name', message: 'non valido' }] }, 'MAPPING_NAME_INVALID');
    parseBody(z.object({}).passthrough(), ctx.request.body);
    const { saved, created } = await imports.mappings.put(tenant, ctx.params.name, parseMapping(ctx.request.body), p.username);
    ctx.status = created ? 201 : 200;
    ctx.body = saved;
  });

  return router;
}
