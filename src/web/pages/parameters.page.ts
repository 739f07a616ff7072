/**
 * «Parametri» at /parametri: the comune's parameters of a process key as a
 * form generated from their JSON Schema, the shipped default beside each
 * value and the changed ones marked; saving goes through ParameterService
 * (same validation, versioning and conflict rules as PUT
 * /api/v1/tenants/{code}/parameters/{key}) and its Italian messages come back
 * beside their fields; the version history (who, when, what changed) with
 * restore of an older version. Server-rendered: no JavaScript needed.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { actingTenant, type Principal } from '../../auth/principal.js';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Json, JsonObject } from '../../tailoring/parameters/merge.js';
import { formatDateTime } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';
import type { SessionUser } from '../web-auth.js';
import { changedPaths, displayValue, getPath, parseValue, readableValue, sameValue, schemaFields, setPath, type ParamField } from './parameters-form.js';

const SOURCES: Record<string, string> = { 'comune-file': 'impostato nel file del comune', override: 'modificato dal comune' };

interface Submitted {
  values: Record<string, string>;
  errors: Record<string, string>;
  comment: string;
  general?: string;
}

export function parameterPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/parametri', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ['analista', 'admin']);
    await render(ctx, s, pickKey(ctx.query.processo), null);
  });

  router.post('/parametri', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ['analista', 'admin']);
    const form = await web.formPost(ctx);
    const key = pickKey(form.processo);
    const tenant = tenantOf(s.principal);
    const resolved = await services.parameters.resolve(services.orm.em.fork(), key, tenant);
    const base = services.parameters.resolveWith(key, tenant, null)!.values;
    const groups = schemaFields(services.parameters.schema(key) ?? {}, resolved.values);
    const submitted: Submitted = { values: {}, errors: {}, comment: (form.commento ?? '').trim() };
    const overrides: JsonObject = {};
    for (const f of groups.flatMap((g) => g.fields)) {
      const raw = form[fieldName(f.path)] ?? '';
      submitted.values[f.path] = raw;
      const parsed = parseValue(f, raw);
      if (parsed.error) submitted.errors[f.path] = parsed.error;
      else if (!sameValue(parsed.value, getPath(base, f.path))) setPath(overrides, f.path, parsed.value!);
    }
    if (submitted.comment.length > 1000) submitted.errors.commento = 'Al massimo 1000 caratteri.';
    // the form was filled on an older version: someone saved in between
    if (form.base !== undefined && form.base !== String(resolved.version)) {
      submitted.general = `Nel frattempo un altro utente ha salvato la versione ${resolved.version} dei parametri: controlla lo storico qui sotto e salva di nuovo (i valori che hai inserito sono stati mantenuti).`;
      return render(ctx, s, key, submitted, 409);
    }
    if (Object.keys(submitted.errors).length) return render(ctx, s, key, submitted, 422);
    try {
      await services.parameters.update(services.orm.em.fork(), key, tenant, overrides, s.principal.username, submitted.comment || null);
    } catch (err) {
      if (err instanceof ValidationError) {
        const fields = ((err.details as { fields?: Array<{ field: string; message: string }> } | undefined)?.fields ?? []);
        for (const p of fields) submitted.errors[p.field] = sentence(plain(p.message));
        if (!fields.length) submitted.general = err.message;
        return render(ctx, s, key, submitted, 422);
      }
      if (err instanceof DomainError && err.status === 409) return render(ctx, s, key, { ...submitted, general: err.message }, 409);
      throw err;
    }
    await services.sessions.setFlash(s.session.id, { kind: 'success', message: 'Parametri salvati: la nuova versione vale per le prossime attività del comune.' });
    ctx.redirect(`/parametri?processo=${encodeURIComponent(key)}`);
  });

  router.post('/parametri/ripristino', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ['analista', 'admin']);
    const form = await web.formPost(ctx);
    const key = pickKey(form.processo);
    const tenant = tenantOf(s.principal);
    const em = services.orm.em.fork();
    const version = Number(form.versione);
    const row = (await services.parameters.versions(em, key, tenant)).find((r) => r.version === version);
    if (!row) throw new NotFoundError('Versione dei parametri', String(form.versione), 'PARAMETERS_VERSION_NOT_FOUND', 'f');
    try {
      await services.parameters.update(em, key, tenant, row.values as JsonObject, s.principal.username, `Ripristino della versione ${version}`);
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: `Ripristinata la versione ${version}: salvata come nuova versione.` });
    } catch (err) {
      // an older version may no longer pass a newer schema
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      await services.sessions.setFlash(s.session.id, { kind: 'danger', message: `Non è stato possibile ripristinare la versione ${version}: ${err.message}.` });
    }
    ctx.redirect(`/parametri?processo=${encodeURIComponent(key)}`);
  });

  function pickKey(raw: unknown): string {
    const keys = services.parameters.keys();
    if (typeof raw === 'string' && keys.includes(raw)) return raw;
    if (!keys.length) throw new NotFoundError('Parametri del processo', String(raw ?? ''), 'PARAMETERS_NOT_FOUND', 'mp');
    return keys.includes('rei') ? 'rei' : keys[0]!;
  }

  /** The comune the page works on: the user's (a metropolitan user chooses one in the header). */
  function tenantOf(p: Principal): string {
    if (!p.tenant) throw new ValidationError('Scegliere prima un comune');
    return actingTenant(p, p.tenant)!;
  }

  async function render(ctx: Context, s: SessionUser, key: string, submitted: Submitted | null, status = 200) {
    const layout = await layoutFor(services, ctx, s, { title: 'Parametri', breadcrumbs: [{ label: 'Parametri' }] });
    const keys = services.parameters.keys().map((k) => ({ key: k, selected: k === key }));
    ctx.type = 'html';
    ctx.status = status;
    if (!s.principal.tenant) {
      ctx.body = renderer.render('parametri', layout, { noTenant: true, keys, key });
      return;
    }
    const tenant = s.principal.tenant;
    const em = services.orm.em.fork();
    const [resolved, versions] = await Promise.all([services.parameters.resolve(em, key, tenant), services.parameters.versions(em, key, tenant)]);
    const defaults = services.parameters.defaults(key);
    const base = services.parameters.resolveWith(key, tenant, null)!.values;
    const groups = schemaFields(services.parameters.schema(key) ?? {}, resolved.values);
    const byPath = new Map(groups.flatMap((g) => g.fields).map((f) => [f.path, f]));
    const errors = Object.entries(submitted?.errors ?? {}).map(([field, message]) => ({ field, message, id: byPath.has(field) ? fieldId(field) : field === 'commento' ? 'par-commento' : 'parametri-form', label: byPath.get(field)?.label ?? (field === 'commento' ? 'Nota' : field) }));
    const view = groups.map((g, gi) => ({
      title: g.title,
      id: `gruppo-${gi}`,
      fields: g.fields.map((f) => fieldView(f, resolved.values, defaults, resolved.sources, submitted)),
    }));
    const rows = [...versions].sort((a, b) => a.version - b.version);
    const history = rows
      .map((r, i) => {
        const before = (i > 0 ? rows[i - 1]!.values : {}) as JsonObject;
        const after = r.values as JsonObject;
        return {
          version: r.version,
          who: r.createdBy,
          when: formatDateTime(r.createdAt),
          comment: r.comment,
          current: r.version === resolved.version,
          changes: changedPaths(before, after).map((path) => {
            const f = byPath.get(path);
            // a key absent from the overrides has the value of the layers below (default, comune's file)
            const value = (o: JsonObject) => getPath(o, path) ?? getPath(base, path);
            return { label: f?.label ?? path, from: readableValue(f, value(before)), to: readableValue(f, value(after)) };
          }),
        };
      })
      .reverse();
    ctx.body = renderer.render('parametri', layout, {
      key,
      keys,
      multipleKeys: keys.length > 1,
      groups: view,
      version: resolved.version,
      changedCount: view.flatMap((g) => g.fields).filter((f) => f.changed).length,
      errors,
      hasErrors: errors.length > 0,
      general: submitted?.general,
      comment: submitted?.comment ?? '',
      commentError: submitted?.errors.commento,
      history,
      csrf: s.session.csrfToken,
    });
  }
}

