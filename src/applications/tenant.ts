/** The comune an application is for: it must exist; metropolitan users must name it. */
import { Tenant } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';

export async function requestedTenant(orm: Orm, tenant: string | null): Promise<string> {
  if (!tenant) {
    const errors = [{ field: 'tenant', message: 'obbligatorio per gli utenti di livello metropolitano' }];
    throw new ValidationError('Indicare il comune (tenant) della domanda', { errors, fields: errors });
  }
  if (!(await orm.em.fork().findOne(Tenant, { code: tenant }))) throw new NotFoundError('Comune', tenant, 'TENANT_NOT_FOUND');
  return tenant;
}
