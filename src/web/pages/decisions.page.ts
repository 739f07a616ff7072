/**
 * «Decisioni» at /decisioni: the DMN decisions the comune uses (its own
 * version, else the shared default) and, per decision, /decisioni/{key}: the
 * table drawn by the dmn-js viewer (read-only: a change goes through a
 * deployment and its validation) and the «Prova» panel, a server-rendered form
 * with one field per input of the decision (and of the decisions it
 * requires), evaluated by DecisionService.evaluate — the logic of POST
 * /api/v1/decisions/{key}/evaluate, with the comune's parameters — showing
 * the result and the matched rules (number, id, description), also marked on
 * the table.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { compiledDmn } from '../../decisions/cache.js';
import { decisionXml, latestDecision } from '../../decisions/decision.service.js';
import type { CompiledDmn, DecisionTable } from '../../decisions/model.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { formatDateTime } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';
import type { WebContext } from '../web-context.js';

const ROLES = ['analista', 'admin'] as const;
const FEEL_WORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'if', 'then', 'else', 'for', 'in', 'return', 'some', 'every', 'satisfies', 'instance', 'of', 'between', 'function', 'params']);

interface ProvaInput {
  name: string;
  label: string;
  type: 'number' | 'boolean' | 'date' | 'string';
}
interface Trial {
  values: Record<string, string>;
  errors: Record<string, string>;
  outcome?: { result: unknown; matchedRules: string[]; requiredDecisions: Record<string, { result: unknown; matchedRules: string[] }> };
  failure?: string;
}

export function decisionPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/decisioni', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    const tenant = s.principal.tenant;
    const rows = await services.decisions.list({ scope: tenant, latest: true });
    // per key, the version the comune uses: its own, else the shared one
    const byKey = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!byKey.has(r.key) || r.tenant) byKey.set(r.key, r);
    const layout = await layoutFor(services, ctx, s, { title: 'Decisioni', breadcrumbs: [{ label: 'Decisioni' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('decisioni', layout, {
      items: [...byKey.values()].map((d) => ({ key: d.key, name: d.name ?? d.key, version: d.version, own: d.tenant !== null, file: d.resourceName, created: formatDateTime(d.createdAt) })),
      tenant,
    });
  });

  router.get('/decisioni/:key', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    await render(ctx, s, ctx.params.key, null);
  });

  router.post('/decisioni/:key', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    const form = await web.formPost(ctx);
    const { dmn } = await load(s, ctx.params.key);
    const trial: Trial = { values: {}, errors: {} };
    const variables: Record<string, unknown> = {};
    for (const input of provaInputs(dmn, ctx.params.key)) {
      const raw = (form[fieldName(input.name)] ?? '').trim();
      trial.values[input.name] = raw;
      if (raw === '') continue;
      const v = parseInput(input, raw);
      if (v.error) trial.errors[input.name] = v.error;
      else setPath(variables, input.name, v.value);
    }
    if (!Object.keys(trial.errors).length) {
      try {
        const r = await services.decisions.evaluate(ctx.params.key, s.principal.tenant, variables);
        trial.outcome = { result: r.result, matchedRules: r.matchedRules, requiredDecisions: r.requiredDecisions };
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        trial.failure = err.message;
      }
    }
    await render(ctx, s, ctx.params.key, trial, Object.keys(trial.errors).length ? 422 : 200);
  });

  async function load(s: SessionUser, key: string) {
    const em = services.orm.em.fork();
    const def = await latestDecision(em, key, s.principal.tenant);
    if (!def) throw new NotFoundError('Decisione', key, 'DECISION_NOT_FOUND', 'f');
    const dmn = await compiledDmn(def.id, () => decisionXml(em, def.id));
    return { def, dmn, em };
  }

  async function render(ctx: Context, s: SessionUser, key: string, trial: Trial | null, status = 200) {
    const { def, dmn } = await load(s, key);
    const { xml } = await services.decisions.source(def.id, s.principal.tenant);
    const decision = dmn.decisions[key];
    const title = decision?.name ?? key;
    const inputs = provaInputs(dmn, key);
    const ruleInfo = rulesOf(dmn);
    const matched = trial?.outcome ? [...trial.outcome.matchedRules, ...Object.values(trial.outcome.requiredDecisions).flatMap((r) => r.matchedRules)] : [];
    const layout = await layoutFor(services, ctx, s, { title: `Decisione ${title}`, breadcrumbs: [{ href: '/decisioni', label: 'Decisioni' }, { label: title }] });
    ctx.type = 'html';
    ctx.status = status;
    ctx.body = renderer.render('decisione', layout, {
      key,
      title,
      version: def.version,
      own: def.tenant !== null,
      requires: (decision?.requires ?? []).map((id) => ({ key: id, name: dmn.decisions[id]?.name ?? id })),
      island: { xml, decision: key, matched },
      fields: inputs.map((i) => {
        const value = trial?.values[i.name] ?? '';
        return { id: fieldId(i.name), name: fieldName(i.name), label: i.label, variable: i.name, value, isBoolean: i.type === 'boolean', isDate: i.type === 'date', isNumber: i.type === 'number', yes: value === 'true', no: value === 'false', error: trial?.errors[i.name] };
      }),
      errors: Object.entries(trial?.errors ?? {}).map(([name, message]) => ({ id: fieldId(name), label: inputs.find((i) => i.name === name)?.label ?? name, message })),
      hasErrors: !!trial && Object.keys(trial.errors).length > 0,
      failure: trial?.failure,
      outcome: trial?.outcome
        ? {
            rows: resultRows(trial.outcome.result),
            empty: resultRows(trial.outcome.result).rows.length === 0,
            rules: trial.outcome.matchedRules.map((id) => ruleInfo.get(id) ?? { id, number: '?', table: key, description: null }),
            required: Object.entries(trial.outcome.requiredDecisions).map(([id, r]) => ({ name: dmn.decisions[id]?.name ?? id, rows: resultRows(r.result), rules: r.matchedRules.map((rid) => ruleInfo.get(rid) ?? { id: rid, number: '?', table: id, description: null }) })),
          }
        : null,
      csrf: s.session.csrfToken,
    });
  }
}

/**
 * The variables a person types to try a decision: the inputs of its table and
 * of the tables it requires, whose expressions read variables (names and
 * dotted paths); inputs computed from a required decision are left out.
 */