function fieldView(f: ParamField, values: JsonObject, defaults: JsonObject, sources: Record<string, string>, submitted: Submitted | null) {
  const current = getPath(values, f.path);
  const def = getPath(defaults, f.path);
  const value = submitted ? (submitted.values[f.path] ?? '') : displayValue(f, current);
  const source = sourceOf(sources, f.path);
  const changed = !sameValue(current, def);
  const hint = [
    f.min !== undefined && f.max !== undefined ? `Tra ${fmt(f.min)} e ${fmt(f.max)}.` : f.min !== undefined ? `Almeno ${fmt(f.min)}.` : f.max !== undefined ? `Al massimo ${fmt(f.max)}.` : '',
    f.kind === 'numberList' ? 'Numeri separati da punto e virgola.' : '',
    f.kind === 'choiceList' ? `Valori separati da virgola, in ordine, tra: ${(f.options ?? []).join(', ')}.` : '',
  ].filter(Boolean).join(' ');
  return {
    id: fieldId(f.path),
    name: fieldName(f.path),
    label: f.label,
    value,
    isChoice: f.kind === 'choice',
    isBoolean: f.kind === 'boolean',
    isDate: f.kind === 'date',
    isNumeric: f.kind === 'number' || f.kind === 'integer' || f.kind === 'numberList',
    options: (f.options ?? []).map((o) => ({ value: o, label: o.replace(/_/g, ' '), selected: o === value })),
    yes: value === 'true',
    no: value === 'false',
    defaultText: readableValue(f, def as Json | undefined),
    changed,
    sourceText: changed ? (SOURCES[source] ?? 'modificato') : null,
    hint,
    error: submitted?.errors[f.path],
  };
}

/** The source of a leaf, or of the array/object it belongs to. */
function sourceOf(sources: Record<string, string>, path: string): string {
  if (sources[path]) return sources[path]!;
  const nested = Object.entries(sources).filter(([k]) => k.startsWith(`${path}.`)).map(([, v]) => v);
  return nested.includes('override') ? 'override' : nested.includes('comune-file') ? 'comune-file' : 'default';
}

/** Form field name of a parameter path (no dots: the form parser would nest them). */
function fieldName(path: string): string {
  return `p_${path.replace(/\./g, '__')}`;
}

function fieldId(path: string): string {
  return `par-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function fmt(n: number): string {
  return String(n).replace('.', ',');
}

/** ajv's comparisons in words: "deve essere <= 120" → "deve essere al massimo 120". */
function plain(message: string): string {
  const words: Record<string, string> = { '<=': 'al massimo', '>=': 'almeno', '<': 'minore di', '>': 'maggiore di' };
  return message.replace(/deve essere (<=|>=|<|>) (-?[\d.]+)/, (_, op: string, n: string) => `deve essere ${words[op]} ${n.replace('.', ',')}`);
}

function sentence(s: string): string {
  const t = s.trim();
  return t ? `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
}

