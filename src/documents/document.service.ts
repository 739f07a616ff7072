/**
 * Documents of a case: render a template from the process variables (view
 * model → Handlebars HTML → PDF), store both, list and read them per comune.
 * Storing a document allocates the comune's next outgoing protocol number
 * (per year) in the same transaction, so the letter prints its own number.
 * Generation by a connector is idempotent on the external task's id: a rerun
 * returns the document the first run stored.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { ProcessInstance, Tenant } from '../db/entities/index.js';
import { CaseDocument } from '../db/entities/document.entities.js';
import { DOCUMENT_KINDS, type DocumentType } from './kinds.js';
import { buildView } from './view-models.js';
import { compactDate } from './format.js';
import { htmlToPdf } from './pdf.js';
import type { TemplateCatalog } from './template-catalog.js';
import { tenantFilter } from '../shared/tenancy.js';
import { loadOffice, officeView, type OfficeProfile } from './office.js';

const yearInRome = new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Europe/Rome' });

export interface DocumentSummary {
  id: string;
  tenant: string;
  instanceId: string;
  type: string;
  title: string;
  template: string;
  fileName: string;
  createdAt: Date;
  createdBy: string | null;
  externalTaskId: string | null;
  /** Outgoing protocol, e.g. "42/2026" (null for documents stored before protocol numbering). */
  protocollo: string | null;
}

export interface GenerateInput {
  tenant: string;
  instanceId: string;
  type: DocumentType;
  variables: Readonly<Record<string, unknown>>;
  /** Set by connectors: a second run with the same id returns the first document. */
  externalTaskId?: string | null;
  createdBy?: string | null;
  /** Generation instant; defaults to the service clock. */
  now?: Date;
  /** True when the process sends the document (checks such as the convocation notice apply). */
  sending?: boolean;
}

export interface Rendered {
  html: string;
  template: string;
  title: string;
}

const SUMMARY_FIELDS = ['id', 'tenant', 'instanceId', 'type', 'title', 'template', 'fileName', 'createdAt', 'createdBy', 'externalTaskId', 'protocolNumber', 'protocolYear'] as const;
type SummaryRow = Pick<CaseDocument, (typeof SUMMARY_FIELDS)[number]>;

export class DocumentService {
  constructor(
    private readonly orm: Orm,
    readonly templates: TemplateCatalog,
    private readonly clock: Clock,
    private readonly newId: () => string = randomUUID,
  ) {}

  /** The HTML of a document for a comune, without storing it (no protocol number unless given). */
  render(
    tenant: { code: string; name: string },
    type: DocumentType,
    variables: Readonly<Record<string, unknown>>,
    opts: { now?: Date; sending?: boolean; office?: OfficeProfile | null; protocol?: { numero: number; anno: number } | null } = {},
  ): Rendered {
    const kind = DOCUMENT_KINDS[type];
    const comune = { codice: tenant.code, nome: tenant.name };
    const data = buildView(type, variables, { kind, comune, now: opts.now ?? this.clock.now(), sending: opts.sending ?? false, office: officeView(comune, opts.office ?? null), protocol: opts.protocol ?? null });
    return { html: this.templates.render(tenant.code, kind.template, data), template: this.templates.source(tenant.code, kind.template), title: kind.title };
  }

  async generate(input: GenerateInput): Promise<DocumentSummary> {
    const em = this.orm.em.fork();
    if (input.externalTaskId) {
      const existing = await this.byExternalTask(input.externalTaskId);
      if (existing) return sameTarget(existing, input);
    }
    const instance = await em.findOne(ProcessInstance, { id: input.instanceId, tenant: input.tenant }, { fields: ['id'] });
    if (!instance) throw new NotFoundError('Istanza di processo', input.instanceId, 'INSTANCE_NOT_FOUND', 'f');
    const tenant = await em.findOne(Tenant, { code: input.tenant });
    if (!tenant) throw new NotFoundError('Comune', input.tenant, 'TENANT_NOT_FOUND');
    const now = input.now ?? this.clock.now();
    const kind = DOCUMENT_KINDS[input.type];
    const office = (await loadOffice(em, tenant.code)).profile;
    // Check the data (and lay out the letter) before a protocol number is taken.
    this.render(tenant, input.type, input.variables, { now, sending: input.sending, office });
    const reference = fileSafe(typeof input.variables.protocollo === 'string' ? input.variables.protocollo : '') || input.instanceId.slice(0, 8);
    try {
      const doc = await em.transactional(async (tx) => {
        const anno = Number(yearInRome.format(now));
        const numero = await nextProtocolNumber(tx, tenant.code, anno);
        const rendered = this.render(tenant, input.type, input.variables, { now, sending: input.sending, office, protocol: { numero, anno } });
        const pdf = await htmlToPdf(rendered.html, { title: rendered.title, author: office?.ente ?? tenant.name, subject: `${rendered.title} – prot. n. ${numero}/${anno} – ${tenant.name}`, createdAt: now });
        const row = newDocument({
          id: this.newId(),
          tenant: input.tenant,
          instanceId: input.instanceId,
          type: input.type,
          template: rendered.template,
          title: rendered.title,
          fileName: `${kind.fileStem}-${reference}-${compactDate(now)}.pdf`,
          html: rendered.html,
          pdf,
          createdAt: now,
          createdBy: input.createdBy ?? null,
          externalTaskId: input.externalTaskId ?? null,
          protocolNumber: numero,
          protocolYear: anno,
        });
        tx.persist(row);
        return row;
      });
      return summary(doc);
    } catch (err) {
      // Another run of the same external task stored its document first.
      const existing = err instanceof UniqueConstraintViolationException && input.externalTaskId ? await this.byExternalTask(input.externalTaskId) : null;
      if (existing) return sameTarget(existing, input);
      throw err;
    }
  }

