/**
 * "Le mie attività": the inbox page (tabs with counts, filters kept in the
 * session — they may hold a name or a codice fiscale, never the URL —, sorting,
 * pagination) and the one-click task actions (prendi in carico, rilascia,
 * assegna) posted from the inbox and the task page. Lists, counts and actions
 * are InboxService's; due states are the SLA rule (dueState).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { hasRole, type Principal } from '../../auth/principal.js';
import type { Task } from '../../db/entities/index.js';
import { comuniOf, TtlCache } from '../cache.js';
import { endOfRomeDay, isIsoDay } from '../../engine/calendar/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { DomainError } from '../../shared/errors.js';
import { uuidOrNone } from '../../api/validation.js';
import type { Services } from '../../api/context.js';
import { TASK_TOTAL_CAP, type TaskQuery } from '../../tasks/inbox.service.js';
import type { TaskCaseContext } from '../../tasks/task-context.js';
import { dueState, type DueState } from '../../tasks/sla/sla.service.js';
import { formatCount, formatDate } from '../format.js';
import { CASE_ROLES, layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';

export const PAGE_SIZE = 25;
const TABS = [
  { key: 'mie', label: 'Assegnate a me' },
  { key: 'gruppi', label: 'Da prendere in carico' },
  { key: 'tutte', label: 'Tutte' },
] as const;
type TabKey = (typeof TABS)[number]['key'];
const TAB_COUNT = { mie: 'mine', gruppi: 'claimable', tutte: 'all' } as const;
/** Tab badges other than the open tab's stop counting here ("più di 1.000"). */
const COUNT_CAP = 1000;
/** The open tab is counted exactly up to here ("più di 10.000", 400 pages), as the API's task list. */
const TAB_CAP = TASK_TOTAL_CAP;
const SORTS = { scadenza: 'due', creazione: 'created', priorita: 'priority' } as const;
const querySchema = z.object({
  scheda: z.enum(['mie', 'gruppi', 'tutte']).catch('mie'),
  ordina: z.enum(['scadenza', 'creazione', 'priorita']).catch('scadenza'),
  verso: z.enum(['asc', 'desc']).optional().catch(undefined),
  pagina: z.coerce.number().int().min(1).max(100_000).catch(1),
});

export const DUE_STATE_VIEW: Record<DueState, { label: string; badge: string }> = {
  in_tempo: { label: 'In tempo', badge: 'bg-success' },
  a_rischio: { label: 'A rischio', badge: 'bg-warning text-dark' },
  scaduta: { label: 'Scaduta', badge: 'bg-danger' },
};

export interface InboxFilter {
  processo?: string;
  passo?: string;
  scadenzaEntro?: string;
  testo?: string;
}

