/**
 * SIUSS "debito informativo" (issue 13): native extraction, manual entry and
 * correction of records, the completeness check, flow generation, listing
 * and download (XML, zip), outcomes of file flows entered by hand.
 * Operatore and responsabile of the comune; metropolitan users (no comune)
 * name the comune with `tenant` for writes and see every comune on reads.
 * Another comune's record or flow answers 404.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { BadRequestError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { actingTenant, requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { SIUSS_OUTCOME_RECORDERS, SIUSS_USERS } from '../../siuss/access.js';
import { belfiore, isUuid, offsetParam, parseBody, parseQuery } from '../validation.js';
import type { Services } from '../context.js';
import { RECORD_STATUSES, SIUSS_TIPI, FLOW_STATUSES, type SiussFlow, type SiussOrigin, type SiussRecord } from '../../siuss/index.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'data attesa nel formato AAAA-MM-GG');
const tipo = z.enum(SIUSS_TIPI);
const fields = z.record(z.string().max(64), z.unknown());

const extractionSchema = z.object({ from: day, to: day, tenant: belfiore.optional() }).strict();
const createSchema = z.object({ tipo, fields, tenant: belfiore.optional() }).strict();
const updateSchema = z.object({ version: z.number().int().min(1), fields }).strict();
const listSchema = z.object({
  status: z.enum(RECORD_STATUSES).optional(),
  codiceFiscale: z.string().trim().min(1).max(16).optional(),
  tipo: tipo.optional(),
  tenant: belfiore.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});
const checkSchema = z.object({ ids: z.array(z.string().uuid()).max(10_000).optional(), tenant: belfiore.optional() }).strict();
const flowsSchema = z
  .object({
    tipo,
    modalita: z.enum(['waas', 'file']),
    cfOperatore: z.string().trim().min(11).max(16),
    codiceEnte: z.string().trim().min(1).max(32).optional(),
    maxBytes: z.number().int().min(2000).max(50_000_000).optional(),
    tenant: belfiore.optional(),
  })
  .strict();
const flowListSchema = z.object({
  tipo: tipo.optional(),
  status: z.enum(FLOW_STATUSES).optional(),
  tenant: belfiore.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});
const zipSchema = z.object({ tipo: tipo.optional(), ids: z.string().max(40_000).optional(), tenant: belfiore.optional() });
const esitoSchema = z.object({ codice: z.string().trim().min(1).max(32), descrizione: z.string().max(1000).optional(), idAcquisizione: z.string().max(100).optional() }).strict();
const deleteSchema = z.object({ version: z.coerce.number().int().min(1).optional() });

export function recordView(r: SiussRecord) {
  return {
    id: r.id,
    tenant: r.tenant,
    tipo: r.tipo,
    status: r.status,
    operation: r.operation,
    origin: r.origin,
    originRef: r.originRef,
    codiceFiscale: r.codiceFiscale,
    codicePrestazione: r.codicePrestazione,
    data: r.data,
    errors: r.errors,
    warnings: r.warnings,
    deleted: r.deleted,
    cancelled: r.cancelled,
    esito: r.esitoCodice ? { codice: r.esitoCodice, descrizione: r.esitoDescrizione, idAcquisizione: r.idAcquisizione } : null,
    lastFlowId: r.lastFlowId,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    version: r.version,
  };
}

export function flowView(f: SiussFlow) {
  return {
    id: f.id,
    id_flusso: f.idFlusso,
    tenant: f.tenant,
    tipo: f.tipo,
    modalita: f.modalita,
    status: f.status,
    records: f.records,
    sizeBytes: f.sizeBytes,
    esito: f.esitoCodice ? { codice: f.esitoCodice, descrizione: f.esitoDescrizione, idAcquisizione: f.idAcquisizione, at: f.esitoAt?.toISOString() ?? null } : null,
    createdAt: f.createdAt.toISOString(),
    createdMs: f.createdMs,
    pulledAt: f.pulledAt?.toISOString() ?? null,
  };
}

function allowed(p: Principal) {
  requireRole(p, ...SIUSS_USERS);
}

/** The comune a write acts on: the user's own, or the one a metropolitan user names. */
function writeTenant(p: Principal, requested: string | undefined): string {
  const t = actingTenant(p, requested);
  if (!t) throw new BadRequestError('Indicare il comune (tenant)', { errors: [{ field: 'tenant', message: 'obbligatorio per gli utenti metropolitani' }] }, 'TENANT_REQUIRED');
  return t;
}

/** Read scope: own comune; a metropolitan user sees all, or the one named. */
function readScope(p: Principal, requested: string | undefined): string | null {
  return tenantScope(p) ?? requested ?? null;
}

function origin(p: Principal): SiussOrigin {
  return { kind: 'manual', actor: p.username };
}

