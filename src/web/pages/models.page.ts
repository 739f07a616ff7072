/**
 * The analyst's models (issue 14, items 1–4): /modelli lists each process key
 * with its shared default and the comune's variant; /modelli/{key} shows their
 * versions (who deployed, when, running cases) and draws one with bpmn-js;
 * /modelli/{key}/modifica opens the comune's variant (or a copy of the
 * default, to start one) in the bpmn-js Modeler with the Camunda properties
 * panel, whose *Verifica* and *Pubblica* call POST /api/v1/deployments/validate
 * and POST /api/v1/deployments; /modelli/{key}/differenze shows the diff
 * service's result on two diagrams; /modelli/{key}/migrazione the dry run of a
 * migration and, in the island, its execution in batches. Analysts and admins
 * only; a comune sees its own and the shared definitions (others: 404).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Role } from '../../auth/principal.js';
import { tenantScope, type Principal } from '../../auth/principal.js';
import { Deployment, ProcessDefinition } from '../../db/entities/index.js';
import { NotFoundError } from '../../shared/errors.js';
import { isUuid } from '../../api/validation.js';
import { definitionDiff } from '../../api/routes/diff.routes.js';
import { MigrationService, mappingProblems } from '../../tailoring/migration/migration.service.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { formatDateTime } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { diagramOf } from './case.page.js';

const TAILORING: Role[] = ['analista', 'admin'];
const KEY = /^[A-Za-z_][\w.-]{0,254}$/;
const PROPERTY_LABELS: Record<string, string> = {
  type: 'Tipo', name: 'Nome', assignee: 'Assegnatario', candidateGroups: 'Gruppi candidati', candidateUsers: 'Utenti candidati', formKey: 'Modulo',
  dueDate: 'Scadenza', followUpDate: 'Promemoria', priority: 'Priorità', topic: 'Topic', handler: 'Gestore', message: 'Messaggio', timer: 'Timer',
  condition: 'Condizione', sourceRef: 'Origine', targetRef: 'Destinazione', attachedTo: 'Agganciato a', default: 'Flusso predefinito',
};

/** A definition without its (large) source and compiled state. */
type DefinitionRow = Omit<ProcessDefinition, 'source' | 'compiled'>;

interface VersionRow {
  id: string;
  version: number;
  createdAt: string;
  createdBy: string;
  origin: string;
  running: number;
  selected: boolean;
}

