/**
 * SIUSS "debito informativo" pages (issue 13 item 9): /siuss the register of
 * records (filters, counts per status, native extraction, completeness check,
 * generation of flows), /siuss/record/{id} one record with its problems per
 * field, in-place correction (optimistic locking) and history, /siuss/nuovo
 * manual entry, /siuss/flussi the generated flows with XML and zip download.
 * Same rules as the API (src/api/routes/siuss.routes.ts): operatore and
 * responsabile (and admin, whom the header sends here); the comune's own records only (another comune's → 404); a
 * metropolitan user first picks a comune in the header.
 */
import fs from 'node:fs';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { SIUSS_OUTCOME_RECORDERS, SIUSS_USERS } from '../../siuss/access.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { isUuid } from '../../api/validation.js';
import { FLOW_STATUSES, RECORD_STATUSES, SIUSS_TIPI, fieldSpecs, label, type FieldProblem, type RecordStatus, type SiussOrigin, type SiussRecord, type SiussTipo } from '../../siuss/index.js';
import { receive, parseMapping } from '../../api/routes/siuss-imports.routes.js';
import { MAPPING_NAME, type ImportMapping } from '../../siuss/import/mapping.js';
import { formatFromName } from '../../siuss/import/readers.js';
import { formatDateTime } from '../format.js';
import { checkCsrf } from '../web-auth.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';
import type { WebContext } from '../web-context.js';

/** The API's roles (operatore, responsabile) and admin, to whom the header offers the section too (NAV_LINKS: never a link to a 403). */
const STATUS_LABELS: Record<RecordStatus, string> = { da_completare: 'Da completare', pronto: 'Pronto', inviato: 'Inviato', accettato: 'Accettato', scartato: 'Scartato' };
const FLOW_STATUS_LABELS: Record<string, string> = { generato: 'Generato', prelevato: 'Prelevato da INPS', accettato: 'Accettato', scartato: 'Scartato' };
const TIPO_LABELS: Record<SiussTipo, string> = { PS_PSA_SINA: 'PS / PSA / SINA', SINBA: 'SINBA' };
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PREFIX = 'campo_';

interface FieldError {
  field: string;
  message: string;
}

function origin(s: SessionUser): SiussOrigin {
  return { kind: 'manual', actor: s.principal.username };
}

function fieldId(name: string): string {
  return `campo-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** The record's fields as form values (lists joined with ";"). */
function formValues(data: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.isArray(v) ? v.join(';') : String(v ?? '')]));
}

/** The posted fields (campo_X → X); empty values left out, lists split on ";". */
function postedFields(tipo: SiussTipo, form: Record<string, string>): { values: Record<string, string>; fields: Record<string, unknown> } {
  const specs = fieldSpecs(tipo);
  const values: Record<string, string> = {};
  const fields: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const v = (form[PREFIX + name] ?? '').trim();
    values[name] = v;
    if (!v) continue;
    fields[name] = spec.list ? v.split(';').map((s) => s.trim()).filter(Boolean) : v;
  }
  return { values, fields };
}

/** Form fields of a tipo, grouped as in the XML, each with its problems. */
function fieldGroups(tipo: SiussTipo, values: Record<string, string>, errors: FieldProblem[] | FieldError[], warnings: FieldProblem[] = []) {
  const byField = new Map<string, string[]>();
  for (const e of errors) byField.set(e.field, [...(byField.get(e.field) ?? []), e.message]);
  const warnByField = new Map<string, string[]>();
  for (const w of warnings) warnByField.set(w.field, [...(warnByField.get(w.field) ?? []), w.message]);
  const groups = new Map<string, unknown[]>();
  for (const [name, spec] of fieldSpecs(tipo)) {
    const id = fieldId(name);
    const rule = spec.rule;
    const hints: string[] = [];
    if (spec.list) hints.push('Più valori separati da «;».');
    if (rule?.required) hints.push('Obbligatorio.');
    if (rule?.enumeration && rule.enumeration.length <= 12) hints.push(`Valori: ${rule.enumeration.join(', ')}.`);
    const warn = warnByField.get(name);
    if (warn) hints.push(`Avviso: ${warn.join(' ')}`);
    const group = spec.group === 'extra' ? 'Altri dati' : spec.group;
    groups.set(group, [...(groups.get(group) ?? []), { name: PREFIX + name, id, label: label(name) === name ? name : `${label(name)} (${name})`, value: values[name] ?? '', error: byField.get(name)?.join(' '), errorId: `${id}-errore`, hint: hints.length ? hints.join(' ') : undefined }]);
  }
  return [...groups].map(([name, fields], i) => ({ name, id: `gruppo-${i}`, fields }));
}

function summary(errors: Array<{ field: string; message: string }>, tipo: SiussTipo) {
  const specs = fieldSpecs(tipo);
  return errors.map((e) => ({ message: e.message, href: specs.has(e.field) ? `#${fieldId(e.field)}` : null }));
}