export function siussRoutes(services: Services) {
  const router = new Router({ prefix: '/siuss' });
  const { register, flows, extraction } = services.siuss;

  router.post('/extractions', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const body = parseBody(extractionSchema, ctx.request.body);
    if (body.to < body.from) throw new ValidationError('Periodo non valido', { errors: [{ field: 'to', message: 'la data di fine precede quella di inizio' }] }, 'INVALID_PERIOD');
    const tenant = writeTenant(p, body.tenant);
    ctx.body = await extraction.run(tenant, body.from, body.to, p.username);
  });

  router.post('/records', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const body = parseBody(createSchema, ctx.request.body);
    const tenant = writeTenant(p, body.tenant);
    const r = await register.upsert(tenant, { tipo: body.tipo, fields: body.fields }, origin(p), { refuseInvalid: true });
    if (!r.record) throw new ValidationError('Record SIUSS non valido', { errors: r.errors, notes: r.notes }, 'SIUSS_RECORD_INVALID');
    ctx.status = 201;
    ctx.body = { ...recordView(r.record), outcome: r.outcome, notes: r.notes };
  });

  router.get('/records', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const q = parseQuery(listSchema, ctx.query);
    const page = await register.list(readScope(p, q.tenant), q);
    ctx.body = { items: page.items.map(recordView), total: page.total, limit: q.limit, offset: q.offset };
  });

  router.get('/records/:id', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const scope = tenantScope(p);
    const r = isUuid(ctx.params.id) ? await register.get(scope, ctx.params.id) : null;
    if (!r) throw new NotFoundError('Record SIUSS', ctx.params.id, 'SIUSS_RECORD_NOT_FOUND');
    const history = await register.historyOf(scope, r.id);
    ctx.body = { ...recordView(r), history: history.map((h) => ({ ...h, at: h.at.toISOString() })) };
  });

  router.put('/records/:id', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Record SIUSS', ctx.params.id, 'SIUSS_RECORD_NOT_FOUND');
    const body = parseBody(updateSchema, ctx.request.body);
    const r = await register.update(tenantScope(p), ctx.params.id, body.fields, body.version, origin(p));
    ctx.body = recordView(r);
  });

  router.delete('/records/:id', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Record SIUSS', ctx.params.id, 'SIUSS_RECORD_NOT_FOUND');
    const q = parseQuery(deleteSchema, ctx.query);
    const r = await register.remove(tenantScope(p), ctx.params.id, q.version ?? null, origin(p));
    ctx.body = { removed: r.removed, record: r.record ? recordView(r.record) : null };
  });

  router.post('/check', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const body = parseBody(checkSchema, ctx.request.body ?? {});
    const tenant = writeTenant(p, body.tenant);
    const items = await register.check(tenant, body.ids);
    ctx.body = { items, total: items.length, errors: items.filter((i) => i.errors.length).length };
  });

  router.post('/flows', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const body = parseBody(flowsSchema, ctx.request.body);
    const tenant = writeTenant(p, body.tenant);
    const created = await flows.generate(tenant, body, origin(p));
    ctx.status = 201;
    ctx.body = { items: created.map(flowView), total: created.length };
  });

  router.get('/flows', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const q = parseQuery(flowListSchema, ctx.query);
    const page = await flows.list(readScope(p, q.tenant), q);
    ctx.body = { items: page.items.map(flowView), total: page.total, limit: q.limit, offset: q.offset };
  });

  // Before /flows/:id so that "flows.zip" is never read as an id.
  router.get('/flows.zip', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const q = parseQuery(zipSchema, ctx.query);
    const ids = q.ids ? q.ids.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    if (ids?.some((i) => !isUuid(i))) throw new BadRequestError('ids: identificativi non validi', undefined, 'INVALID_IDS');
    const { stream, count } = await flows.zipStream(readScope(p, q.tenant), { ids, tipo: q.tipo });
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', `attachment; filename="flussi-siuss.zip"`);
    ctx.set('X-Flussi', String(count));
    ctx.body = stream;
  });

  router.get('/flows/:id', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Flusso SIUSS', ctx.params.id, 'SIUSS_FLOW_NOT_FOUND');
    const f = await flows.get(tenantScope(p), ctx.params.id);
    ctx.body = { ...flowView(f), items: await flows.records(tenantScope(p), f.id) };
  });

  router.get('/flows/:id/xml', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Flusso SIUSS', ctx.params.id, 'SIUSS_FLOW_NOT_FOUND');
    const { flow, xml } = await flows.xml(tenantScope(p), ctx.params.id);
    ctx.type = 'application/xml';
    ctx.set('Content-Disposition', `attachment; filename="${flow.idFlusso}.xml"`);
    ctx.body = xml;
  });

  // The outcome of a flow uploaded by hand on the INPS portal (WaaS outcomes arrive on their own endpoint).
  router.post('/flows/:id/esito', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, ...SIUSS_OUTCOME_RECORDERS);
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Flusso SIUSS', ctx.params.id, 'SIUSS_FLOW_NOT_FOUND');
    const body = parseBody(esitoSchema, ctx.request.body);
    const f = await flows.get(tenantScope(p), ctx.params.id);
    const updated = await flows.applyOutcome(f.tenant, f.idFlusso, body, origin(p));
    ctx.body = flowView(updated!);
  });

  return router;
}
