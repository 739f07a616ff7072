/**
 * Incidents at /incidenti (responsabile, admin): the failed jobs and
 * connector calls (external tasks) of the comune, open first — case, step,
 * error, retries left — with *Riprova* (POST with CSRF) through the
 * IncidentService of the API (same rules: the caller's comune only). A
 * metropolitan user sees every comune's incidents without case numbers or
 * links (counts-only rule of the dashboards).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { ExternalTask, Job, ProcessDefinition, ProcessInstance } from '../../db/entities/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { DomainError } from '../../shared/errors.js';
import { uuidOrNone } from '../../api/validation.js';
import { IncidentService } from '../../tasks/external/incident.service.js';
import { comuniOf } from '../cache.js';
import { formatCount, formatDateTime } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { DASHBOARD_ROLES } from './dashboard-scope.js';

const PAGE = 50;
const KIND_LABEL = { 'external-task-failed': 'Chiamata a un servizio esterno', 'job-failed': 'Lavoro automatico' } as const;

export function incidentPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const incidents = new IncidentService(services.orm, services.clock);

  router.get('/incidenti', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...DASHBOARD_ROLES]);
    const q = z.object({ stato: z.enum(['open', 'resolved', 'all']).catch('open'), pagina: z.coerce.number().int().min(1).max(100_000).catch(1) }).parse(ctx.query);
    const countsOnly = s.user.tenant === null;
    const [{ items, total }, layout, comuni] = await Promise.all([
      incidents.list(s.principal, { status: q.stato, limit: PAGE, offset: (q.pagina - 1) * PAGE }),
      layoutFor(services, ctx, s, { title: 'Incidenti', breadcrumbs: [{ label: 'Incidenti' }] }),
      comuniOf(services),
    ]);
    const em = services.orm.em.fork();
    const extIds = items.flatMap((i) => (i.externalTaskId ? [i.externalTaskId] : []));
    const jobIds = items.flatMap((i) => (i.jobId ? [i.jobId] : []));
    const instanceIds = [...new Set(items.map((i) => i.instanceId).filter(Boolean))];
    const [exts, jobs, instances] = await Promise.all([
      extIds.length ? em.find(ExternalTask, { id: { $in: extIds } }) : [],
      jobIds.length ? em.find(Job, { id: { $in: jobIds } }) : [],
      instanceIds.length ? em.find(ProcessInstance, { id: { $in: instanceIds } }, { fields: ['id', 'businessKey', 'definitionId'] }) : [],
    ]);
    const defIds = [...new Set(instances.map((i) => i.definitionId))];
    const defs = defIds.length ? await em.find(ProcessDefinition, { id: { $in: defIds } }, { fields: ['id', 'modelIndex'] }) : [];
    const elementName = (instanceId: string, elementId: string | null) => {
      if (!elementId) return '–';
      const inst = instances.find((i) => i.id === instanceId);
      const def = defs.find((d) => d.id === inst?.definitionId);
      return (def?.modelIndex as ModelIndex | undefined)?.elements?.[elementId]?.name ?? elementId;
    };
    const names = new Map(comuni.list.map((t) => [t.code, t.name]));
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const link = (over: { stato?: string; pagina?: number }) => `/incidenti?${new URLSearchParams({ stato: over.stato ?? q.stato, ...((over.pagina ?? 1) > 1 ? { pagina: String(over.pagina) } : {}) })}`;
    ctx.type = 'html';
    ctx.body = renderer.render('incidenti', layout, {
      countsOnly,
      csrf: s.session.csrfToken,
      filters: [
        { label: 'Aperti', href: link({ stato: 'open' }), active: q.stato === 'open' },
        { label: 'Risolti', href: link({ stato: 'resolved' }), active: q.stato === 'resolved' },
        { label: 'Tutti', href: link({ stato: 'all' }), active: q.stato === 'all' },
      ],
      totalLabel: formatCount(total),
      rows: items.map((i) => {
        const ext = exts.find((e) => e.id === i.externalTaskId);
        const job = jobs.find((j) => j.id === i.jobId);
        const retries = i.kind === 'external-task-failed' ? ext?.retries ?? null : job?.retries ?? null;
        const inst = instances.find((x) => x.id === i.instanceId);
        return {
          id: i.id,
          comune: names.get(i.tenant) ?? i.tenant,
          kind: KIND_LABEL[i.kind] ?? i.kind,
          detail: i.kind === 'external-task-failed' ? (ext ? `servizio «${ext.topic}»` : null) : job ? `lavoro «${job.kind}»` : null,
          instanceId: countsOnly ? null : i.instanceId,
          protocollo: countsOnly ? null : inst?.businessKey ?? i.instanceId?.slice(0, 8),
          step: elementName(i.instanceId, i.elementId),
          message: i.message,
          retries: retries === null ? '–' : formatCount(retries),
          created: formatDateTime(i.createdAt),
          open: i.status === 'open',
          resolved: i.resolvedAt ? `${formatDateTime(i.resolvedAt)}${i.resolvedBy ? ` (${i.resolvedBy})` : ''}` : null,
        };
      }),
      pagination: { show: pages > 1, page: q.pagina, pages, prev: q.pagina > 1 ? link({ pagina: q.pagina - 1 }) : null, next: q.pagina < pages ? link({ pagina: q.pagina + 1 }) : null },
    });
  });

  router.post('/incidenti/:id/riprova', async (ctx) => {
    const s = await requireUser(services, ctx);
    await web.formPost(ctx);
    requirePageRole(s.principal, [...DASHBOARD_ROLES]);
    try {
      const i = await incidents.retry(s.principal, uuidOrNone(ctx.params.id), 1);
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: `L'incidente è risolto: ${i.kind === 'job-failed' ? 'il lavoro' : 'la chiamata al servizio'} verrà ripetuto subito.` });
    } catch (err) {
      if (!(err instanceof DomainError) || err.status === 404 || err.status >= 500) throw err;
      await services.sessions.setFlash(s.session.id, { kind: 'danger', message: `Non è stato possibile ripetere: ${err.message}.` });
    }
    ctx.redirect('/incidenti');
  });
}