function recordRow(r: SiussRecord) {
  const d = r.data;
  const nome = [d.Cognome, d.Nome].filter((v) => typeof v === 'string' && v).join(' ');
  return {
    id: r.id,
    href: `/siuss/record/${r.id}`,
    tipo: TIPO_LABELS[r.tipo],
    codiceFiscale: r.codiceFiscale ?? (typeof d.IDBeneficiario === 'string' ? d.IDBeneficiario : '—'),
    nome: nome || '—',
    prestazione: r.codicePrestazione ?? '—',
    status: STATUS_LABELS[r.status],
    statusKey: r.status,
    operation: r.operation ?? '—',
    errors: r.errors.length,
    warnings: r.warnings.length,
    updated: formatDateTime(r.updatedAt),
  };
}

export function siussPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const { register, flows, extraction } = services.siuss;

  /** The signed-in user allowed on these pages, with the comune they work on (null: a metropolitan user who has not picked one). */
  async function enter(ctx: Context) {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, SIUSS_USERS);
    return { s, tenant: s.principal.tenant };
  }

  async function pickComune(ctx: Context, s: SessionUser, title: string) {
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ label: 'Debito informativo' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-comune', layout, { title });
  }

  async function flash(s: SessionUser, kind: 'success' | 'danger' | 'info', message: string) {
    await services.sessions.setFlash(s.session.id, { kind, message });
  }

  router.get('/siuss', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const title = 'Debito informativo SIUSS';
    if (!tenant) return pickComune(ctx, s, title);
    const q = ctx.query;
    const status = RECORD_STATUSES.find((x) => x === q.stato);
    const tipo = SIUSS_TIPI.find((x) => x === q.tipo);
    const cf = typeof q.cf === 'string' && q.cf.trim() ? q.cf.trim().toUpperCase().slice(0, 16) : undefined;
    const pageNo = Math.max(1, Math.min(10_000, Number(q.pagina) || 1));
    const limit = 50;
    const list = await register.list(tenant, { status, tipo, codiceFiscale: cf, limit, offset: (pageNo - 1) * limit });
    const counts = await Promise.all(RECORD_STATUSES.map(async (st) => ({ key: st, label: STATUS_LABELS[st], count: (await register.list(tenant, { status: st, tipo, limit: 1 })).total })));
    const params = (over: Record<string, string | undefined>) => {
      const p = new URLSearchParams();
      const all = { stato: status, tipo, cf, ...over };
      for (const [k, v] of Object.entries(all)) if (v) p.set(k, v);
      const str = p.toString();
      return `/siuss${str ? `?${str}` : ''}`;
    };
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ label: 'Debito informativo' }] });
    const pages = Math.max(1, Math.ceil(list.total / limit));
    ctx.type = 'html';
    ctx.body = renderer.render('siuss', layout, {
      csrf: s.session.csrfToken,
      counts: counts.map((c) => ({ ...c, href: params({ stato: c.key, pagina: undefined }), active: c.key === status })),
      allHref: params({ stato: undefined }),
      statusOptions: [{ value: '', label: 'Tutti', selected: !status }, ...RECORD_STATUSES.map((st) => ({ value: st, label: STATUS_LABELS[st], selected: st === status }))],
      tipoOptions: [{ value: '', label: 'Tutti', selected: !tipo }, ...SIUSS_TIPI.map((t) => ({ value: t, label: TIPO_LABELS[t], selected: t === tipo }))],
      generaTipi: SIUSS_TIPI.map((t) => ({ value: t, label: TIPO_LABELS[t] })),
      cf: cf ?? '',
      rows: list.items.map(recordRow),
      total: list.total,
      prev: pageNo > 1 ? params({ pagina: String(pageNo - 1) }) : null,
      next: pageNo < pages ? params({ pagina: String(pageNo + 1) }) : null,
      pageNo,
      pages,
      comune: layout.comune,
    });
  });

  router.post('/siuss/estrazione', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const form = await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss');
    const from = (form.dal ?? '').trim();
    const to = (form.al ?? '').trim();
    if (!DAY.test(from) || !DAY.test(to)) await flash(s, 'danger', 'Estrazione non eseguita: indicare le date di inizio e fine del periodo.');
    else if (to < from) await flash(s, 'danger', 'Estrazione non eseguita: la data di fine precede quella di inizio.');
    else {
      const r = await extraction.run(tenant, from, to, s.principal.username);
      await flash(s, 'success', `Estrazione dalle pratiche completata: ${r.created} record nuovi, ${r.updated} aggiornati, ${r.unchanged} invariati.`);
    }
    ctx.redirect('/siuss');
  });

  router.post('/siuss/verifica', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss');
    const items = await register.check(tenant);
    const withErrors = items.filter((i) => i.errors.length).length;
    await flash(s, withErrors ? 'info' : 'success', `Verifica di completezza eseguita su ${items.length} record: ${items.length - withErrors} pronti, ${withErrors} con errori da correggere.`);
    ctx.redirect(withErrors ? '/siuss?stato=da_completare' : '/siuss');
  });

  router.post('/siuss/genera', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const form = await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss');
    const tipo = SIUSS_TIPI.find((t) => t === form.tipo);
    const modalita = form.modalita === 'waas' || form.modalita === 'file' ? form.modalita : null;
    const cfOperatore = (form.cfOperatore ?? '').trim().toUpperCase();
    if (!tipo || !modalita) {
      await flash(s, 'danger', 'Flussi non generati: scegliere il tipo e la modalità.');
      return ctx.redirect('/siuss');
    }
    if (cfOperatore.length < 11 || cfOperatore.length > 16) {
      await flash(s, 'danger', 'Flussi non generati: indicare il codice fiscale dell\'operatore (11–16 caratteri).');
      return ctx.redirect('/siuss');
    }
    try {
      const created = await flows.generate(tenant, { tipo, modalita, cfOperatore }, origin(s));
      const n = created.reduce((a, f) => a + f.records, 0);
      await flash(s, created.length ? 'success' : 'info', created.length ? `${created.length === 1 ? 'Generato 1 flusso' : `Generati ${created.length} flussi`} ${TIPO_LABELS[tipo]} con ${n} record.` : `Nessun record ${TIPO_LABELS[tipo]} pronto da inviare.`);
      ctx.redirect(created.length ? '/siuss/flussi' : '/siuss');
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      await flash(s, 'danger', `Flussi non generati: ${err.message}.`);
      ctx.redirect('/siuss');
    }
  });

  async function recordOf(tenant: string, id: string): Promise<SiussRecord> {
    const r = isUuid(id) ? await register.get(tenant, id) : null;
    if (!r) throw new NotFoundError('Record SIUSS', id, 'SIUSS_RECORD_NOT_FOUND');
    return r;
  }

  async function renderRecord(ctx: Context, s: SessionUser, r: SiussRecord, values: Record<string, string>, errors: FieldProblem[] | FieldError[], message: string | null, status = 200) {
    const history = await register.historyOf(r.tenant, r.id);
    const title = `Record ${r.codiceFiscale ?? r.id.slice(0, 8)}`;
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { label: title }] });
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-record', layout, {
      title,
      csrf: s.session.csrfToken,
      action: `/siuss/record/${r.id}`,
      record: { ...recordRow(r), version: r.version, origin: r.origin, originRef: r.originRef, created: formatDateTime(r.createdAt), esito: r.esitoCodice ? `${r.esitoCodice}${r.esitoDescrizione ? ` — ${r.esitoDescrizione}` : ''}` : null, idAcquisizione: r.idAcquisizione, deleted: r.deleted },
      message,
      errors: summary(errors, r.tipo),
      hasErrors: errors.length > 0,
      warnings: r.warnings.map((w) => w.message),
      groups: fieldGroups(r.tipo, values, errors, r.warnings),
      editable: !r.deleted,
      history: history.map((h) => ({
        at: formatDateTime(h.at),
        actor: h.actor ?? 'sistema',
        action: h.action,
        origin: h.origin ?? '—',
        changes: Object.entries(h.changes).map(([k, c]) => `${label(k)}: ${show(c?.from)} → ${show(c?.to)}`).join('; ') || '—',
        note: h.note,
      })),
    });
  }

  router.get('/siuss/record/:id', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    if (!tenant) return pickComune(ctx, s, 'Record SIUSS');
    const r = await recordOf(tenant, ctx.params.id);
    await renderRecord(ctx, s, r, formValues(r.data), r.errors, null);
  });

  router.post('/siuss/record/:id', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const form = await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss');
    const r = await recordOf(tenant, ctx.params.id);
    const { values, fields } = postedFields(r.tipo, form);
    const version = Number(form.versione);
    try {
      const updated = await register.update(tenant, r.id, fields, Number.isInteger(version) && version > 0 ? version : 0, origin(s));
      await flash(s, updated.status === 'pronto' ? 'success' : 'info', updated.status === 'pronto' ? 'Record corretto: ora è pronto per l\'invio.' : `Record salvato: ${updated.errors.length} problemi ancora da correggere.`);
      ctx.redirect(`/siuss/record/${r.id}`);
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500 || err.status === 404) throw err;
      const details = err.details as { errors?: FieldError[] } | undefined;
      const errors = err.status === 422 || err.status === 400 ? details?.errors ?? [] : [];
      const message = err.status === 409 ? `Modifica non salvata: ${err.message}.` : errors.length ? 'Il record non è stato salvato: correggere i campi indicati.' : `Il record non è stato salvato: ${err.message}.`;
      // A conflict shows the record as it is now (the user re-applies the correction); otherwise the posted values.
      const current = err.status === 409 ? await recordOf(tenant, r.id) : r;
      await renderRecord(ctx, s, current, err.status === 409 ? formValues(current.data) : values, err.status === 409 ? current.errors : errors, message, err.status);
    }
  });

  async function renderNew(ctx: Context, s: SessionUser, tipo: SiussTipo, values: Record<string, string>, errors: FieldError[], message: string | null, status = 200) {
    const title = 'Nuovo record SIUSS';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { label: 'Nuovo record' }] });
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-nuovo', layout, {
      title,
      csrf: s.session.csrfToken,
      tipo,
      tipoLabel: TIPO_LABELS[tipo],
      tipi: SIUSS_TIPI.map((t) => ({ href: `/siuss/nuovo?tipo=${t}`, label: TIPO_LABELS[t], active: t === tipo })),
      message,
      errors: summary(errors, tipo),
      hasErrors: errors.length > 0 || Boolean(message),
      groups: fieldGroups(tipo, values, errors),
    });
  }

  router.get('/siuss/nuovo', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    if (!tenant) return pickComune(ctx, s, 'Nuovo record SIUSS');
    const tipo = SIUSS_TIPI.find((t) => t === ctx.query.tipo) ?? 'PS_PSA_SINA';
    await renderNew(ctx, s, tipo, {}, [], null);
  });

  router.post('/siuss/nuovo', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const form = await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss');
    const tipo = SIUSS_TIPI.find((t) => t === form.tipo) ?? 'PS_PSA_SINA';
    const { values, fields } = postedFields(tipo, form);
    const r = await register.upsert(tenant, { tipo, fields }, origin(s), { refuseInvalid: true });
    if (!r.record) return renderNew(ctx, s, tipo, values, r.errors, 'Il record non è stato registrato: correggere i campi indicati.', 422);
    const what = r.outcome === 'created' ? 'Record registrato' : r.outcome === 'merged' ? 'Esisteva già un record con gli stessi dati identificativi: aggiornato' : 'Esisteva già un record identico';
    await flash(s, 'success', `${what} (stato: ${STATUS_LABELS[r.record.status].toLowerCase()}).`);
    ctx.redirect(`/siuss/record/${r.record.id}`);
  });

  router.get('/siuss/flussi', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const title = 'Flussi SIUSS generati';
    if (!tenant) return pickComune(ctx, s, title);
    const tipo = SIUSS_TIPI.find((t) => t === ctx.query.tipo);
    const status = FLOW_STATUSES.find((t) => t === ctx.query.stato);
    const list = await flows.list(tenant, { tipo, status, limit: 200 });
    const canEnterOutcome = s.principal.roles.includes('responsabile');
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { label: 'Flussi' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-flussi', layout, {
      title,
      tipoOptions: [{ value: '', label: 'Tutti', selected: !tipo }, ...SIUSS_TIPI.map((t) => ({ value: t, label: TIPO_LABELS[t], selected: t === tipo }))],
      statusOptions: [{ value: '', label: 'Tutti', selected: !status }, ...FLOW_STATUSES.map((t) => ({ value: t, label: FLOW_STATUS_LABELS[t] ?? t, selected: t === status }))],
      zipHref: `/siuss/flussi.zip${tipo ? `?tipo=${tipo}` : ''}`,
      total: list.total,
      rows: list.items.map((f) => ({
        id: f.id,
        idFlusso: f.idFlusso,
        tipo: TIPO_LABELS[f.tipo],
        modalita: f.modalita === 'waas' ? 'WaaS (prelievo INPS)' : 'File',
        records: f.records,
        status: FLOW_STATUS_LABELS[f.status] ?? f.status,
        esito: f.esitoCodice ? `${f.esitoCodice}${f.esitoDescrizione ? ` — ${f.esitoDescrizione}` : ''}${f.idAcquisizione ? ` (acquisizione ${f.idAcquisizione})` : ''}` : null,
        created: formatDateTime(f.createdAt),
        xmlHref: `/siuss/flussi/${f.id}/xml`,
        // The outcome of a file flow uploaded by hand on the INPS portal (WaaS outcomes arrive on their own endpoint).
        esitoForm: canEnterOutcome && f.modalita === 'file' && !f.esitoCodice ? { action: `/siuss/flussi/${f.id}/esito`, idPrefix: `esito-${f.id.slice(0, 8)}` } : null,
      })),
      csrf: s.session.csrfToken,
      canEnterOutcome,
    });
  });

  router.post('/siuss/flussi/:id/esito', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    requirePageRole(s.principal, SIUSS_OUTCOME_RECORDERS);
    const form = await web.formPost(ctx);
    if (!tenant) return ctx.redirect('/siuss/flussi');
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Flusso SIUSS', ctx.params.id, 'SIUSS_FLOW_NOT_FOUND');
    const f = await flows.get(tenant, ctx.params.id);
    const codice = (form.codice ?? '').trim().slice(0, 32);
    if (!codice) {
      await flash(s, 'danger', `Esito del flusso ${f.idFlusso} non registrato: indicare il codice dell'esito (OK se accettato).`);
      return ctx.redirect('/siuss/flussi');
    }
    try {
      await flows.applyOutcome(tenant, f.idFlusso, { codice, descrizione: (form.descrizione ?? '').trim().slice(0, 1000) || undefined, idAcquisizione: (form.idAcquisizione ?? '').trim().slice(0, 100) || undefined }, origin(s));
      await flash(s, 'success', `Esito del flusso ${f.idFlusso} registrato: ${codice === 'OK' ? 'record accettati' : 'record scartati, tornano da correggere'}.`);
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      await flash(s, 'danger', `Esito del flusso ${f.idFlusso} non registrato: ${err.message}.`);
    }
    ctx.redirect('/siuss/flussi');
  });

  router.get('/siuss/flussi.zip', async (ctx) => {
    const { tenant } = await enter(ctx);
    if (!tenant) return ctx.redirect('/siuss/flussi');
    const tipo = SIUSS_TIPI.find((t) => t === ctx.query.tipo);
    const { stream, count } = await flows.zipStream(tenant, { tipo });
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', 'attachment; filename="flussi-siuss.zip"');
    ctx.set('X-Flussi', String(count));
    ctx.body = stream;
  });

  router.get('/siuss/flussi/:id/xml', async (ctx) => {
    const { tenant } = await enter(ctx);
    if (!tenant) return ctx.redirect('/siuss/flussi');
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Flusso SIUSS', ctx.params.id, 'SIUSS_FLOW_NOT_FOUND');
    const { flow, xml } = await flows.xml(tenant, ctx.params.id);
    ctx.type = 'application/xml';
    ctx.set('Content-Disposition', `attachment; filename="${flow.idFlusso}.xml"`);
    ctx.body = xml;
  });
}

