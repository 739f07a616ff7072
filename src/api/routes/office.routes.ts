/**
 * A comune's office profile, printed on every letter it sends (letterhead and
 * logo, full address, contacts, signing officer, responsabile del
 * procedimento): GET and PUT /tenants/{code}/office, for admin and the
 * responsabile of that comune (a metropolitan responsabile: any comune).
 * Another comune's code answers 404.
 */
import Router from '@koa/router';
import { NotFoundError } from '../../shared/errors.js';
import { requireRole, type Principal } from '../../auth/principal.js';
import { Tenant } from '../../db/entities/index.js';
import { loadOffice, officeProfileSchema, saveOffice, type OfficeRecord } from '../../documents/office.js';
import { parseBody } from '../validation.js';
import type { Services } from '../context.js';

export function officeRoutes(services: Services) {
  const router = new Router();

  router.get('/tenants/:code/office', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'admin', 'responsabile');
    const em = services.orm.em.fork();
    await visibleTenant(em, p, ctx.params.code);
    ctx.body = view(await loadOffice(em, ctx.params.code));
  });

  router.put('/tenants/:code/office', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'admin', 'responsabile');
    const em = services.orm.em.fork();
    await visibleTenant(em, p, ctx.params.code);
    const profile = parseBody(officeProfileSchema, ctx.request.body);
    ctx.body = view(await saveOffice(em, ctx.params.code, profile, { username: p.username, now: services.clock.now() }));
  });
  return router;
}

function view(r: OfficeRecord) {
  return { tenant: r.tenant, configured: r.configured, profile: r.profile, updatedAt: r.updatedAt?.toISOString() ?? null, updatedBy: r.updatedBy };
}

/** A comune user reaches only its own comune: any other code answers 404. */
async function visibleTenant(em: Services['orm']['em'], p: Principal, code: string): Promise<void> {
  const row = p.tenant && p.tenant !== code ? null : await em.findOne(Tenant, { code }, { fields: ['code'] });
  if (!row) throw new NotFoundError('Comune', code, 'TENANT_NOT_FOUND');
}
