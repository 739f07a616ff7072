/**
 * Incidents: an external task whose worker reported a failure with no retries
 * left, or a job that ran out of retries. Listing is filtered by the caller's
 * comune; a retry gives the task (or job) its retries back, makes it due now
 * and resolves the incident, with history events for both steps.
 */
import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { ExternalTask, HistoryEvent, Incident, Job } from '../../db/entities/index.js';
import { notifyExternalTasks } from './wakeup.js';
import { tenantFilter } from '../../shared/tenancy.js';

export interface IncidentQuery {
  status?: 'open' | 'resolved' | 'all';
  processInstanceId?: string;
  kind?: Incident['kind'];
  limit: number;
  offset: number;
}

export class IncidentService {
  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
  ) {}

  async list(p: Principal, q: IncidentQuery): Promise<{ items: Incident[]; total: number }> {
    const where: FilterQuery<Incident> & Record<string, unknown> = {};
    const scope = tenantScope(p);
    if (scope) where.tenant = scope;
    if (q.status && q.status !== 'all') where.status = q.status;
    if (q.processInstanceId) where.instanceId = q.processInstanceId;
    if (q.kind) where.kind = q.kind;
    const [items, total] = await this.orm.em.fork().findAndCount(Incident, where, { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], limit: q.limit, offset: q.offset });
    return { items, total };
  }

  async get(p: Principal, id: string): Promise<Incident> {
    const scope = tenantScope(p);
    const incident = await this.orm.em.fork().findOne(Incident, { id, ...tenantFilter(scope) });
    if (!incident) throw new NotFoundError('Incidente', id, 'INCIDENT_NOT_FOUND');
    return incident;
  }

  /**
   * Gives the failed work `retries` attempts again, due now, and resolves the
   * incident. A task or job that no longer exists (the case went on or was
   * cancelled) has nothing to retry: the incident is just resolved.
   */
  async retry(p: Principal, id: string, retries = 1): Promise<Incident> {
    requireRole(p, 'responsabile', 'admin');
    const scope = tenantScope(p);
    const result = await this.orm.em.fork().transactional(async (em) => {
      const incident = await em.findOne(Incident, { id, ...tenantFilter(scope) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!incident) throw new NotFoundError('Incidente', id, 'INCIDENT_NOT_FOUND');
      if (incident.status !== 'open') throw new ConflictError('L\'incidente è già risolto', 'INCIDENT_RESOLVED', { resolvedAt: incident.resolvedAt, resolvedBy: incident.resolvedBy });
      const now = this.clock.now();
      let retried = false;
      if (incident.kind === 'external-task-failed' && incident.externalTaskId) {
        const ext = await em.findOne(ExternalTask, { id: incident.externalTaskId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (ext && ext.status === 'open') {
          Object.assign(ext, { retries, retryAt: null, lockExpiresAt: null });
          retried = true;
        }
      } else if (incident.kind === 'job-failed' && incident.jobId) {
        const job = await em.findOne(Job, { id: incident.jobId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (job) {
          Object.assign(job, { retries, dueAt: now, lockedBy: null, lockedUntil: null });
          retried = true;
        }
      }
      Object.assign(incident, { status: 'resolved', resolvedAt: now, resolvedBy: p.username });
      history(em, incident, now, 'incident.retried', p.username, { retries: retried ? retries : null, workGone: !retried });
      return incident;
    });
    if (result.kind === 'external-task-failed') notifyExternalTasks();
    return result;
  }
}

/** Opens an incident for an external task out of retries (unless one is already open for it); same transaction as the failure. */
export async function openExternalTaskIncident(em: EntityManager, ext: ExternalTask, message: string, at: Date, userName: string): Promise<Incident> {
  const existing = await em.findOne(Incident, { externalTaskId: ext.id, status: 'open' });
  if (existing) return existing;
  const incident = Object.assign(new Incident(), {
    id: randomUUID(),
    tenant: ext.tenant,
    instanceId: ext.instanceId,
    kind: 'external-task-failed' as const,
    externalTaskId: ext.id,
    jobId: null,
    elementId: ext.elementId,
    message,
    status: 'open' as const,
    createdAt: at,
    resolvedAt: null,
    resolvedBy: null,
  });
  em.persist(incident);
  history(em, incident, at, 'incident.created', userName, { message });
  return incident;
}

/** Resolves the open incidents of an external task (retries given back, or the task completed). */
export async function resolveExternalTaskIncidents(em: EntityManager, externalTaskId: string, at: Date, userName: string, reason: string): Promise<number> {
  const open = await em.find(Incident, { externalTaskId, status: 'open' });
  for (const incident of open) {
    Object.assign(incident, { status: 'resolved', resolvedAt: at, resolvedBy: userName });
    history(em, incident, at, 'incident.resolved', userName, { reason });
  }
  return open.length;
}

function history(em: EntityManager, incident: Incident, at: Date, type: string, userName: string, details: Record<string, unknown>) {
  em.persist(
    Object.assign(new HistoryEvent(), {
      tenant: incident.tenant,
      instanceId: incident.instanceId,
      at,
      type,
      elementId: incident.elementId,
      userName,
      details: { incidentId: incident.id, kind: incident.kind, externalTaskId: incident.externalTaskId, jobId: incident.jobId, ...details },
    }),
  );
}

export function incidentView(i: Incident) {
  return {
    id: i.id,
    tenant: i.tenant,
    processInstanceId: i.instanceId,
    kind: i.kind,
    externalTaskId: i.externalTaskId,
    jobId: i.jobId,
    elementId: i.elementId,
    message: i.message,
    status: i.status,
    createdAt: i.createdAt,
    resolvedAt: i.resolvedAt,
    resolvedBy: i.resolvedBy,
  };
}
