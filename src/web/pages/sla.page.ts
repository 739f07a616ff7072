/**
 * SLA dashboard at /cruscotti/sla: per step of a process, for a period, the
 * figures of GET /api/v1/sla/summary (same service, same numbers): tasks,
 * on-time share, open, overdue and at risk now, median and p90 duration; bar
 * charts (server SVG) beside their tables, the monthly trend, CSV of every
 * table (/cruscotti/sla/csv), and each number linking to its tasks
 * (/cruscotti/sla/pratiche). A metropolitan user sees all comuni aggregated
 * and side by side, counts only (no list of cases).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError } from '../../shared/errors.js';
import { DEFAULT_AT_RISK_SHARE, SLA_DURATION_TOLERANCE, dueState, slaSummary, type SlaRow } from '../../tasks/sla/sla.service.js';
import { SLA_MEASURES, slaCases, slaTrend, type SlaTrendRow } from '../../tasks/sla/sla-dashboard.js';
import { barChartSvg, formatDuration, formatPercent, toCsv } from '../charts.js';
import { formatCount, formatDate, formatDateTime } from '../format.js';
import { layoutFor } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { DUE_STATE_VIEW } from './inbox.page.js';
import { dashboardScope, dashboardTabs, monthLabel, type DashboardScope } from './dashboard-scope.js';

const COLORS = { inTempo: '#008055', aRischio: '#995c00', scadute: '#d9364f', volume: '#0066cc' };
const MEASURE_LABELS: Record<(typeof SLA_MEASURES)[number], string> = {
  totale: 'Attività nel periodo',
  concluse: 'Attività concluse',
  'in-tempo': 'Concluse entro la scadenza',
  'in-ritardo': 'Concluse dopo la scadenza',
  aperte: 'Attività aperte',
  scadute: 'Aperte e scadute',
  'a-rischio': 'Aperte e a rischio',
};
const PAGE = 50;

export interface SlaFigures {
  steps: SlaRow[];
  perComune: SlaRow[];
  trend: SlaTrendRow[];
}

/** The figures of the page: slaSummary for the scope (and per comune for all comuni), the monthly trend. */
export async function slaFigures(web: WebContext, sc: DashboardScope): Promise<SlaFigures> {
  const { services } = web;
  const base = { tenant: sc.tenant, from: sc.from, to: sc.to, now: services.clock.now(), processKey: sc.processKey || '-', atRiskShare: DEFAULT_AT_RISK_SHARE };
  const [steps, perComune, trend] = await Promise.all([
    slaSummary(services.orm.em.fork(), { ...base, perTenant: false }),
    sc.tenant === null ? slaSummary(services.orm.em.fork(), { ...base, perTenant: true }) : Promise.resolve([]),
    slaTrend(services.orm.em.fork(), { ...base, perTenant: false }),
  ]);
  return { steps, perComune, trend };
}

