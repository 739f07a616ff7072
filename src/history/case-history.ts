/**
 * The history of a case as a case officer reads it: who created, took,
 * assigned and completed which task, messages received, timers fired,
 * decisions and their outcome, service calls, documents produced and
 * incidents, in chronological order, each with an Italian label. The engine's
 * own events (elements entered/left/discarded, timers scheduled/cancelled, …)
 * appear only in the `engine` detail, which is the full log.
 */
import type { EntityManager } from '@mikro-orm/core';
import { HistoryEvent, ProcessDefinition, type ProcessInstance } from '../db/entities/index.js';
import { CaseDocument } from '../db/entities/document.entities.js';
import type { ModelIndex } from '../engine/definitions/model.js';

export type HistoryDetail = 'business' | 'engine';

export interface HistoryEntry {
  /** The history row's id; null for a document (which has its own id in details.documentId). */
  id: number | null;
  at: Date;
  type: string;
  /** What happened, in Italian, e.g. «Attività "Istruttoria" completata da mrossi». */
  label: string;
  elementId: string | null;
  elementType: string | null;
  elementName: string | null;
  taskId: string | null;
  user: string | null;
  details: unknown;
}

/** Event types of the business history; anything else is the engine's own bookkeeping. */
export const BUSINESS_TYPES: ReadonlySet<string> = new Set([
  'process.started',
  'process.completed',
  'process.cancelled',
  'process.migrated',
  'task.created',
  'task.claimed',
  'task.unclaimed',
  'task.assigned',
  'task.completed',
  'task.cancelled',
  'message.received',
  'timer.fired',
  'decision.evaluated',
  'external.completed',
  'external.failed',
  'external.bpmn-error',
  'incident.created',
  'incident.retried',
  'incident.resolved',
  'document.created',
]);

export async function caseHistory(em: EntityManager, instance: ProcessInstance, detail: HistoryDetail): Promise<HistoryEntry[]> {
  const where = { instanceId: instance.id, tenant: instance.tenant, ...(detail === 'business' ? { type: { $in: [...BUSINESS_TYPES] } } : {}) };
  const [events, documents, definition] = await Promise.all([
    em.find(HistoryEvent, where, { orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
    em.find(CaseDocument, { instanceId: instance.id, tenant: instance.tenant }, { fields: ['id', 'type', 'title', 'fileName', 'template', 'createdAt', 'createdBy', 'externalTaskId'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    em.findOne(ProcessDefinition, { id: instance.definitionId }, { fields: ['id', 'modelIndex'] }),
  ]);
  const elements = (definition?.modelIndex as ModelIndex | undefined)?.elements ?? {};
  const nameOf = (elementId: string | null, stored: string | null) => stored ?? (elementId ? elements[elementId]?.name ?? null : null);

  const entries: HistoryEntry[] = events.map((e) => {
    const elementName = nameOf(e.elementId, e.elementName);
    return { id: Number(e.id), at: e.at, type: e.type, label: label(e.type, elementName ?? e.elementId, e.userName, e.details), elementId: e.elementId, elementType: e.elementType, elementName, taskId: e.taskId, user: e.userName, details: e.details };
  });
  const docs: HistoryEntry[] = documents.map((d) => ({
    id: null,
    at: d.createdAt,
    type: 'document.created',
    label: `Documento «${d.title}» prodotto`,
    elementId: null,
    elementType: null,
    elementName: null,
    taskId: null,
    user: d.createdBy,
    details: { documentId: d.id, documentType: d.type, title: d.title, fileName: d.fileName, template: d.template, externalTaskId: d.externalTaskId },
  }));
  return merge(entries, docs);
}

/** Two lists each in time order, merged stably (a history row before a document of the same instant). */
function merge(a: HistoryEntry[], b: HistoryEntry[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.at.getTime() <= b[j]!.at.getTime())) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

type Details = Record<string, unknown> | null;

function label(type: string, element: string | null, user: string | null, raw: unknown): string {
  const d = (raw && typeof raw === 'object' ? raw : null) as Details;
  const el = element ? `«${element}»` : '';
  const by = user ? ` da ${user}` : '';
  switch (type) {
    case 'process.started':
      return `Pratica avviata${by}`;
    case 'process.completed':
      return 'Pratica conclusa';
    case 'process.cancelled':
      return `Pratica annullata${by}${d?.reason ? `: ${String(d.reason)}` : ''}`;
    case 'process.migrated':
      return `Pratica portata alla versione ${String((d?.to as Details)?.version ?? '?')} del processo${by}`;
    case 'task.created':
      return `Attività ${el} creata${d?.assignee ? ` e assegnata a ${String(d.assignee)}` : ''}`;
    case 'task.claimed':
      return `Attività ${el} presa in carico${by}`;
    case 'task.unclaimed':
      return `Attività ${el} rilasciata${by}`;
    case 'task.assigned':
      return d?.assignee ? `Attività ${el} assegnata a ${String(d.assignee)}${by}` : `Attività ${el} tolta a ${String(d?.previous ?? 'nessuno')}${by}`;
    case 'task.completed':
      return `Attività ${el} completata${by}`;
    case 'task.cancelled':
      return `Attività ${el} chiusa senza completamento`;
    case 'message.received':
      return `Messaggio «${String(d?.name ?? '')}» ricevuto${el ? ` da ${el}` : ''}`;
    case 'timer.fired':
      return `Scadenza ${el} raggiunta`;
    case 'decision.evaluated':
      return `Decisione «${String(d?.decisionKey ?? element ?? '')}» valutata: ${outcome(d?.result)}`;
    case 'external.completed':
      return `Servizio ${el} eseguito`;
    case 'external.failed':
      return `Servizio ${el} non riuscito: ${String(d?.errorMessage ?? 'errore')}`;
    case 'external.bpmn-error':
      return `Servizio ${el}: esito ${String(d?.errorCode ?? '')}${d?.errorMessage ? ` (${String(d.errorMessage)})` : ''}`;
    case 'incident.created':
      return `Incidente su ${el || 'la pratica'}: ${String(d?.message ?? '')}`;
    case 'incident.retried':
      return `Incidente su ${el || 'la pratica'}: nuovo tentativo${by}`;
    case 'incident.resolved':
      return `Incidente su ${el || 'la pratica'} risolto${by}`;
    default:
      return `${type}${el ? ` ${el}` : ''}`;
  }
}

/** A decision's result in one short line: `{esito: "ammesso"}` → `esito = ammesso`. */
function outcome(result: unknown): string {
  const rows = Array.isArray(result) ? result : [result];
  const parts = rows
    .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object')
    .map((r) => Object.entries(r).map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', '));
  return parts.length ? parts.join('; ') : 'nessuna regola applicabile';
}
