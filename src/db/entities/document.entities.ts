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
  },
});