export function inboxPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/attivita', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const q = querySchema.parse(ctx.query);
    const filter = (s.session.inboxFilter ?? {}) as InboxFilter;
    const filtered = Boolean(filter.processo || filter.passo || filter.scadenzaEntro || filter.testo);
    const sort = SORTS[q.ordina];
    const order = q.verso ?? (sort === 'priority' ? 'desc' : 'asc');
    const query: TaskQuery = {
      ...tabQuery(q.scheda),
      processKey: filter.processo || undefined,
      elementId: filter.passo || undefined,
      dueBefore: filter.scadenzaEntro ? new Date(endOfRomeDay(filter.scadenzaEntro)) : undefined,
      text: filter.testo || undefined,
      sort,
      order,
      limit: PAGE_SIZE,
      offset: (q.pagina - 1) * PAGE_SIZE,
      count: filtered,
    };
    const [page, counts, processes, layout] = await Promise.all([
      services.inbox.listWithContext(s.principal, query),
      services.inbox.counts(s.principal, { exact: filtered ? undefined : TAB_COUNT[q.scheda], cap: COUNT_CAP, exactCap: TAB_CAP }),
      processOptions(services, s.principal),
      layoutFor(services, ctx, s, { title: 'Le mie attività', breadcrumbs: [{ label: 'Le mie attività' }] }),
    ]);
    const counted = filtered ? page.total : counts[TAB_COUNT[q.scheda]];
    const total = Math.min(counted, TAB_CAP);
    const rows = await taskRows(services, s.principal, page.items);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (over: Partial<z.infer<typeof querySchema>>) => {
      const v = { ...q, verso: q.verso, ...over };
      const params = new URLSearchParams({ scheda: v.scheda, ordina: v.ordina, ...(v.verso ? { verso: v.verso } : {}), ...(v.pagina > 1 ? { pagina: String(v.pagina) } : {}) });
      return `/attivita?${params}`;
    };
    const sortHeader = (key: keyof typeof SORTS, label: string) => {
      const current = q.ordina === key;
      const next = current && order === 'asc' ? 'desc' : 'asc';
      return { label, href: link({ ordina: key, verso: next, pagina: 1 }), ariaSort: current ? (order === 'asc' ? 'ascending' : 'descending') : 'none', current, arrow: current ? (order === 'asc' ? '▲' : '▼') : '' };
    };
    const selected = processes.find((p) => p.key === filter.processo);
    ctx.type = 'html';
    ctx.body = renderer.render('attivita', layout, {
      tabs: TABS.map((t) => {
        const n = counts[TAB_COUNT[t.key]];
        const shown = t.key === q.scheda && !filtered ? TAB_CAP : COUNT_CAP;
        return { ...t, href: link({ scheda: t.key, pagina: 1 }), active: t.key === q.scheda, count: n > shown ? `più di ${formatCount(shown)}` : formatCount(n) };
      }),
      tab: q.scheda,
      tabLabel: TABS.find((t) => t.key === q.scheda)!.label,
      filter,
      filtered,
      processes: processes.map((p) => ({ ...p, selected: p.key === filter.processo })),
      steps: (selected ? selected.steps : processes.flatMap((p) => p.steps)).filter((st, i, all) => all.findIndex((x) => x.id === st.id) === i).map((st) => ({ ...st, selected: st.id === filter.passo })),
      rows,
      totalLabel: counted > TAB_CAP ? `più di ${formatCount(TAB_CAP)}` : formatCount(total),
      headers: { scadenza: sortHeader('scadenza', 'Scadenza'), priorita: sortHeader('priorita', 'Priorità'), creazione: sortHeader('creazione', 'Creata il') },
      pagination: {
        show: pages > 1,
        page: q.pagina,
        pages,
        prev: q.pagina > 1 ? link({ pagina: q.pagina - 1 }) : null,
        next: q.pagina < pages ? link({ pagina: q.pagina + 1 }) : null,
      },
      returnTo: link({}),
      csrf: s.session.csrfToken,
    });
  });

  router.post('/attivita/filtri', async (ctx) => {
    const s = await requireUser(services, ctx);
    const form = await web.formPost(ctx);
    const scheda = querySchema.shape.scheda.parse(form.scheda);
    if (form.azione === 'azzera') {
      await services.sessions.setInboxFilter(s.session.id, null);
      return ctx.redirect(`/attivita?scheda=${scheda}`);
    }
    const filter: InboxFilter = {};
    for (const k of ['processo', 'passo', 'testo'] as const) if (form[k]?.trim()) filter[k] = form[k].trim().slice(0, 100);
    if (form.scadenzaEntro?.trim()) {
      if (!isIsoDay(form.scadenzaEntro.trim())) {
        await services.sessions.setFlash(s.session.id, { kind: 'danger', message: 'La data «Scadenza entro il» non è valida: usa il formato gg/mm/aaaa.' });
        return ctx.redirect(`/attivita?scheda=${scheda}`);
      }
      filter.scadenzaEntro = form.scadenzaEntro.trim();
    }
    await services.sessions.setInboxFilter(s.session.id, Object.keys(filter).length ? (filter as Record<string, string>) : null);
    ctx.redirect(`/attivita?scheda=${scheda}`);
  });

  const action = (name: 'prendi' | 'rilascia' | 'assegna', run: (p: Principal, id: string, form: Record<string, string>) => Promise<string>) =>
    router.post(`/attivita/:id/${name}`, async (ctx) => {
      const s = await requireUser(services, ctx);
      const form = await web.formPost(ctx);
      requirePageRole(s.principal, CASE_ROLES);
      const id = uuidOrNone(ctx.params.id);
      try {
        await services.sessions.setFlash(s.session.id, { kind: 'success', message: await run(s.principal, id, form) });
      } catch (err) {
        if (!(err instanceof DomainError) || err.status === 404 || err.status >= 500) throw err;
        await services.sessions.setFlash(s.session.id, { kind: 'danger', message: `Non è stato possibile completare l'operazione: ${err.message}.` });
      }
      ctx.redirect(returnTo(form.ritorno, id));
    });
  action('prendi', async (p, id) => {
    const t = await services.inbox.claim(p, id);
    return `Hai preso in carico l'attività «${t.name ?? t.elementId}».`;
  });
  action('rilascia', async (p, id) => {
    const t = await services.inbox.unclaim(p, id);
    return `L'attività «${t.name ?? t.elementId}» è di nuovo a disposizione del gruppo.`;
  });
  action('assegna', async (p, id, form) => {
    const user = form.utente?.trim() || null;
    const t = await services.inbox.assign(p, id, user);
    return user ? `Attività «${t.name ?? t.elementId}» assegnata a ${user}.` : `Attività «${t.name ?? t.elementId}» senza assegnatario.`;
  });
}

