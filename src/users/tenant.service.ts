/**
 * Comuni (tenants): the list and the creation of a new comune, admin only.
 * Used by the API (/api/v1/tenants) and the administration pages alike.
 */
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';
import { ConflictError } from '../shared/errors.js';
import { requireRole, type Principal } from '../auth/principal.js';
import { Tenant } from '../db/entities/index.js';

export interface NewTenant {
  code: string;
  name: string;
}

export class TenantService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  async list(p: Principal): Promise<Tenant[]> {
    requireRole(p, 'admin');
    return this.em.fork().find(Tenant, {}, { orderBy: { code: 'asc' } });
  }

  async create(p: Principal, input: NewTenant): Promise<Tenant> {
    requireRole(p, 'admin');
    const em = this.em.fork();
    if (await em.findOne(Tenant, { code: input.code })) throw new ConflictError(`Il comune ${input.code} esiste già`, 'TENANT_EXISTS');
    const tenant = Object.assign(new Tenant(), { ...input, createdAt: this.clock.now() });
    await em.persist(tenant).flush().catch((err: unknown) => {
      if (err instanceof UniqueConstraintViolationException) throw new ConflictError(`Il comune ${input.code} esiste già`, 'TENANT_EXISTS');
      throw err;
    });
    return tenant;
  }
}
