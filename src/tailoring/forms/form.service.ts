/**
 * Which form a task in a comune gets. For form id F and comune T, the first of:
 *   1. the latest version of F deployed for T (a `.form` in one of T's deployments),
 *   2. T's file forms/T/F.form,
 *   3. the latest version of F deployed as shared default (tenant null),
 *   4. the shared file forms/F.form.
 * For the shared default (no comune) only 3 and 4 apply.
 */
import type { EntityManager } from '@mikro-orm/core';
import { FormDefinition } from '../../db/entities/index.js';
import type { FormCatalog } from './catalog.js';
import { formIdFromKey, type FormSchema } from './schema.js';

export interface ResolvedForm {
  formId: string;
  source: 'deployment' | 'file';
  /** The comune the form belongs to; null for a shared form. */
  tenant: string | null;
  /** Deployed forms only. */
  version: number | null;
  deploymentId: string | null;
  schema: FormSchema;
}

export class FormService {
  constructor(
    private readonly em: EntityManager,
    readonly catalog: FormCatalog,
  ) {}

  async resolve(formId: string, tenant: string | null, em: EntityManager = this.em.fork()): Promise<ResolvedForm | null> {
    for (const layer of tenant ? [tenant, null] : [null]) {
      const row = await em.findOne(FormDefinition, { formId, tenant: layer }, { orderBy: { version: 'desc' } });
      if (row) return { formId, source: 'deployment', tenant: layer, version: row.version, deploymentId: row.deploymentId, schema: row.formSchema as FormSchema };
      const file = this.catalog.file(formId, layer);
      if (file) return { formId, source: 'file', tenant: layer, version: null, deploymentId: null, schema: file };
    }
    return null;
  }

  /** The form a camunda:formKey names, for a task in `tenant`; null when the key names no form-js form or the form does not exist. */
  async resolveKey(formKey: string | null, tenant: string | null, em?: EntityManager): Promise<ResolvedForm | null> {
    const formId = formIdFromKey(formKey);
    return formId ? this.resolve(formId, tenant, em) : null;
  }

  /** Every form id resolvable in `tenant` (files and deployed forms, the comune's and the shared ones). */
  async visibleIds(tenant: string | null, em: EntityManager = this.em.fork()): Promise<Set<string>> {
    const rows = await em.find(FormDefinition, tenant ? { $or: [{ tenant: null }, { tenant }] } : { tenant: null }, { fields: ['formId'] });
    return new Set([...this.catalog.ids(tenant), ...rows.map((r) => r.formId)]);
  }
}
