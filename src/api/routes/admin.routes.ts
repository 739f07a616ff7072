/** Tenants (comuni): admin only (src/users/tenant.service.ts). Users are in users.routes.ts. */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { requireRole } from '../../auth/principal.js';
import { TenantService } from '../../users/tenant.service.js';
import { belfiore, parseBody } from '../validation.js';
import type { Services } from '../context.js';

/** The body of POST /tenants (also checked by the administration page). */
export const tenantSchema = z.object({ code: belfiore, name: z.string().trim().min(1).max(200) }).strict();

export function adminRoutes(services: Services) {
  const router = new Router();
  const tenants = new TenantService(services.orm.em, services.clock);
  const adminOnly = async (ctx: Context, next: Next) => {
    requireRole(ctx.state.user, 'admin');
    await next();
  };

  router.get('/tenants', adminOnly, async (ctx) => {
    const items = await tenants.list(ctx.state.user);
    ctx.body = { items, total: items.length };
  });
  router.post('/tenants', adminOnly, async (ctx) => {
    const input = parseBody(tenantSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await tenants.create(ctx.state.user, input);
  });

  return router;
}
