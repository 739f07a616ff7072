/**
 * A comune's working-day calendar: GET the settings (patron day, Saturday,
 * closures) and, with ?year=, the year's non-working holidays and closures;
 * PUT new settings (admin, analista, or the comune's responsabile).
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { hasRole, requireRole, type Principal } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import { calendarSettingsSchema, createCalendar, normalizeSettings } from '../../engine/calendar/index.js';
import { parseBody, parseQuery } from '../validation.js';
import type { Services } from '../context.js';

const querySchema = z.object({ year: z.coerce.number().int().min(1950).max(2200).optional() });

export function calendarRoutes(services: Services) {
  const router = new Router();

  router.get('/tenants/:code/calendar', async (ctx) => {
    const { year } = parseQuery(querySchema, ctx.query);
    const tenant = await visibleTenant(services, ctx.state.user, ctx.params.code);
    ctx.body = view(tenant, year);
  });

  router.put('/tenants/:code/calendar', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'admin', 'analista', 'responsabile');
    if (!hasRole(p, 'admin', 'analista') && !p.tenant) throw new ForbiddenError('Il calendario di un comune lo modificano i suoi responsabili, gli analisti o gli amministratori', 'ROLE_REQUIRED', { required: ['admin', 'analista', 'responsabile del comune'] });
    const { year } = parseQuery(querySchema, ctx.query);
    const em = services.orm.em.fork();
    const tenant = await visibleTenant(services, p, ctx.params.code, em);
    const input = parseBody(calendarSettingsSchema, ctx.request.body);
    tenant.calendar = normalizeSettings(input);
    await em.flush();
    ctx.body = view(tenant, year);
  });
  return router;
}

function view(tenant: Tenant, year: number | undefined) {
  const settings = normalizeSettings(tenant.calendar);
  return {
    tenant: tenant.code,
    settings,
    ...(year !== undefined ? { year, holidays: createCalendar(settings).holidays(year) } : {}),
  };
}

/** A comune user sees only its own comune: any other code answers 404. */
async function visibleTenant(services: Services, p: Principal, code: string, em = services.orm.em.fork()): Promise<Tenant> {
  const row = p.tenant && p.tenant !== code ? null : await em.findOne(Tenant, { code });
  if (!row) throw new NotFoundError('Comune', code, 'TENANT_NOT_FOUND');
  return row;
}
