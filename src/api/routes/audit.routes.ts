/**
 * The audit of reads (GDPR art. 30/32): who read which personal data, when
 * and from where. The comune's responsabile sees its comune's records; an
 * admin (or a metropolitan responsabile) every comune's, or one with
 * `tenant`. Everyone else: 403. The records cannot be changed or deleted.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, ValidationError } from '../../shared/errors.js';
import { requireRole, tenantScope } from '../../auth/principal.js';
import { belfiore, isoDateParam, offsetParam, parseQuery } from '../validation.js';
import type { Services } from '../context.js';

const searchSchema = z.object({
  subjectId: z.string().trim().min(1).max(64).optional(),
  userId: z.string().uuid('identificativo utente non valido').optional(),
  from: isoDateParam.optional(),
  to: isoDateParam.optional(),
  tenant: belfiore.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});

export function auditRoutes(services: Services) {
  const router = new Router();

  router.get('/audit', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'responsabile', 'admin');
    const q = parseQuery(searchSchema, ctx.query);
    if (q.from && q.to && q.from > q.to) throw new ValidationError('Intervallo non valido: "from" è successivo a "to"', { fields: [{ field: 'from', message: 'deve precedere "to"' }] });
    const scope = tenantScope(p);
    if (scope && q.tenant && q.tenant !== scope) throw new ForbiddenError(`L'utente appartiene al comune ${scope}`, 'TENANT_MISMATCH');
    const { items, total } = await services.audit.search({ tenant: scope ?? q.tenant ?? null, subjectId: q.subjectId, userId: q.userId, from: q.from, to: q.to, limit: q.limit, offset: q.offset });
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { items, total, limit: q.limit, offset: q.offset };
  });

  return router;
}