export function provaInputs(dmn: CompiledDmn, key: string): ProvaInput[] {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (id: string) => {
    if (seen.has(id) || !dmn.decisions[id]) return;
    seen.add(id);
    order.push(id);
    for (const r of dmn.decisions[id]!.requires) visit(r);
  };
  visit(key);
  const decisionNames = new Set(Object.values(dmn.decisions).flatMap((d) => [d.id, d.name, d.variableName].filter((n): n is string => !!n)));
  const out: ProvaInput[] = [];
  const names = new Set<string>();
  for (const id of order) {
    const logic = dmn.decisions[id]!.logic;
    if (logic.kind !== 'table') continue;
    for (const input of (logic as DecisionTable).inputs) {
      const expr = input.expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      if ([...decisionNames].some((n) => expr.includes(n))) continue;
      const simple = /^\s*[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*\s*$/.test(expr);
      const ids = [...expr.matchAll(/[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*(?!\s*\()/g)].map((m) => m[0]).filter((t) => !FEEL_WORDS.has(t) && !FEEL_WORDS.has(t.split('.')[0]!));
      for (const name of ids) {
        if (names.has(name)) continue;
        names.add(name);
        const t = input.typeRef ?? 'string';
        const type: ProvaInput['type'] = t === 'number' || t === 'integer' || t === 'long' || t === 'double' ? 'number' : t === 'boolean' ? 'boolean' : t === 'date' ? 'date' : 'string';
        out.push({ name, label: simple && input.label ? input.label : `${input.label ? `${input.label}: ` : ''}${name}`, type });
      }
    }
  }
  return out;
}

function parseInput(i: ProvaInput, raw: string): { value?: unknown; error?: string } {
  if (i.type === 'boolean') return raw === 'true' ? { value: true } : raw === 'false' ? { value: false } : { error: 'Scegliere Sì o No.' };
  if (i.type === 'number') {
    const t = raw.replace(/\s|€/g, '');
    const n = /,/.test(t) ? Number(t.replace(/\./g, '').replace(',', '.')) : Number(t);
    return Number.isFinite(n) && t !== '' ? { value: n } : { error: 'Inserire un numero (es. 1234,56).' };
  }
  if (i.type === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(raw) ? { value: raw } : { error: 'Inserire una data valida.' };
  return { value: raw };
}

/** The rules of every table of the file by id: number (1-based, as in the table), table name, description. */
function rulesOf(dmn: CompiledDmn): Map<string, { id: string; number: number; table: string; description: string | null }> {
  const map = new Map<string, { id: string; number: number; table: string; description: string | null }>();
  for (const d of Object.values(dmn.decisions)) {
    if (d.logic.kind !== 'table') continue;
    d.logic.rules.forEach((r, i) => map.set(r.id, { id: r.id, number: i + 1, table: d.name ?? d.id, description: r.description ?? null }));
  }
  return map;
}

/** The result as a table: one column per output name, one row per matched rule / entry. */
function resultRows(result: unknown): { columns: string[]; rows: string[][] } {
  const list = Array.isArray(result) ? result : result === null || result === undefined ? [] : [result];
  const maps: Array<Record<string, unknown>> = list.map((r: unknown) => (r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : { valore: r }));
  const columns = [...new Set(maps.flatMap((m) => Object.keys(m)))];
  return { columns, rows: maps.map((m) => columns.map((c) => show(m[c]))) };
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'Sì' : 'No';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

function fieldName(variable: string): string {
  return `v_${variable.replace(/\./g, '__')}`;
}

function fieldId(variable: string): string {
  return `prova-${variable.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}
