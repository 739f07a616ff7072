/**
 * What the dashboards (/cruscotti/…) share: the role check, the comune they
 * look at (the user's; for a metropolitan user the comune chosen in the
 * header or all of them, counts only), the period (`da`/`a`, Rome days, `a`
 * included) and the process, from the query string; the tabs and filter form.
 */
import type { Context } from 'koa';
import { z } from 'zod';
import type { Services } from '../../api/context.js';
import { addCalendarDays, isIsoDay, romeDay } from '../../engine/calendar/dates.js';
import { startOfRomeDay } from '../../tasks/sla/sla-period.js';
import { comuniOf } from '../cache.js';
import { formatDate } from '../format.js';
import { requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';

export const DASHBOARD_ROLES = ['responsabile', 'admin'] as const;

const day = z.string().refine(isIsoDay).optional().catch(undefined);
const scopeSchema = z.object({
  processo: z.string().max(255).regex(/^[\w.-]+$/).optional().catch(undefined),
  da: day,
  a: day,
});

export interface DashboardScope {
  s: SessionUser;
  /** The comune of the figures, or null for all comuni (metropolitan user). */
  tenant: string | null;
  /** A metropolitan user: counts only, never a list of cases. */
  countsOnly: boolean;
  from: Date;
  to: Date;
  da: string;
  a: string;
  processKey: string;
  processes: Array<{ key: string; name: string; selected: boolean }>;
  processName: string;
  comuni: Map<string, string>;
  /** `processo=…&da=…&a=…` for links that keep the selection. */
  qs: string;
  periodLabel: string;
}

/** The first instant of a Rome day (the period's bounds, so whole days of the pre-aggregated SLA figures). */
export { startOfRomeDay };

export async function dashboardScope(services: Services, ctx: Context): Promise<DashboardScope> {
  const s = await requireUser(services, ctx);
  requirePageRole(s.principal, [...DASHBOARD_ROLES]);
  const q = scopeSchema.parse(ctx.query);
  const today = romeDay(services.clock.now());
  let a = q.a ?? today;
  let da = q.da ?? `${addCalendarDays(`${a.slice(0, 8)}01`, -334).slice(0, 8)}01`;
  if (da > a) [da, a] = [a, da];
  const tenant = s.principal.tenant;
  const [processes, known] = await Promise.all([processList(services, tenant), comuniOf(services)]);
  const processKey = processes.some((p) => p.key === q.processo) ? q.processo! : (processes.find((p) => p.key === 'rei') ?? processes[0])?.key ?? '';
  const comuni = new Map(known.list.map((t) => [t.code, t.name] as [string, string]));
  return {
    s,
    tenant,
    countsOnly: s.user.tenant === null,
    from: startOfRomeDay(da),
    to: startOfRomeDay(addCalendarDays(a, 1)),
    da,
    a,
    processKey,
    processes: processes.map((p) => ({ ...p, selected: p.key === processKey })),
    processName: processes.find((p) => p.key === processKey)?.name ?? processKey,
    comuni,
    qs: new URLSearchParams({ processo: processKey, da, a }).toString(),
    periodLabel: `dal ${formatDate(da)} al ${formatDate(a)}`,
  };
}

/** Processes deployed for the comune (its own or shared), or for any comune. */
async function processList(services: Services, tenant: string | null): Promise<Array<{ key: string; name: string }>> {
  const rows = (await services.orm.em.fork().getConnection().execute(
    `select distinct on (key) key, name from process_definition ${tenant ? 'where tenant = ? or tenant is null' : ''} order by key, (tenant is null), version desc`,
    tenant ? [tenant] : [],
  )) as Array<{ key: string; name: string | null }>;
  return rows.map((r) => ({ key: r.key, name: r.name ?? r.key }));
}

/** Tabs of the dashboards, the current one marked. */
export function dashboardTabs(current: 'sla' | 'mappa' | 'domande', qs: string) {
  return [
    { href: `/cruscotti/sla?${qs}`, label: 'Tempi (SLA)', active: current === 'sla' },
    { href: `/cruscotti/sla/mappa?${qs}`, label: 'Mappa di calore', active: current === 'mappa' },
    { href: `/cruscotti/domande?${qs}`, label: 'Domande REI', active: current === 'domande' },
  ];
}

const MONTH = new Intl.DateTimeFormat('it-IT', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `2026-03` → `marzo 2026`. */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return MONTH.format(new Date(Date.UTC(y, m - 1, 15)));
}