export function modelPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const migrations = new MigrationService({ store: services.store, clock: services.clock });

  router.get('/modelli', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, TAILORING);
    const defs = await visibleDefinitions(s.principal);
    const running = await runningCounts(s.principal, defs.map((d) => d.id));
    const keys = [...new Set(defs.map((d) => d.key))];
    const models = keys.map((key) => {
      const of = defs.filter((d) => d.key === key);
      const shared = of.filter((d) => d.tenant === null);
      const own = of.filter((d) => d.tenant !== null);
      return {
        key,
        name: of.find((d) => d.name)?.name ?? key,
        href: `/modelli/${encodeURIComponent(key)}`,
        shared: shared.length ? { version: shared[0]!.version, count: shared.length, date: formatDateTime(shared[0]!.createdAt) } : null,
        own: own.length ? { version: own[0]!.version, count: own.length, date: formatDateTime(own[0]!.createdAt) } : null,
        running: of.reduce((n, d) => n + (running.get(d.id) ?? 0), 0),
      };
    });
    const layout = await layoutFor(services, ctx, s, { title: 'Modelli dei processi', breadcrumbs: [{ label: 'Modelli' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('modelli', layout, { models, comune: layout.comune, metropolitan: !s.principal.tenant });
  });

  router.get('/modelli/:key', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, TAILORING);
    const { key, defs } = await modelOf(ctx, s.principal);
    const running = await runningCounts(s.principal, defs.map((d) => d.id));
    const deployers = await deployersOf(defs);
    const selectedId = typeof ctx.query.versione === 'string' && defs.some((d) => d.id === ctx.query.versione) ? ctx.query.versione : (defs.find((d) => d.tenant !== null) ?? defs[0])!.id;
    const rows = (list: DefinitionRow[]): VersionRow[] =>
      list.map((d) => ({ id: d.id, version: d.version, createdAt: formatDateTime(d.createdAt), createdBy: deployers.get(d.deploymentId) ?? 'avvio del sistema', origin: ORIGINS[d.origin] ?? d.origin, running: running.get(d.id) ?? 0, selected: d.id === selectedId }));
    const shared = defs.filter((d) => d.tenant === null);
    const own = defs.filter((d) => d.tenant !== null);
    const withDiff = (list: DefinitionRow[]) =>
      rows(list).map((r, i) => ({
        ...r,
        diffHref: list[i + 1] ? `/modelli/${encodeURIComponent(key)}/differenze?versione=${r.id}&rispetto=${list[i + 1]!.id}` : list[i]!.tenant && shared.length ? `/modelli/${encodeURIComponent(key)}/differenze?versione=${r.id}&rispetto=default` : null,
        migrateHref: r.running > 0 && list[0]!.id !== r.id ? `/modelli/${encodeURIComponent(key)}/migrazione?da=${r.id}&a=${list[0]!.id}` : null,
      }));
    const em = services.orm.em.fork();
    const selected = await em.findOneOrFail(ProcessDefinition, { id: selectedId }, { populate: ['source'] });
    const xml = await diagramOf(selected);
    const name = defs.find((d) => d.name)?.name ?? key;
    const layout = await layoutFor(services, ctx, s, { title: `Modello ${name}`, breadcrumbs: [{ href: '/modelli', label: 'Modelli' }, { label: name }] });
    ctx.type = 'html';
    ctx.body = renderer.render('modello', layout, {
      key,
      name,
      editHref: `/modelli/${encodeURIComponent(key)}/modifica`,
      target: s.principal.tenant ? `la variante del ${layout.comune?.name ?? s.principal.tenant}` : 'il modello condiviso',
      canStartVariant: Boolean(s.principal.tenant) && !own.length && shared.length > 0,
      hasVariant: own.length > 0 || (!s.principal.tenant && shared.length > 0),
      shared: withDiff(shared),
      own: withDiff(own),
      comune: layout.comune,
      selected: { version: selected.version, shared: selected.tenant === null },
      diagram: xml ? { xml } : null,
    });
  });

  router.get('/modelli/:key/modifica', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, TAILORING);
    const { key, defs } = await modelOf(ctx, s.principal);
    const target = s.principal.tenant;
    const base = defs.find((d) => d.tenant === target) ?? defs.find((d) => d.tenant === null)!;
    const em = services.orm.em.fork();
    const def = await em.findOneOrFail(ProcessDefinition, { id: base.id }, { populate: ['source'] });
    const xml = await diagramOf(def);
    const fromDefault = def.tenant !== target;
    const name = def.name ?? key;
    const layout = await layoutFor(services, ctx, s, { title: `Modifica ${name}`, breadcrumbs: [{ href: '/modelli', label: 'Modelli' }, { href: `/modelli/${encodeURIComponent(key)}`, label: name }, { label: 'Modifica' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('modello-modifica', layout, {
      key,
      name,
      fromDefault,
      version: def.version,
      target: target ? `la variante del ${layout.comune?.name ?? target}` : 'il modello condiviso (tutti i comuni)',
      editor: { key, xml: xml ?? def.source, fileName: `${key}.bpmn`, previousId: def.id, fromDefault, csrf: s.session.csrfToken },
    });
  });

  router.get('/modelli/:key/differenze', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, TAILORING);
    const { key, defs } = await modelOf(ctx, s.principal);
    const id = typeof ctx.query.versione === 'string' && isUuid(ctx.query.versione) ? ctx.query.versione : defs[0]!.id;
    const against = ctx.query.rispetto === 'default' || (typeof ctx.query.rispetto === 'string' && isUuid(ctx.query.rispetto)) ? (ctx.query.rispetto as string) : 'default';
    const diff = await definitionDiff(services, s.principal, id, against);
    if (diff.definition.key !== key || diff.against.key !== key) throw new NotFoundError('Definizione di processo', id, 'DEFINITION_NOT_FOUND', 'f');
    const em = services.orm.em.fork();
    const [mine, theirs] = await Promise.all([diff.definition.id, diff.against.id].map((d) => em.findOneOrFail(ProcessDefinition, { id: d }, { populate: ['source'] })));
    const label = (d: { version: number; tenant: string | null }) => `${d.tenant ? 'variante del comune' : 'modello condiviso'}, versione ${d.version}`;
    const name = mine!.name ?? key;
    const options = defs.map((d) => ({ id: d.id, label: label(d) }));
    const layout = await layoutFor(services, ctx, s, { title: `Differenze: ${name}`, breadcrumbs: [{ href: '/modelli', label: 'Modelli' }, { href: `/modelli/${encodeURIComponent(key)}`, label: name }, { label: 'Differenze' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('modello-differenze', layout, {
      key,
      name,
      published: ctx.query.pubblicata === '1',
      left: label(diff.against),
      right: label(diff.definition),
      versions: options.map((o) => ({ ...o, selected: o.id === diff.definition.id })),
      againstOptions: [{ id: 'default', label: 'ultimo modello condiviso', selected: against === 'default' }, ...options.map((o) => ({ ...o, selected: o.id === against }))],
      added: diff.added.map(refView),
      removed: diff.removed.map(refView),
      changed: diff.changed.map((c) => ({ ...refView(c), changes: c.changes.map((ch) => ({ property: PROPERTY_LABELS[ch.property] ?? ch.property, from: ch.from ?? '—', to: ch.to ?? '—' })) })),
      parameters: diff.parameters.map((p) => ({ path: p.path, from: show(p.from), to: show(p.to) })),
      none: !diff.added.length && !diff.removed.length && !diff.changed.length,
      diagrams: { left: await diagramOf(theirs!), right: await diagramOf(mine!), added: diff.added.map((a) => a.elementId), removed: diff.removed.map((r) => r.elementId), changed: diff.changed.map((c) => c.elementId) },
    });
  });

  router.get('/modelli/:key/migrazione', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, TAILORING);
    const { key, defs } = await modelOf(ctx, s.principal);
    const pick = (v: unknown, fallback: string) => (typeof v === 'string' && defs.some((d) => d.id === v) ? v : fallback);
    const sourceId = pick(ctx.query.da, defs[defs.length - 1]!.id);
    const targetId = pick(ctx.query.a, defs[0]!.id);
    const [source, target] = await services.store.transaction(async (tx) => [await tx.definition(sourceId), await tx.definition(targetId)]);
    if (!source || !target) throw new NotFoundError('Definizione di processo', sourceId, 'DEFINITION_NOT_FOUND', 'f');
    const targetIds = Object.keys((target.modelIndex as ModelIndex | undefined)?.elements ?? {}).sort();
    const sourceIds = Object.keys((source.modelIndex as ModelIndex | undefined)?.elements ?? {});
    const mapping: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.query)) {
      if (k.startsWith('mappa.') && typeof v === 'string' && v) mapping[k.slice(6)] = v;
    }
    const problems = source.id === target.id ? [{ field: 'a', message: 'origine e destinazione coincidono' }] : mappingProblems(source, target, mapping);
    const reports = problems.length ? [] : await migrations.dryRun({ source, target, mapping, scope: tenantScope(s.principal), batchSize: 50 });
    const label = (d: { version: number; tenant: string | null }) => `${d.tenant ? 'variante del comune' : 'modello condiviso'}, versione ${d.version}`;
    const missing = sourceIds.filter((id) => !targetIds.includes(id)).sort();
    const name = defs.find((d) => d.name)?.name ?? key;
    const layout = await layoutFor(services, ctx, s, { title: `Migrazione: ${name}`, breadcrumbs: [{ href: '/modelli', label: 'Modelli' }, { href: `/modelli/${encodeURIComponent(key)}`, label: name }, { label: 'Migrazione' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('modello-migrazione', layout, {
      key,
      name,
      sources: defs.map((d) => ({ id: d.id, label: label(d), selected: d.id === source.id })),
      targets: defs.map((d) => ({ id: d.id, label: label(d), selected: d.id === target.id })),
      mapping: missing.map((id, i) => ({ from: id, field: `mappa-${i}`, name: `mappa.${id}`, options: targetIds.map((t) => ({ id: t, selected: mapping[id] === t })) })),
      problems: problems.map((p) => `${p.field}: ${p.message}`),
      reports: reports.map((r) => ({ id: r.processInstanceId, businessKey: r.businessKey ?? r.processInstanceId, active: r.activeElements.join(', '), canMigrate: r.canMigrate, reasons: r.reasons.join('; ') })),
      migratable: reports.filter((r) => r.canMigrate).length,
      total: reports.length,
      run: { sourceDefinitionId: source.id, targetDefinitionId: target.id, mapping, instanceIds: reports.filter((r) => r.canMigrate).map((r) => r.processInstanceId), batchSize: 20, csrf: s.session.csrfToken },
    });
  });

  /** The definitions of the key the user sees (own comune and shared), newest first; 404 when none. */
  async function modelOf(ctx: Context, p: Principal): Promise<{ key: string; defs: DefinitionRow[] }> {
    const key = String((ctx.params as Record<string, string | undefined>).key ?? '');
    const defs = KEY.test(key) ? await visibleDefinitions(p, key) : [];
    if (!defs.length) throw new NotFoundError('Modello', key, 'DEFINITION_NOT_FOUND');
    return { key, defs };
  }

  function visibleDefinitions(p: Principal, key?: string): Promise<DefinitionRow[]> {
    const where = { ...(key ? { key } : {}), ...(p.tenant ? { $or: [{ tenant: p.tenant }, { tenant: null }] } : { tenant: null }) };
    return services.orm.em.fork().find(ProcessDefinition, where, { orderBy: [{ key: 'asc' }, { tenant: 'asc nulls first' }, { version: 'desc' }], exclude: ['source', 'compiled'] });
  }

  /** Active cases per definition id, of the user's comune (every comune for a metropolitan user). */
  async function runningCounts(p: Principal, ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const scope = tenantScope(p);
    const rows = (await services.orm.em.fork().getConnection().execute(
      `select definition_id as "id", count(*)::int as "n" from process_instance where status = 'active' and definition_id in (${ids.map(() => '?').join(', ')})${scope ? ' and tenant = ?' : ''} group by definition_id`,
      scope ? [...ids, scope] : ids,
    )) as Array<{ id: string; n: number }>;
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  async function deployersOf(defs: DefinitionRow[]): Promise<Map<string, string>> {
    const rows = await services.orm.em.fork().find(Deployment, { id: { $in: [...new Set(defs.map((d) => d.deploymentId))] } }, { fields: ['id', 'createdBy'] });
    return new Map(rows.filter((r) => r.createdBy).map((r) => [r.id, r.createdBy!]));
  }
}

const ORIGINS: Record<string, string> = { file: 'file del sistema', api: 'API o modeler web', modeler: 'Camunda Modeler' };

function refView(r: { elementId: string; type: string; name: string | null }) {
  return { id: r.elementId, name: r.name ?? r.elementId, type: r.type.replace(/^bpmn:/, '') };
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