function tabQuery(tab: TabKey): Partial<TaskQuery> {
  if (tab === 'mie') return { assignee: 'me' };
  if (tab === 'gruppi') return { claimable: true };
  return {};
}

/** Back to the inbox or the task page only (never an address from outside). */
function returnTo(value: string | undefined, id: string): string {
  return value && /^\/attivita(\/[0-9a-f-]{36})?(\?[\w=&%.-]*)?$/.test(value) ? value : `/attivita/${id}`;
}

/** One inbox row: the task, its case (protocollo, applicant), due date and state, working days left, priority, assignee. */
export async function taskRows(services: Services, p: Principal, tasks: Array<{ task: Task; context: TaskCaseContext }>) {
  const now = services.clock.now();
  const { calendars } = await comuniOf(services);
  const manager = hasRole(p, 'responsabile', 'admin');
  return tasks.map(({ task: t, context }) => {
    const state = t.status === 'open' ? dueState(t, now) : null;
    const calendar = calendars.get(t.tenant);
    const daysLeft = t.dueAt && calendar ? calendar.workingDaysBetween(now, t.dueAt) : null;
    const a = context.richiedente;
    const candidate = t.candidateUsers.includes(p.username) || t.candidateGroups.some((g) => p.groups.includes(g));
    return {
      id: t.id,
      name: t.name ?? t.elementId,
      protocollo: t.businessKey,
      instanceId: t.instanceId,
      richiedente: a ? `${a.cognome} ${a.nome}` : null,
      codiceFiscale: a?.codiceFiscale ?? null,
      due: t.dueAt ? formatDate(t.dueAt) : null,
      state: state ? DUE_STATE_VIEW[state] : null,
      daysLeft: daysLeft === null ? null : daysLeft >= 0 ? `${daysLeft} ${daysLeft === 1 ? 'giorno lavorativo' : 'giorni lavorativi'}` : `${-daysLeft} ${daysLeft === -1 ? 'giorno lavorativo' : 'giorni lavorativi'} di ritardo`,
      priority: priorityLabel(t.priority),
      assignee: t.assignee === p.username ? 'Tu' : t.assignee,
      created: formatDate(t.createdAt),
      canClaim: t.status === 'open' && !t.assignee && candidate,
      canRelease: t.status === 'open' && Boolean(t.assignee) && (t.assignee === p.username || manager),
    };
  });
}

export function priorityLabel(priority: number): { label: string; badge: string } {
  if (priority >= 75) return { label: `Alta (${priority})`, badge: 'bg-danger' };
  if (priority <= 25) return { label: `Bassa (${priority})`, badge: 'bg-secondary' };
  return { label: `Normale (${priority})`, badge: 'bg-primary' };
}

type ProcessOption = { key: string; name: string; steps: Array<{ id: string; name: string }> };
const processCaches = new WeakMap<Services, TtlCache<ProcessOption[]>>();

/** Processes deployed for the comune (latest version each) with their user-task steps, for the filters; re-read at most every 30 s. */
function processOptions(services: Services, p: Principal): Promise<ProcessOption[]> {
  let cache = processCaches.get(services);
  if (!cache) processCaches.set(services, (cache = new TtlCache<ProcessOption[]>(services.clock, 30_000)));
  return cache.get(p.tenant ?? '*', () => loadProcessOptions(services, p.tenant));
}

async function loadProcessOptions(services: Services, scope: string | null): Promise<ProcessOption[]> {
  const rows = (await services.orm.em.fork().getConnection().execute(
    `select distinct on (key) key, name, model_index as "modelIndex" from process_definition
      ${scope ? 'where tenant = ? or tenant is null' : ''} order by key, (tenant is null), version desc`,
    scope ? [scope] : [],
  )) as Array<{ key: string; name: string | null; modelIndex: ModelIndex | string }>;
  return rows.map((r) => {
    const index = (typeof r.modelIndex === 'string' ? JSON.parse(r.modelIndex) : r.modelIndex) as ModelIndex;
    const steps = Object.values(index?.elements ?? {})
      .filter((e) => e.userTask)
      .map((e) => ({ id: e.id, name: e.name ?? e.id }))
      .sort((a, b) => a.name.localeCompare(b.name, 'it'));
    return { key: r.key, name: r.name ?? r.key, steps };
  });
}

