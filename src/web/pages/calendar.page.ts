/**
 * «Calendario» at /calendario: the comune's year (national holidays, patron
 * day, extra closures, Saturday setting) and the form that edits them (same
 * schema and role rules as PUT /api/v1/tenants/{code}/calendar), with a sample
 * due date — "N giorni lavorativi da" a day — computed with the comune's
 * calendar beside the one with national holidays only. Server-rendered.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { hasRole } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import { calendarSettingsSchema, createCalendar, normalizeSettings, romeDay, isIsoDay, isMonthDay, type NormalizedCalendarSettings } from '../../engine/calendar/index.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { safeParseIt, zodProblems } from '../../shared/schema-messages.js';
import { formatDate } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';
import type { WebContext } from '../web-context.js';

const ROLES = ['analista', 'admin', 'responsabile'] as const;
const WEEKDAYS = ['domenica', 'lunedì', 'martedì', 'mercoledì', 'giovedì', 'venerdì', 'sabato'];
const KINDS: Record<string, string> = { national: 'Festività nazionale', patron: 'Santo patrono', closure: 'Chiusura degli uffici' };

interface CalendarForm {
  patrono: string;
  nomePatrono: string;
  sabato: boolean;
  chiusure: string;
  nuovaChiusura: string;
}

export function calendarPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/calendario', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    await render(ctx, s, null);
  });

  router.post('/calendario', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    if (!hasRole(s.principal, 'admin', 'analista') && !s.principal.tenant) throw new ForbiddenError('Il calendario di un comune lo modificano i suoi responsabili, gli analisti o gli amministratori', 'ROLE_REQUIRED');
    const raw = await web.formPost(ctx);
    const form: CalendarForm = { patrono: (raw.patrono ?? '').trim(), nomePatrono: (raw.nomePatrono ?? '').trim(), sabato: raw.sabato === 'si', chiusure: raw.chiusure ?? '', nuovaChiusura: (raw.nuovaChiusura ?? '').trim() };
    const errors: Record<string, string> = {};
    let patronDay: string | null = null;
    if (form.patrono) {
      const m = /^(\d{1,2})\/(\d{1,2})$/.exec(form.patrono);
      patronDay = m ? `${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : null;
      if (!patronDay || !isMonthDay(patronDay)) errors.patrono = 'Il giorno del patrono va indicato nel formato gg/mm con una data esistente (es. 07/12).';
    }
    const closures: string[] = [];
    const bad: string[] = [];
    for (const line of form.chiusure.split(/[\n,;]+/).map((l) => l.trim()).filter(Boolean)) {
      const day = readDay(line);
      if (day) closures.push(day);
      else bad.push(line);
    }
    if (bad.length) errors.chiusure = `Date non valide: ${bad.join(', ')}. Una data per riga, nel formato gg/mm/aaaa.`;
    if (form.nuovaChiusura) {
      if (isIsoDay(form.nuovaChiusura)) closures.push(form.nuovaChiusura);
      else errors.nuovaChiusura = 'Inserire una data valida.';
    }
    if (!Object.keys(errors).length) {
      const input = { patronDay: patronDay ?? null, patronName: form.nomePatrono || null, saturdayWorking: form.sabato, closures };
      const parsed = safeParseIt(calendarSettingsSchema, input);
      if (!parsed.success) {
        const names: Record<string, string> = { patronDay: 'patrono', patronName: 'nomePatrono', closures: 'chiusure' };
        for (const p of zodProblems(parsed.error)) errors[names[p.field.split('.')[0]!] ?? 'chiusure'] = sentence(p.message);
      } else {
        const em = services.orm.em.fork();
        const tenant = s.principal.tenant ? await em.findOne(Tenant, { code: s.principal.tenant }) : null;
        if (!tenant) throw new NotFoundError('Comune', s.principal.tenant ?? '', 'TENANT_NOT_FOUND');
        tenant.calendar = normalizeSettings(parsed.data);
        await em.flush();
        await services.sessions.setFlash(s.session.id, { kind: 'success', message: 'Calendario salvato: vale per le scadenze calcolate da ora in poi.' });
        ctx.redirect('/calendario');
        return;
      }
    }
    await render(ctx, s, { form, errors }, 422);
  });

  async function render(ctx: Context, s: SessionUser, submitted: { form: CalendarForm; errors: Record<string, string> } | null, status = 200) {
    const layout = await layoutFor(services, ctx, s, { title: 'Calendario', breadcrumbs: [{ label: 'Calendario' }] });
    ctx.type = 'html';
    ctx.status = status;
    const code = s.principal.tenant;
    const tenant = code ? await services.orm.em.fork().findOne(Tenant, { code }) : null;
    if (!tenant) {
      ctx.body = renderer.render('calendario', layout, { noTenant: true });
      return;
    }
    const settings = normalizeSettings(tenant.calendar);
    const today = romeDay(services.clock.now());
    const q = ctx.query;
    const year = intIn(q.anno, 1950, 2200) ?? Number(today.slice(0, 4));
    const days = intIn(q.giorni, 1, 2000) ?? 30;
    const from = typeof q.da === 'string' && isIsoDay(q.da) ? q.da : today;
    const calendar = createCalendar(settings);
    const national = createCalendar({});
    const due = calendar.addWorkingDays(from, days);
    const dueNational = national.addWorkingDays(from, days);
    const skipped = [...calendar.holidays(Number(from.slice(0, 4))), ...(due.slice(0, 4) !== from.slice(0, 4) ? calendar.holidays(Number(due.slice(0, 4))) : [])]
      .filter((h) => h.date > from && h.date <= due && weekdayOf(h.date) !== 0 && !(weekdayOf(h.date) === 6 && !settings.saturdayWorking))
      .map((h) => ({ date: formatDate(h.date), weekday: WEEKDAYS[weekdayOf(h.date)], name: h.name, kind: KINDS[h.kind], showKind: h.name !== KINDS[h.kind] }));
    const holidays = calendar.holidays(year).map((h) => ({ date: formatDate(h.date), weekday: WEEKDAYS[weekdayOf(h.date)], name: h.name, kind: KINDS[h.kind], national: h.kind === 'national', patron: h.kind === 'patron' }));
    let working = 0;
    for (let d = `${year}-01-01`; d.startsWith(String(year)); d = next(d)) if (calendar.isWorkingDay(d)) working++;
    const form = submitted?.form ?? formOf(settings);
    ctx.body = renderer.render('calendario', layout, {
      tenantName: tenant.name,
      year,
      prevYear: year - 1,
      nextYear: year + 1,
      holidays,
      working,
      saturday: settings.saturdayWorking,
      form,
      errors: Object.entries(submitted?.errors ?? {}).map(([field, message]) => ({ id: `cal-${field}`, message })),
      fieldErrors: submitted?.errors ?? {},
      hasErrors: !!submitted && Object.keys(submitted.errors).length > 0,
      sample: { days, from, fromText: formatDate(from), fromWeekday: WEEKDAYS[weekdayOf(from)], due: formatDate(due), dueWeekday: WEEKDAYS[weekdayOf(due)], dueNational: formatDate(dueNational), moved: due !== dueNational, skipped, calendarDays: Math.round((Date.parse(due) - Date.parse(from)) / 86_400_000) },
      canEdit: hasRole(s.principal, 'admin', 'analista', 'responsabile'),
      csrf: s.session.csrfToken,
    });
  }
}

function formOf(settings: NormalizedCalendarSettings): CalendarForm {
  const patrono = settings.patronDay ? `${settings.patronDay.slice(3)}/${settings.patronDay.slice(0, 2)}` : '';
  return { patrono, nomePatrono: settings.patronName ?? '', sabato: settings.saturdayWorking, chiusure: settings.closures.map(formatDate).join('\n'), nuovaChiusura: '' };
}

/** gg/mm/aaaa or aaaa-mm-gg → ISO day, or null. */
function readDay(s: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  const iso = m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : s;
  return isIsoDay(iso) ? iso : null;
}

function intIn(v: unknown, min: number, max: number): number | null {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function weekdayOf(day: string): number {
  return new Date(`${day}T12:00:00Z`).getUTCDay();
}

function next(day: string): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function sentence(s: string): string {
  const t = s.trim();
  return t ? `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
}