/** The import page (issue 13 item 9): upload a file with a mapping (JSON or a saved mapping's name), then its report. */
export function siussImportPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const imports = services.siussImports;
  const OUTCOME_LABELS: Record<string, string> = { imported: 'Importata', merged: 'Unita a un record esistente', refused: 'Scartata' };

  async function enter(ctx: Context) {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, SIUSS_USERS);
    return { s, tenant: s.principal.tenant };
  }

  async function renderForm(ctx: Context, s: SessionUser, values: { mapping?: string }, errors: FieldError[], status = 200) {
    const title = 'Importazione di record SIUSS';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { label: 'Importazione' }] });
    const byField = (f: string) => errors.filter((e) => e.field === f || e.field.startsWith(`${f}.`)).map((e) => e.message).join(' ') || undefined;
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-importa', layout, {
      title,
      csrf: s.session.csrfToken,
      mapping: values.mapping ?? '',
      fileError: byField('file'),
      mappingError: byField('mapping'),
      errors: errors.map((e) => e.message),
      hasErrors: errors.length > 0,
    });
  }

  router.get('/siuss/importa', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    if (!tenant) {
      const layout = await layoutFor(services, ctx, s, { title: 'Importazione di record SIUSS', breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { label: 'Importazione' }] });
      ctx.type = 'html';
      ctx.body = renderer.render('siuss-comune', layout, { title: 'Importazione di record SIUSS' });
      return;
    }
    await renderForm(ctx, s, {}, []);
  });

  router.post('/siuss/importa', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    const upload = await receive(ctx, services.config.siussImportMaxBytes);
    const { file, fields } = upload;
    let started = false;
    try {
      ctx.request.body = fields;
      checkCsrf(ctx, s.session);
      if (!tenant) return ctx.redirect('/siuss/importa');
      const raw = (fields.mapping ?? '').trim();
      const errors: FieldError[] = [];
      if (!file || file.bytes === 0) errors.push({ field: 'file', message: 'Scegliere il file da importare (CSV, XLSX o TXT).' });
      if (!raw) errors.push({ field: 'mapping', message: 'Indicare la mappatura delle colonne: JSON oppure il nome di una mappatura salvata.' });
      if (errors.length || !file) return await renderForm(ctx, s, { mapping: raw }, errors, 422);
      let mapping: ImportMapping;
      let mappingName: string | null = null;
      try {
        if (raw.startsWith('{')) {
          let json: unknown;
          try {
            json = JSON.parse(raw);
          } catch {
            return await renderForm(ctx, s, { mapping: raw }, [{ field: 'mapping', message: 'Mappatura non valida: JSON malformato.' }], 422);
          }
          mapping = parseMapping(json);
        } else {
          if (!MAPPING_NAME.test(raw)) return await renderForm(ctx, s, { mapping: raw }, [{ field: 'mapping', message: `Nessuna mappatura salvata con il nome «${raw}».` }], 422);
          mapping = (await imports.mappings.get(tenant, raw)).mapping;
          mappingName = raw;
        }
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        return await renderForm(ctx, s, { mapping: raw }, [{ field: 'mapping', message: err.status === 404 ? `Nessuna mappatura salvata con il nome «${raw}».` : err.message }], 422);
      }
      const format = mapping.format ?? formatFromName(file.name);
      if (!format) return await renderForm(ctx, s, { mapping: raw }, [{ field: 'mapping', message: 'Formato del file non riconosciuto: indicare "format" nella mappatura (csv, xlsx, txt).' }], 422);
      const { id, done } = await imports.start({ tenant, user: s.principal.username, fileName: file.name, filePath: file.path, bytes: file.bytes, format, mapping, mappingName });
      started = true;
      // Small files: wait for the report; large ones: the report page shows the progress.
      if (file.bytes <= services.config.siussImportSyncBytes) await done;
      ctx.redirect(`/siuss/importazioni/${id}`);
    } finally {
      if (!started && file) fs.rm(file.path, { force: true }, () => undefined);
    }
  });

  router.get('/siuss/importazioni/:id', async (ctx) => {
    const { s, tenant } = await enter(ctx);
    if (!tenant) return ctx.redirect('/siuss/importa');
    if (!isUuid(ctx.params.id)) throw new NotFoundError('Importazione', ctx.params.id, 'IMPORT_NOT_FOUND', 'f');
    const outcome = (['imported', 'merged', 'refused'] as const).find((o) => o === ctx.query.esito);
    const v = await imports.get(tenant, ctx.params.id, { outcome, limit: 1000 });
    const title = `Importazione di ${v.fileName}`;
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/siuss', label: 'Debito informativo' }, { href: '/siuss/importa', label: 'Importazione' }, { label: v.fileName }] });
    ctx.type = 'html';
    ctx.body = renderer.render('siuss-importazione', layout, {
      title,
      running: v.status === 'running',
      failed: v.status === 'failed',
      error: v.error?.message,
      status: v.status === 'running' ? 'In corso' : v.status === 'completed' ? 'Completata' : 'Non riuscita',
      format: v.format.toUpperCase(),
      tipo: TIPO_LABELS[v.tipo],
      mapping: v.mapping ?? 'indicata nel caricamento',
      progress: v.progress,
      counts: v.counts,
      created: formatDateTime(new Date(v.createdAt)),
      finished: v.finishedAt ? formatDateTime(new Date(v.finishedAt)) : null,
      selfHref: `/siuss/importazioni/${v.id}`,
      filters: [{ label: 'Tutte', href: `/siuss/importazioni/${v.id}`, active: !outcome }, ...(['imported', 'merged', 'refused'] as const).map((o) => ({ label: { imported: 'Importate', merged: 'Unite a record esistenti', refused: 'Scartate' }[o], href: `/siuss/importazioni/${v.id}?esito=${o}`, active: o === outcome }))],
      rowsTotal: v.rowsTotal,
      rows: v.rows.map((r) => ({
        line: r.line,
        outcome: OUTCOME_LABELS[r.outcome] ?? r.outcome,
        refused: r.outcome === 'refused',
        href: r.recordId ? `/siuss/record/${r.recordId}` : null,
        status: r.status ? STATUS_LABELS[r.status as RecordStatus] ?? r.status : '—',
        errors: r.errors.map((e) => e.message).join('; '),
        notes: r.notes.map((e) => e.message).join('; '),
      })),
    });
  });
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  return Array.isArray(v) ? v.join(';') : typeof v === 'object' ? JSON.stringify(v) : String(v as string);
}