export function slaPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/cruscotti', (ctx) => ctx.redirect('/cruscotti/sla'));

  router.get('/cruscotti/sla', async (ctx) => {
    const sc = await dashboardScope(services, ctx);
    const [f, layout] = await Promise.all([slaFigures(web, sc), layoutFor(services, ctx, sc.s, { title: 'Cruscotto dei tempi (SLA)', breadcrumbs: [{ href: '/cruscotti/sla', label: 'Cruscotti' }, { label: 'Tempi (SLA)' }] })]);
    const link = (r: SlaRow, measure: string) => (sc.countsOnly ? null : `/cruscotti/sla/pratiche?${sc.qs}&passo=${encodeURIComponent(r.elementId)}&misura=${measure}`);
    const stepView = (r: SlaRow) => ({
      name: r.name ?? r.elementId,
      comune: r.tenant ? sc.comuni.get(r.tenant) ?? r.tenant : null,
      cells: [
        { value: formatCount(r.total), href: link(r, 'totale') },
        { value: formatCount(r.completed), href: link(r, 'concluse') },
        { value: formatPercent(r.onTimePercent), href: link(r, 'in-tempo'), title: `${formatCount(r.completedOnTime)} su ${formatCount(r.completedWithDue)} con scadenza` },
        { value: formatCount(r.open), href: link(r, 'aperte') },
        { value: formatCount(r.overdueNow), href: link(r, 'scadute'), danger: r.overdueNow > 0 },
        { value: formatCount(r.atRiskNow), href: link(r, 'a-rischio'), warning: r.atRiskNow > 0 },
        { value: formatDuration(r.medianSeconds) },
        { value: formatDuration(r.p90Seconds) },
      ],
    });
    const comuni = sc.tenant === null ? comuneTotals(f.perComune, sc) : [];
    ctx.type = 'html';
    ctx.body = renderer.render('cruscotto-sla', layout, {
      tabs: dashboardTabs('sla', sc.qs),
      scope: sc,
      metropolitan: sc.tenant === null,
      durationTolerance: formatPercent(SLA_DURATION_TOLERANCE * 100),
      countsOnly: sc.countsOnly,
      steps: f.steps.map(stepView),
      perComune: f.perComune.map(stepView),
      comuni,
      trend: f.trend.map((t) => ({ month: monthLabel(t.month), total: formatCount(t.total), completed: formatCount(t.completed), onTime: formatPercent(t.onTimePercent) })),
      charts: {
        onTime: barChartSvg({
          id: 'grafico-puntualita',
          title: 'Attività concluse entro la scadenza, per passo',
          description: `Percentuale per passo ${sc.periodLabel}; i valori sono nella tabella «Tempi per passo».`,
          series: [{ label: 'In tempo', color: COLORS.inTempo }],
          rows: f.steps.map((r) => ({ label: r.name ?? r.elementId, values: [r.onTimePercent ?? 0] })),
          max: 100,
          unit: ' %',
        }),
        open: barChartSvg({
          id: 'grafico-aperte',
          title: 'Attività aperte per passo: in tempo, a rischio, scadute',
          description: 'Attività aperte adesso per passo; i valori sono nella tabella «Tempi per passo».',
          series: [
            { label: 'In tempo o senza scadenza', color: COLORS.volume },
            { label: 'A rischio', color: COLORS.aRischio },
            { label: 'Scadute', color: COLORS.scadute },
          ],
          rows: f.steps.map((r) => ({ label: r.name ?? r.elementId, values: [r.open - r.overdueNow - r.atRiskNow, r.atRiskNow, r.overdueNow] })),
        }),
        volumes: barChartSvg({
          id: 'grafico-volumi',
          title: 'Attività create per mese',
          description: 'Volumi mensili; i valori sono nella tabella «Andamento mensile».',
          series: [{ label: 'Attività', color: COLORS.volume }],
          rows: f.trend.map((t) => ({ label: monthLabel(t.month), values: [t.total] })),
        }),
        trendOnTime: barChartSvg({
          id: 'grafico-puntualita-mese',
          title: 'Attività concluse entro la scadenza, per mese',
          description: 'Percentuale mensile; i valori sono nella tabella «Andamento mensile».',
          series: [{ label: 'In tempo', color: COLORS.inTempo }],
          rows: f.trend.map((t) => ({ label: monthLabel(t.month), values: [t.onTimePercent ?? 0] })),
          max: 100,
          unit: ' %',
        }),
        comuni: comuni.length
          ? barChartSvg({
              id: 'grafico-comuni',
              title: 'Attività concluse entro la scadenza, per comune',
              description: 'Confronto tra i comuni; i valori sono nella tabella «Confronto tra i comuni».',
              series: [{ label: 'In tempo', color: COLORS.inTempo }],
              rows: comuni.map((c) => ({ label: c.comune, values: [c.onTimeValue ?? 0] })),
              max: 100,
              unit: ' %',
            })
          : null,
      },
      csvPassi: `/cruscotti/sla/csv?${sc.qs}&tabella=passi`,
      csvComuni: `/cruscotti/sla/csv?${sc.qs}&tabella=comuni`,
      csvMesi: `/cruscotti/sla/csv?${sc.qs}&tabella=mesi`,
    });
  });

  router.get('/cruscotti/sla/csv', async (ctx) => {
    const sc = await dashboardScope(services, ctx);
    const table = z.enum(['passi', 'comuni', 'mesi']).catch('passi').parse(ctx.query.tabella);
    const f = await slaFigures(web, sc);
    const stepCols = ['processo', 'id_passo', 'passo', 'attivita', 'concluse', 'concluse_con_scadenza', 'concluse_in_tempo', 'in_tempo_percento', 'aperte', 'scadute', 'a_rischio', 'mediana_secondi', 'p90_secondi'];
    const stepCells = (r: SlaRow) => [r.processKey, r.elementId, r.name ?? r.elementId, r.total, r.completed, r.completedWithDue, r.completedOnTime, r.onTimePercent, r.open, r.overdueNow, r.atRiskNow, r.medianSeconds, r.p90Seconds];
    let body: string;
    if (table === 'mesi') body = toCsv(['mese', 'attivita', 'concluse', 'concluse_con_scadenza', 'concluse_in_tempo', 'in_tempo_percento'], f.trend.map((t) => [t.month, t.total, t.completed, t.completedWithDue, t.completedOnTime, t.onTimePercent]));
    else if (table === 'comuni') body = toCsv(['comune', ...stepCols], f.perComune.map((r) => [r.tenant ?? '', ...stepCells(r)]));
    else body = toCsv(stepCols, f.steps.map(stepCells));
    ctx.set('Content-Disposition', `attachment; filename="sla-${sc.processKey}-${table}-${sc.da}-${sc.a}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = body;
  });

  router.get('/cruscotti/sla/pratiche', async (ctx) => {
    const sc = await dashboardScope(services, ctx);
    if (sc.countsOnly || !sc.tenant) throw new ForbiddenError('Il livello metropolitano vede solo i conteggi, non le pratiche dei comuni.', 'COUNTS_ONLY');
    const q = z
      .object({ passo: z.string().max(255).catch(''), misura: z.enum(SLA_MEASURES).catch('totale'), pagina: z.coerce.number().int().min(1).max(100_000).catch(1) })
      .parse(ctx.query);
    const now = services.clock.now();
    const [list, layout] = await Promise.all([
      slaCases(services.orm.em.fork(), { tenant: sc.tenant, from: sc.from, to: sc.to, now, processKey: sc.processKey, elementId: q.passo, measure: q.misura, atRiskShare: DEFAULT_AT_RISK_SHARE, limit: PAGE, offset: (q.pagina - 1) * PAGE }),
      layoutFor(services, ctx, sc.s, { title: MEASURE_LABELS[q.misura], breadcrumbs: [{ href: '/cruscotti/sla', label: 'Cruscotti' }, { href: `/cruscotti/sla?${sc.qs}`, label: 'Tempi (SLA)' }, { label: MEASURE_LABELS[q.misura] }] }),
    ]);
    const pages = Math.max(1, Math.ceil(list.total / PAGE));
    const page = (n: number) => `/cruscotti/sla/pratiche?${sc.qs}&passo=${encodeURIComponent(q.passo)}&misura=${q.misura}&pagina=${n}`;
    ctx.type = 'html';
    ctx.body = renderer.render('cruscotto-sla-pratiche', layout, {
      title: MEASURE_LABELS[q.misura],
      stepName: list.items[0]?.name ?? q.passo,
      scope: sc,
      back: `/cruscotti/sla?${sc.qs}`,
      totalLabel: formatCount(list.total),
      rows: list.items.map((t) => {
        const state = t.status === 'open' ? dueState({ createdAt: new Date(t.createdAt), dueAt: t.dueAt ? new Date(t.dueAt) : null }, now) : null;
        return {
          instanceId: t.instanceId,
          protocollo: t.businessKey ?? t.instanceId.slice(0, 8),
          created: formatDateTime(t.createdAt),
          due: t.dueAt ? formatDate(t.dueAt) : 'Nessuna',
          ended: t.endedAt ? formatDateTime(t.endedAt) : '',
          status: t.status === 'open' ? 'Aperta' : t.status === 'completed' ? 'Conclusa' : 'Annullata',
          state: state ? DUE_STATE_VIEW[state] : null,
          late: t.status === 'completed' && t.dueAt && t.endedAt ? new Date(t.endedAt) > new Date(t.dueAt) : false,
        };
      }),
      pagination: { show: pages > 1, page: q.pagina, pages, prev: q.pagina > 1 ? page(q.pagina - 1) : null, next: q.pagina < pages ? page(q.pagina + 1) : null },
    });
  });
}

/** Per comune, all steps together: tasks, on-time share, open, overdue, at risk (medians do not add up: see the table per step). */
function comuneTotals(rows: SlaRow[], sc: DashboardScope) {
  const by = new Map<string, { total: number; withDue: number; onTime: number; open: number; overdue: number; atRisk: number }>();
  for (const r of rows) {
    const t = by.get(r.tenant!) ?? { total: 0, withDue: 0, onTime: 0, open: 0, overdue: 0, atRisk: 0 };
    t.total += r.total;
    t.withDue += r.completedWithDue;
    t.onTime += r.completedOnTime;
    t.open += r.open;
    t.overdue += r.overdueNow;
    t.atRisk += r.atRiskNow;
    by.set(r.tenant!, t);
  }
  return [...by.entries()]
    .map(([code, t]) => {
      const onTimeValue = t.withDue ? Math.round((t.onTime / t.withDue) * 1000) / 10 : null;
      return { comune: sc.comuni.get(code) ?? code, total: formatCount(t.total), onTime: formatPercent(onTimeValue), onTimeValue, open: formatCount(t.open), overdue: formatCount(t.overdue), atRisk: formatCount(t.atRisk) };
    })
    .sort((a, b) => a.comune.localeCompare(b.comune, 'it'));
}
