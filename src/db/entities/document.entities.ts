/**
 * Documents produced for a case (progetto personalizzato, letters): the
 * rendered HTML and its PDF, tied to a comune and a process instance. A
 * document made by a connector carries the external task's id, unique, so a
 * rerun of the same task finds the document it already made.
 */
import { EntitySchema } from '@mikro-orm/core';

export class CaseDocument {
  id!: string;
  tenant!: string;
  instanceId!: string;
  type!: string;
  /** The template file it was rendered from, e.g. `F205/lettera-rigetto.hbs` or `lettera-rigetto.hbs`. */
  template!: string;
  title!: string;
  fileName!: string;
  html!: string;
  pdf!: Buffer;
  createdAt!: Date;
  createdBy: string | null = null;
  externalTaskId: string | null = null;
  /** Outgoing protocol number of the comune (per year), allocated when the document is stored. */
  protocolNumber: number | null = null;
  protocolYear: number | null = null;
}

export const CaseDocumentSchema = new EntitySchema<CaseDocument>({
  class: CaseDocument,
  tableName: 'document',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { type: 'string' },
    instanceId: { type: 'uuid' },
    type: { type: 'string' },
    template: { type: 'string' },
    title: { type: 'string' },
    fileName: { type: 'string' },
    html: { type: 'text', lazy: true },
    pdf: { type: 'blob', columnType: 'bytea', lazy: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    createdBy: { type: 'string', nullable: true },
    externalTaskId: { type: 'string', nullable: true, unique: true },
    protocolNumber: { type: 'integer', nullable: true },
    protocolYear: { type: 'integer', nullable: true },
  },
});

/**
 * A comune's office as its letters show it: letterhead (name, service, logo),
 * full address, contacts, the officer who signs and the responsabile del
 * procedimento (L. 241/1990, art. 8). One row per comune, edited through
 * GET/PUT /api/v1/tenants/{code}/office.
 */
export class TenantOffice {
  tenant!: string;
  profile!: Record<string, unknown>;
  updatedAt!: Date;
  updatedBy: string | null = null;
}

export const TenantOfficeSchema = new EntitySchema<TenantOffice>({
  class: TenantOffice,
  tableName: 'tenant_office',
  properties: {
    tenant: { type: 'string', primary: true },
    profile: { type: 'json', columnType: 'jsonb' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    updatedBy: { type: 'string', nullable: true },
  },
});
