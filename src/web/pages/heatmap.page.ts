/**
 * Heatmap at /cruscotti/sla/mappa: the process diagram (bpmn-js island
 * heatmap.ts) with, on each step, open and overdue tasks and the median
 * duration, coloured by lateness (the figures of slaSummary for the chosen
 * comune or all comuni); the same figures in a table under the diagram.
 */
import type Router from '@koa/router';
import { ProcessDefinition } from '../../db/entities/index.js';
import { DEFAULT_AT_RISK_SHARE, SLA_DURATION_TOLERANCE, slaSummary, type SlaRow } from '../../tasks/sla/sla.service.js';
import { formatDuration, formatPercent } from '../charts.js';
import { formatCount } from '../format.js';
import { layoutFor } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { diagramOf } from './case.page.js';
import { dashboardScope, dashboardTabs, type DashboardScope } from './dashboard-scope.js';

export type Lateness = 'basso' | 'medio' | 'alto';
const LATENESS_LABEL: Record<Lateness, string> = { basso: 'Nei tempi', medio: 'Attenzione', alto: 'In ritardo' };

/** High: a quarter or more of the open tasks overdue, or under 60% on time; medium: any overdue or at risk, or under 85% on time. */
export function lateness(r: SlaRow): Lateness {
  const overdueShare = r.open ? r.overdueNow / r.open : 0;
  if (overdueShare >= 0.25 || (r.onTimePercent !== null && r.onTimePercent < 60)) return 'alto';
  if (r.overdueNow > 0 || r.atRiskNow > 0 || (r.onTimePercent !== null && r.onTimePercent < 85)) return 'medio';
  return 'basso';
}

/** The heatmap's data: the diagram of the latest version the comune uses and the figures per step. */
export async function heatmapData(web: WebContext, sc: DashboardScope) {
  const { services } = web;
  const em = services.orm.em.fork();
  const [rows, defId] = await Promise.all([
    slaSummary(em, { tenant: sc.tenant, from: sc.from, to: sc.to, now: services.clock.now(), processKey: sc.processKey || '-', atRiskShare: DEFAULT_AT_RISK_SHARE, perTenant: false }),
    latestDefinitionId(web, sc.processKey, sc.tenant),
  ]);
  const steps = rows.map((r) => ({
    id: r.elementId,
    name: r.name ?? r.elementId,
    open: r.open,
    overdue: r.overdueNow,
    atRisk: r.atRiskNow,
    median: formatDuration(r.medianSeconds),
    onTime: formatPercent(r.onTimePercent),
    level: lateness(r),
  }));
  return { xml: defId ? await diagramById(web, defId) : null, steps };
}

export function heatmapPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  router.get('/cruscotti/sla/mappa', async (ctx) => {
    const sc = await dashboardScope(services, ctx);
    const [data, layout] = await Promise.all([
      heatmapData(web, sc),
      layoutFor(services, ctx, sc.s, { title: 'Mappa di calore del procedimento', breadcrumbs: [{ href: '/cruscotti/sla', label: 'Cruscotti' }, { href: `/cruscotti/sla?${sc.qs}`, label: 'Tempi (SLA)' }, { label: 'Mappa di calore' }] }),
    ]);
    ctx.type = 'html';
    ctx.body = renderer.render('cruscotto-mappa', layout, {
      tabs: dashboardTabs('mappa', sc.qs),
      scope: sc,
      durationTolerance: formatPercent(SLA_DURATION_TOLERANCE * 100),
      countsOnly: sc.countsOnly,
      metropolitan: sc.tenant === null,
      diagram: data.xml ? { xml: data.xml, steps: data.steps } : null,
      steps: data.steps.map((st) => ({ ...st, openLabel: formatCount(st.open), overdueLabel: formatCount(st.overdue), atRiskLabel: formatCount(st.atRisk), levelLabel: LATENESS_LABEL[st.level] })),
    });
  });
}

/** The version a comune starts now: its own variant, else the shared default (any comune's for all comuni). */
async function latestDefinitionId(web: WebContext, key: string, tenant: string | null): Promise<string | null> {
  const rows = (await web.services.orm.em.fork().getConnection().execute(
    `select id from process_definition where key = ? ${tenant ? 'and (tenant = ? or tenant is null)' : ''} order by (tenant is null) ${tenant ? '' : 'desc'}, version desc limit 1`,
    tenant ? [key, tenant] : [key],
  )) as Array<{ id: string }>;
  return rows[0]?.id ?? null;
}

/** Drawn diagrams by definition id: a deployed version never changes, so its XML is read (and laid out) once. */
const DIAGRAMS = new Map<string, Promise<string | null>>();
const DIAGRAMS_MAX = 50;

function diagramById(web: WebContext, id: string): Promise<string | null> {
  let xml = DIAGRAMS.get(id);
  if (!xml) {
    if (DIAGRAMS.size >= DIAGRAMS_MAX) DIAGRAMS.delete(DIAGRAMS.keys().next().value!);
    xml = web.services.orm.em.fork().findOne(ProcessDefinition, { id }, { populate: ['source'] }).then((def) => (def ? diagramOf(def) : null));
    xml.catch(() => DIAGRAMS.delete(id));
    DIAGRAMS.set(id, xml);
  }
  return xml;
}