  async list(tenant: string, instanceId: string): Promise<DocumentSummary[]> {
    const docs = await this.orm.em.fork().find(CaseDocument, { tenant, instanceId }, { fields: [...SUMMARY_FIELDS], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return docs.map(summary);
  }

  /** A document the caller's comune may see (scope null = every comune); 404 otherwise. */
  async get(id: string, scope: string | null): Promise<DocumentSummary> {
    const doc = await this.orm.em.fork().findOne(CaseDocument, { id, ...tenantFilter(scope) }, { fields: [...SUMMARY_FIELDS] });
    if (!doc) throw new NotFoundError('Documento', id, 'DOCUMENT_NOT_FOUND');
    return summary(doc);
  }

  async pdf(id: string, scope: string | null): Promise<{ document: DocumentSummary; pdf: Buffer }> {
    const doc = await this.load(id, scope, 'pdf');
    return { document: summary(doc), pdf: toBuffer(doc.pdf ?? new Uint8Array()) };
  }

  async html(id: string, scope: string | null): Promise<{ document: DocumentSummary; html: string }> {
    const doc = await this.load(id, scope, 'html');
    return { document: summary(doc), html: doc.html ?? '' };
  }

  private async load(id: string, scope: string | null, content: 'pdf' | 'html'): Promise<SummaryRow & Partial<Pick<CaseDocument, 'pdf' | 'html'>>> {
    const doc = await this.orm.em.fork().findOne(CaseDocument, { id, ...tenantFilter(scope) }, { fields: [...SUMMARY_FIELDS, content] });
    if (!doc) throw new NotFoundError('Documento', id, 'DOCUMENT_NOT_FOUND');
    return doc;
  }

  private byExternalTask(externalTaskId: string): Promise<SummaryRow | null> {
    return this.orm.em.fork().findOne(CaseDocument, { externalTaskId }, { fields: [...SUMMARY_FIELDS] });
  }
}

function sameTarget(existing: SummaryRow, input: GenerateInput): DocumentSummary {
  if (existing.tenant !== input.tenant || existing.instanceId !== input.instanceId || existing.type !== input.type) {
    throw new ConflictError(`Il task esterno ${input.externalTaskId} ha già prodotto un altro documento`, 'DOCUMENT_TASK_CONFLICT', { documentId: existing.id });
  }
  return summary(existing);
}

function summary(d: SummaryRow): DocumentSummary {
  const protocollo = d.protocolNumber != null && d.protocolYear != null ? `${d.protocolNumber}/${d.protocolYear}` : null;
  return { id: d.id, tenant: d.tenant, instanceId: d.instanceId, type: d.type, title: d.title, template: d.template, fileName: d.fileName, createdAt: d.createdAt, createdBy: d.createdBy, externalTaskId: d.externalTaskId, protocollo };
}

function newDocument(fields: Omit<CaseDocument, never>): CaseDocument {
  return Object.assign(new CaseDocument(), fields);
}

/** The comune's next outgoing protocol number of the year; rolled back with the transaction that took it. */
async function nextProtocolNumber(em: EntityManager, tenant: string, year: number): Promise<number> {
  const rows = (await em.getConnection().execute(
    `insert into protocol_counter (tenant, year, last) values (?, ?, 1)
       on conflict (tenant, year) do update set last = protocol_counter.last + 1
     returning last`,
    [tenant, year],
    'all',
    em.getTransactionContext(),
  )) as Array<{ last: number }>;
  return Number(rows[0]!.last);
}

/** bytea comes back as a Buffer from pg and as a Uint8Array from PGlite. */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function fileSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}
