/**
 * "Cruscotto domande REI" at /cruscotti/domande: for the chosen process and
 * period, the applications per month by status, outcome and current step;
 * rejections by reason; benefits granted and their amounts; benefits ending
 * this month (the list of cases for a comune's responsabile, a count for a
 * metropolitan user). All comuni: aggregated and compared side by side,
 * counts only.
 */
import type Router from '@koa/router';
import { ProcessDefinition } from '../../db/entities/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { addCalendarDays, romeDay } from '../../engine/calendar/dates.js';
import { applicationsFigures, endingCases, type ApplicationsFigures } from '../../applications/applications-dashboard.js';
import { barChartSvg } from '../charts.js';
import { formatCount, formatDate, formatMoney } from '../format.js';
import { layoutFor } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { dashboardScope, dashboardTabs, monthLabel } from './dashboard-scope.js';

const STATUS: Record<string, string> = { active: 'In corso', completed: 'Concluse', cancelled: 'Annullate' };
const OUTCOMES: Record<string, string> = {
  respinta_comune: 'Respinta dal comune',
  respinta_inps: 'Respinta da INPS',
  conclusa: 'Conclusa',
  decaduta: 'Decaduta',
  rinuncia: 'Rinuncia',
  annullata: 'Annullata',
};
const ORIGIN: Record<string, string> = { comune: 'Comune', inps: 'INPS' };

export function applicationsDashboardPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  router.get('/cruscotti/domande', async (ctx) => {
    const sc = await dashboardScope(services, ctx);
    const today = romeDay(services.clock.now());
    const monthStart = `${today.slice(0, 8)}01`;
    const monthEnd = addCalendarDays(`${addCalendarDays(monthStart, 32).slice(0, 8)}01`, -1);
    const em = services.orm.em.fork();
    const [f, ending, layout] = await Promise.all([
      applicationsFigures(em, { tenant: sc.tenant, processKey: sc.processKey || '-', from: sc.from, to: sc.to, monthStart, monthEnd }),
      sc.countsOnly || !sc.tenant ? Promise.resolve([]) : endingCases(services.orm.em.fork(), { tenant: sc.tenant, processKey: sc.processKey || '-', monthStart, monthEnd }),
      layoutFor(services, ctx, sc.s, { title: 'Cruscotto domande REI', breadcrumbs: [{ href: '/cruscotti/sla', label: 'Cruscotti' }, { label: 'Domande REI' }] }),
    ]);
    const phaseOf = await phaseNamer(web, f);
    const rows = f.byMonth.map((r) => ({ ...r, statusLabel: STATUS[r.status] ?? r.status, outcomeLabel: r.outcome ? OUTCOMES[r.outcome] ?? r.outcome : 'In corso', phase: r.status === 'active' ? phaseOf(r.definitionId, r.activeElements) : null }));
    const byStatus = pivot(rows, (r) => r.statusLabel);
    const byOutcome = pivot(rows, (r) => r.outcomeLabel);
    const byPhase = pivot(rows.filter((r) => r.phase), (r) => r.phase!);
    const granted = f.benefits.reduce((a, b) => ({ granted: a.granted + b.granted, monthly: a.monthly + b.monthlyTotal, yearly: a.yearly + b.yearlyTotal }), { granted: 0, monthly: 0, yearly: 0 });
    const reasons = new Map<string, { origin: string; reason: string; count: number }>();
    for (const r of f.rejections) {
      const key = `${r.origin ?? ''}|${r.reason}`;
      const cur = reasons.get(key) ?? { origin: r.origin ? ORIGIN[r.origin] ?? r.origin : '–', reason: r.reason, count: 0 };
      cur.count += r.count;
      reasons.set(key, cur);
    }
    const rejectionRows = [...reasons.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason, 'it'));
    const comuni = sc.tenant === null ? comuneComparison(f, rows, sc.comuni) : [];
    ctx.type = 'html';
    ctx.body = renderer.render('cruscotto-domande', layout, {
      tabs: dashboardTabs('domande', sc.qs),
      scope: sc,
      countsOnly: sc.countsOnly,
      metropolitan: sc.tenant === null,
      total: formatCount(rows.reduce((a, r) => a + r.count, 0)),
      byStatus,
      byOutcome,
      byPhase,
      statusChart: barChartSvg({
        id: 'grafico-stato',
        title: 'Domande per mese e stato',
        description: 'Domande presentate per mese, divise per stato; i valori sono nella tabella «Domande per stato».',
        series: byStatus.columns.map((c, i) => ({ label: c, color: ['#0066cc', '#008055', '#5c6f82'][i % 3]! })),
        rows: byStatus.rows.map((r) => ({ label: r.month, values: r.raw })),
      }),
      rejections: rejectionRows.map((r) => ({ ...r, countLabel: formatCount(r.count) })),
      benefits: { granted: formatCount(granted.granted), monthly: formatMoney(granted.monthly), yearly: formatMoney(granted.yearly) },
      ending: {
        month: monthLabel(monthStart.slice(0, 7)),
        count: formatCount(f.ending.reduce((a, e) => a + e.count, 0)),
        cases: ending.map((c) => ({ instanceId: c.instanceId, protocollo: c.businessKey ?? c.instanceId.slice(0, 8), endDay: formatDate(c.endDay) })),
      },
      comuni,
    });
  });
}

