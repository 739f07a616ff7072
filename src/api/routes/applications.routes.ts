/**
 * Application intake: `POST /applications` checks a REI application and, in
 * one transaction, records its persons and household and starts the case
 * (business key = protocollo). See src/applications/application.service.ts.
 */
import Router from '@koa/router';
import { actingTenant, requireRole } from '../../auth/principal.js';
import { BadRequestError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { Tenant } from '../../db/entities/index.js';
import type { Services } from '../context.js';

export function applicationRoutes(services: Services) {
  const router = new Router();

  router.post('/applications', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'operatore', 'assistente_sociale', 'responsabile', 'admin');
    const body: unknown = ctx.request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Il corpo della richiesta deve essere un oggetto JSON', undefined, 'INVALID_BODY');
    const input = services.applications.parse(body);
    const tenant = await requestedTenant(services, actingTenant(p, input.tenant));
    const result = await services.applications.submit(input, tenant, { username: p.username });
    ctx.status = 201;
    ctx.body = { instanceId: result.instance.id, businessKey: result.instance.businessKey, soggettoId: result.soggettoId, rinnovo: result.rinnovo, durataMesi: result.durataMesi, status: result.instance.status };
  });

  return router;
}

/** The comune acted on, which must exist; metropolitan users must name it. */
export async function requestedTenant(services: Services, tenant: string | null): Promise<string> {
  if (!tenant) {
    const errors = [{ field: 'tenant', message: 'obbligatorio per gli utenti di livello metropolitano' }];
    throw new ValidationError('Indicare il comune (tenant) della domanda', { errors, fields: errors });
  }
  if (!(await services.orm.em.fork().findOne(Tenant, { code: tenant }))) throw new NotFoundError('Comune', tenant, 'TENANT_NOT_FOUND');
  return tenant;
}