/** Rows = months, columns = the values of `key` present, cells = counts. */
function pivot<R extends { month: string; count: number }>(rows: R[], key: (r: R) => string) {
  const columns = [...new Set(rows.map(key))].sort((a, b) => a.localeCompare(b, 'it'));
  const months = [...new Set(rows.map((r) => r.month))].sort();
  return {
    columns,
    rows: months.map((m) => {
      const raw = columns.map((c) => rows.filter((r) => r.month === m && key(r) === c).reduce((a, r) => a + r.count, 0));
      return { month: monthLabel(m), raw, cells: raw.map(formatCount), total: formatCount(raw.reduce((a, b) => a + b, 0)) };
    }),
  };
}

/** The readable current step of an active case: its first waiting user or receive task, else its first waiting element. */
async function phaseNamer(web: WebContext, f: ApplicationsFigures) {
  const ids = [...new Set(f.byMonth.filter((r) => r.status === 'active').map((r) => r.definitionId))];
  const defs = ids.length ? await web.services.orm.em.fork().find(ProcessDefinition, { id: { $in: ids } }, { fields: ['id', 'modelIndex'] }) : [];
  const index = new Map(defs.map((d) => [d.id, d.modelIndex as ModelIndex]));
  return (definitionId: string, active: string[]): string => {
    const elements = index.get(definitionId)?.elements ?? {};
    const first = active.find((id) => elements[id]?.userTask || /receiveTask/i.test(elements[id]?.type ?? '')) ?? active[0];
    if (!first) return 'Nessun passo in attesa';
    return elements[first]?.name ?? first;
  };
}

function comuneComparison(f: ApplicationsFigures, rows: Array<{ tenant: string; status: string; outcome: string | null; count: number }>, names: Map<string, string>) {
  const codes = [...new Set([...rows.map((r) => r.tenant), ...f.benefits.map((b) => b.tenant), ...f.ending.map((e) => e.tenant)])];
  return codes
    .map((code) => {
      const mine = rows.filter((r) => r.tenant === code);
      const sum = (pred: (r: (typeof mine)[number]) => boolean) => formatCount(mine.filter(pred).reduce((a, r) => a + r.count, 0));
      const b = f.benefits.find((x) => x.tenant === code);
      return {
        comune: names.get(code) ?? code,
        total: sum(() => true),
        active: sum((r) => r.status === 'active'),
        rejected: sum((r) => r.outcome === 'respinta_comune' || r.outcome === 'respinta_inps'),
        granted: formatCount(b?.granted ?? 0),
        monthly: formatMoney(b?.monthlyTotal ?? 0),
        ending: formatCount(f.ending.find((e) => e.tenant === code)?.count ?? 0),
      };
    })
    .sort((a, b) => a.comune.localeCompare(b.comune, 'it'));
}
