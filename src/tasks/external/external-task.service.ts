/**
 * External tasks for workers speaking Camunda 7's REST protocol
 * (camunda-external-task-client-js and the like): fetch-and-lock with long
 * polling, complete, failure (retries, retry timeout, incident when none are
 * left), BPMN error, lock / extendLock / unlock, and the queries.
 *
 * Acquisition locks rows with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
 * workers never get the same task. Lock expiry and retry times come from the
 * injected clock; only the long-poll wait itself uses real timers.
 *
 * Tenancy: a comune user (a CAF worker is an `operatore` of its comune) sees
 * and locks only its comune's tasks; metropolitan users see all, optionally
 * narrowed by `tenantIdIn`.
 */
import { LockMode, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../shared/clock.js';
import type { EngineStore } from '../../engine/store.js';
import type { ProcessService } from '../../engine/process-service.js';
import type { EngineTx } from '../../engine/store.js';
import { BadRequestError, NotFoundError } from '../../shared/errors.js';
import { requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { ExternalTask, HistoryEvent, ProcessInstance } from '../../db/entities/index.js';
import { toTypedVariables, type TypedValue } from './variables.js';
import { openExternalTaskIncident, resolveExternalTaskIncidents } from './incident.service.js';
import { notifyExternalTasks, waitForExternalTasks } from './wakeup.js';
import { tenantFilter } from '../../shared/tenancy.js';

/** Longest a fetchAndLock may wait for tasks (asyncResponseTimeout is capped to this). */
export const MAX_ASYNC_RESPONSE_TIMEOUT_MS = 60_000;
/** How often a waiting fetchAndLock looks again when nothing woke it. */
export const LONG_POLL_INTERVAL_MS = 200;

export const WORKER_ROLES = ['admin', 'operatore', 'responsabile'] as const;

export interface FetchTopic {
  topicName: string;
  lockDuration: number;
  variables?: string[] | null;
  localVariables?: boolean | null;
  businessKey?: string | null;
  processDefinitionId?: string | null;
  processDefinitionIdIn?: string[] | null;
  processDefinitionKey?: string | null;
  processDefinitionKeyIn?: string[] | null;
  processDefinitionVersionTag?: string | null;
  processVariables?: Record<string, unknown> | null;
  tenantIdIn?: string[] | null;
  withoutTenantId?: boolean | null;
  includeExtensionProperties?: boolean | null;
}

export interface FetchRequest {
  workerId: string;
  maxTasks: number;
  usePriority?: boolean;
  asyncResponseTimeout?: number | null;
  sorting?: Array<{ sortBy: 'createTime'; sortOrder: 'asc' | 'desc' }> | null;
  topics: FetchTopic[];
  /**
   * In-process only (not on the REST API): chronological acquisition by this
   * process variable (an ISO date such as `dataDomanda`), then creation time.
   * A task is held back while an earlier task of the same topic and comune is
   * locked or waiting for its retry time, so sends never overtake each other.
   */
  chronologicalBy?: string;
}

/** Camunda's LockedExternalTaskDto. */
export interface LockedExternalTask {
  activityId: string;
  activityInstanceId: string;
  errorMessage: string | null;
  errorDetails: string | null;
  executionId: string;
  id: string;
  lockExpirationTime: string;
  createTime: string;
  processDefinitionId: string;
  processDefinitionKey: string;
  processDefinitionVersionTag: null;
  processInstanceId: string;
  retries: number | null;
  workerId: string;
  topicName: string;
  tenantId: string;
  variables: Record<string, TypedValue>;
  priority: number;
  businessKey: string | null;
  extensionProperties?: Record<string, string>;
}

export interface ExternalTaskQuery {
  externalTaskId?: string;
  topicName?: string;
  workerId?: string;
  locked?: boolean;
  notLocked?: boolean;
  withRetriesLeft?: boolean;
  noRetriesLeft?: boolean;
  processInstanceId?: string;
  processDefinitionId?: string;
  processDefinitionKey?: string;
  activityId?: string;
  tenantIdIn?: string[];
  priorityHigherThanOrEquals?: number;
  priorityLowerThanOrEquals?: number;
  sortBy?: 'id' | 'lockExpirationTime' | 'processInstanceId' | 'processDefinitionKey' | 'tenantId' | 'taskPriority' | 'createTime';
  sortOrder?: 'asc' | 'desc';
  firstResult?: number;
  maxResults?: number;
}

/** A 400 in Camunda's words: the task's lock belongs to someone else, or a bad argument. */
export class WorkerRequestError extends BadRequestError {
  constructor(message: string, code = 'EXTERNAL_TASK_LOCK') {
    super(message, undefined, code);
  }
}

interface LockedRow {
  id: string;
  tenant: string;
  instance_id: string;
  definition_key: string;
  business_key: string | null;
  element_id: string;
  execution_id: string;
  topic: string;
  retries: number | null;
  error_message: string | null;
  error_details: string | null;
  priority: number;
  created_at: Date | string;
  definition_id: string;
  variables: Record<string, unknown> | string | null;
  topic_index: number;
}

export class ExternalTaskService {
  constructor(private readonly services: { orm: Orm; clock: Clock; store: EngineStore; processes: ProcessService }) {}

  // ---------------------------------------------------------------- fetchAndLock

  /**
   * Locks up to maxTasks open tasks of the requested topics for the worker.
   * With asyncResponseTimeout and nothing available, waits (woken by
   * notifyExternalTasks or every LONG_POLL_INTERVAL_MS) until tasks appear, the
   * timeout elapses or `signal` aborts (client gone); then answers [].
   */
  async fetchAndLock(p: Principal, req: FetchRequest, signal?: AbortSignal): Promise<LockedExternalTask[]> {
    requireRole(p, ...WORKER_ROLES);
    const timeout = Math.min(Math.max(req.asyncResponseTimeout ?? 0, 0), MAX_ASYNC_RESPONSE_TIMEOUT_MS);
    const deadline = Date.now() + timeout;
    for (;;) {
      const tasks = await this.acquire(p, req);
      if (tasks.length) {
        if (signal?.aborted) {
          // Nobody will receive them: give them back rather than leave them locked.
          await this.release(tasks.map((t) => t.id), req.workerId).catch(() => undefined);
          return [];
        }
        return tasks;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal?.aborted) return [];
      await waitForExternalTasks(Math.min(LONG_POLL_INTERVAL_MS, remaining), signal);
      if (signal?.aborted) return [];
    }
  }

  private async acquire(p: Principal, req: FetchRequest): Promise<LockedExternalTask[]> {
    if (req.maxTasks <= 0 || !req.topics.length) return [];
    const now = this.services.clock.now();
    const nowIso = now.toISOString();
    const scope = tenantScope(p);

    const topicConds: Array<{ sql: string; params: unknown[] }> = req.topics.map((t) => topicCondition(t));
    const caseSql = `case ${topicConds.map((c, i) => `when ${c.sql} then ${i}`).join(' ')} end`;
    const caseParams = topicConds.flatMap((c) => c.params);
    const where = [
      `et.status = 'open'`,
      `pi.status = 'active'`,
      `(et.lock_expires_at is null or et.lock_expires_at <= ?::timestamptz)`,
      `(et.retry_at is null or et.retry_at <= ?::timestamptz)`,
      `(et.retries is null or et.retries > 0)`,
    ];
    const params: unknown[] = [nowIso, nowIso];
    if (scope) {
      where.push(`et.tenant = ?`);
      params.push(scope);
    }
    where.push(`(${topicConds.map((c) => c.sql).join(' or ')})`);
    params.push(...caseParams);
    const chrono = chronologicalClause(req.chronologicalBy);
    if (chrono) {
      where.push(chrono.holdBack);
      params.push(nowIso, nowIso);
    }
    const createOrder = req.sorting?.[0]?.sortOrder === 'desc' ? 'desc' : 'asc';
    const order = [...(req.usePriority ? ['et.priority desc'] : []), ...(chrono ? [chrono.order] : []), `et.created_at ${createOrder}`, 'et.id asc'].join(', ');
    const sql = `select et.id, et.tenant, et.instance_id, et.definition_key, et.business_key, et.element_id, et.execution_id, et.topic,
        et.retries, et.error_message, et.error_details, et.priority, et.created_at, pi.definition_id, pi.variables, ${caseSql} as topic_index
      from external_task et join process_instance pi on pi.id = et.instance_id
      where ${where.join(' and ')}
      order by ${order}
      limit ?
      for update of et skip locked`;

    const em = this.services.orm.em.fork() as unknown as SqlEntityManager;
    const rows = await em.transactional(async (tem) => {
      const sqlEm = tem as unknown as SqlEntityManager;
      const found = (await sqlEm.execute(sql, [...caseParams, ...params, req.maxTasks])) as LockedRow[];
      const byTopic = new Map<number, string[]>();
      for (const r of found) byTopic.set(Number(r.topic_index), [...(byTopic.get(Number(r.topic_index)) ?? []), r.id]);
      for (const [index, ids] of byTopic) {
        const until = new Date(now.getTime() + req.topics[index].lockDuration).toISOString();
        await sqlEm.execute(`update external_task set worker_id = ?, lock_expires_at = ?::timestamptz where id in (${ids.map(() => '?').join(', ')})`, [req.workerId, until, ...ids]);
      }
      return found;
    });

    return rows.map((r) => {
      const topic = req.topics[Number(r.topic_index)];
      const variables = asJson(r.variables);
      return {
        activityId: r.element_id,
        activityInstanceId: r.execution_id,
        errorMessage: r.error_message,
        errorDetails: r.error_details,
        executionId: r.execution_id,
        id: r.id,
        lockExpirationTime: camundaDate(new Date(now.getTime() + topic.lockDuration)),
        createTime: camundaDate(new Date(r.created_at)),
        processDefinitionId: r.definition_id,
        processDefinitionKey: r.definition_key,
        processDefinitionVersionTag: null,
        processInstanceId: r.instance_id,
        retries: r.retries === null ? null : Number(r.retries),
        workerId: req.workerId,
        topicName: r.topic,
        tenantId: r.tenant,
        variables: topic.localVariables ? {} : toTypedVariables(variables, topic.variables ?? null),
        priority: Number(r.priority),
        businessKey: r.business_key,
        ...(topic.includeExtensionProperties ? { extensionProperties: {} } : {}),
      };
    });
  }

  /** Gives locks back (fetchAndLock whose client went away). */
  private async release(ids: string[], workerId: string): Promise<void> {
    if (!ids.length) return;
    const em = this.services.orm.em.fork() as unknown as SqlEntityManager;
    await em.execute(`update external_task set worker_id = null, lock_expires_at = null where worker_id = ? and id in (${ids.map(() => '?').join(', ')})`, [workerId, ...ids]);
    notifyExternalTasks();
  }

  // ---------------------------------------------------------------- worker actions

  /** Completes the task for the worker holding its most recent lock; the process goes on with the variables. */
  async complete(p: Principal, id: string, workerId: string, variables: Record<string, unknown>, opts: { outputs?: readonly string[] } = {}): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    const hadIncident = await this.services.store.transaction(async (tx) => {
      const ext = await this.openTask(tx, p, id);
      checkWorker(ext, workerId, 'completato');
      const outOfRetries = ext.retries === 0;
      await this.services.processes.completeExternalTask(tx, ext, variables, { username: p.username }, opts);
      return outOfRetries;
    });
    if (hadIncident) await this.closeIncidents(id, p.username, 'external-task-completed');
  }

  /** Throws a BPMN error at the service task: an error boundary event with the code catches it. */
  async bpmnError(p: Principal, id: string, workerId: string, error: { errorCode: string; errorMessage?: string; variables?: Record<string, unknown> }, opts: { outputs?: readonly string[] } = {}): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    const hadIncident = await this.services.store.transaction(async (tx) => {
      const ext = await this.openTask(tx, p, id);
      checkWorker(ext, workerId, 'chiuso con errore BPMN');
      const outOfRetries = ext.retries === 0;
      await this.services.processes.throwExternalError(tx, ext, error, { username: p.username }, opts);
      return outOfRetries;
    });
    if (hadIncident) await this.closeIncidents(id, p.username, 'bpmn-error');
  }

  /**
   * Records a failure: message and details, the retries left, a retry time
   * (now + retryTimeout) and the lock released. With no retries left the task
   * stays open but is no longer fetchable, and an incident is opened.
   */
  async failure(p: Principal, id: string, f: { workerId: string; errorMessage?: string | null; errorDetails?: string | null; retries: number; retryTimeout: number }): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    await this.onLockedRow(p, id, async (em, ext, now) => {
      checkWorker(ext, f.workerId, 'segnalato come fallito');
      const message = (f.errorMessage ?? '').slice(0, 4000) || null;
      Object.assign(ext, {
        errorMessage: message,
        errorDetails: f.errorDetails ?? null,
        retries: f.retries,
        retryAt: f.retryTimeout > 0 ? new Date(now.getTime() + f.retryTimeout) : null,
        lockExpiresAt: null,
      });
      addHistory(em, ext, now, 'external.failed', p.username, { workerId: f.workerId, errorMessage: message, retries: f.retries, retryTimeout: f.retryTimeout });
      if (f.retries === 0) await openExternalTaskIncident(em, ext, message ?? `Il worker ${f.workerId} ha segnalato un errore senza messaggio`, now, p.username);
    });
    if (f.retries > 0 && f.retryTimeout <= 0) notifyExternalTasks();
  }

  /** Locks one task by id for the worker (Camunda's POST /{id}/lock); refused while another worker's lock is valid. */
  async lock(p: Principal, id: string, workerId: string, lockDuration: number): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    await this.onLockedRow(p, id, async (_em, ext, now) => {
      if (ext.workerId && ext.workerId !== workerId && ext.lockExpiresAt && ext.lockExpiresAt > now) {
        throw new WorkerRequestError(`Il task esterno ${id} è bloccato dal worker "${ext.workerId}" fino a ${ext.lockExpiresAt.toISOString()}`);
      }
      Object.assign(ext, { workerId, lockExpiresAt: new Date(now.getTime() + lockDuration) });
    });
  }

  /** Moves the lock's expiry to now + newDuration; only for the worker whose lock is still valid. */
  async extendLock(p: Principal, id: string, workerId: string, newDuration: number): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    await this.onLockedRow(p, id, async (_em, ext, now) => {
      checkWorker(ext, workerId, 'esteso');
      if (!ext.lockExpiresAt || ext.lockExpiresAt <= now) throw new WorkerRequestError(`Il blocco del task esterno ${id} è scaduto: non si può estendere`, 'EXTERNAL_TASK_LOCK_EXPIRED');
      ext.lockExpiresAt = new Date(now.getTime() + newDuration);
    });
  }

  /** Clears the lock (worker and expiry): the task can be fetched again at once. */
  async unlock(p: Principal, id: string): Promise<void> {
    requireRole(p, ...WORKER_ROLES);
    await this.onLockedRow(p, id, async (_em, ext) => {
      Object.assign(ext, { workerId: null, lockExpiresAt: null });
    });
    notifyExternalTasks();
  }

  /** Sets the retries (Camunda's PUT /{id}/retries); retries > 0 clears the retry time and resolves the task's incidents. */
  async setRetries(p: Principal, id: string, retries: number): Promise<void> {
    requireRole(p, 'responsabile', 'admin');
    await this.onLockedRow(p, id, async (em, ext, now) => {
      ext.retries = retries;
      if (retries > 0) {
        ext.retryAt = null;
        await resolveExternalTaskIncidents(em, ext.id, now, p.username, 'retries-set');
      } else {
        await openExternalTaskIncident(em, ext, ext.errorMessage ?? 'Tentativi azzerati manualmente', now, p.username);
      }
    });
    if (retries > 0) notifyExternalTasks();
  }

  // ---------------------------------------------------------------- queries

  async get(p: Principal, id: string): Promise<ExternalTask & { definitionId: string }> {
    const scope = tenantScope(p);
    const em = this.services.orm.em.fork();
    const ext = await em.findOne(ExternalTask, { id, status: 'open', ...tenantFilter(scope) });
    if (!ext) throw new NotFoundError('Task esterno', id, 'EXTERNAL_TASK_NOT_FOUND');
    const [withDef] = await this.withDefinitions(em, [ext]);
    return withDef;
  }

  async list(p: Principal, q: ExternalTaskQuery): Promise<Array<ExternalTask & { definitionId: string }>> {
    const em = this.services.orm.em.fork();
    const where = await this.where(em, p, q);
    if (!where) return [];
    const column = SORT_COLUMNS[q.sortBy ?? 'createTime'];
    const dir = q.sortOrder === 'desc' ? 'desc' : 'asc';
    const rows = await em.find(ExternalTask, where, {
      orderBy: [{ [column]: dir }, { id: 'asc' }],
      offset: q.firstResult ?? 0,
      limit: Math.min(q.maxResults ?? 1000, 1000),
    });
    return this.withDefinitions(em, rows);
  }

  async count(p: Principal, q: ExternalTaskQuery): Promise<number> {
    const em = this.services.orm.em.fork();
    const where = await this.where(em, p, q);
    return where ? em.count(ExternalTask, where) : 0;
  }

  private async where(em: EntityManager, p: Principal, q: ExternalTaskQuery): Promise<FilterQuery<ExternalTask> | null> {
    const now = this.services.clock.now();
    const scope = tenantScope(p);
    const and: Array<Record<string, unknown>> = [{ status: 'open' }];
    if (scope) and.push({ tenant: scope });
    if (q.tenantIdIn?.length) and.push({ tenant: { $in: q.tenantIdIn } });
    if (q.externalTaskId) and.push({ id: q.externalTaskId });
    if (q.topicName) and.push({ topic: q.topicName });
    if (q.workerId) and.push({ workerId: q.workerId });
    if (q.locked) and.push({ lockExpiresAt: { $gt: now } });
    if (q.notLocked) and.push({ $or: [{ lockExpiresAt: null }, { lockExpiresAt: { $lte: now } }] });
    if (q.withRetriesLeft) and.push({ $or: [{ retries: null }, { retries: { $gt: 0 } }] });
    if (q.noRetriesLeft) and.push({ retries: 0 });
    if (q.processInstanceId) and.push({ instanceId: q.processInstanceId });
    if (q.processDefinitionKey) and.push({ definitionKey: q.processDefinitionKey });
    if (q.activityId) and.push({ elementId: q.activityId });
    if (q.priorityHigherThanOrEquals !== undefined) and.push({ priority: { $gte: q.priorityHigherThanOrEquals } });
    if (q.priorityLowerThanOrEquals !== undefined) and.push({ priority: { $lte: q.priorityLowerThanOrEquals } });
    if (q.processDefinitionId) {
      const instances = await em.find(ProcessInstance, { definitionId: q.processDefinitionId, status: 'active', ...tenantFilter(scope) }, { fields: ['id'] });
      if (!instances.length) return null;
      and.push({ instanceId: { $in: instances.map((i) => i.id) } });
    }
    return { $and: and } as FilterQuery<ExternalTask>;
  }

  private async withDefinitions(em: EntityManager, rows: ExternalTask[]): Promise<Array<ExternalTask & { definitionId: string }>> {
    if (!rows.length) return [];
    const instances = await em.find(ProcessInstance, { id: { $in: [...new Set(rows.map((r) => r.instanceId))] } }, { fields: ['id', 'definitionId'] });
    const defs = new Map(instances.map((i) => [i.id, i.definitionId]));
    return rows.map((r) => Object.assign(r, { definitionId: defs.get(r.instanceId) ?? '' }));
  }

  // ---------------------------------------------------------------- helpers

  private async openTask(tx: EngineTx, p: Principal, id: string): Promise<ExternalTask> {
    const ext = (await tx.externalTask(id, tenantScope(p))) as ExternalTask | null;
    if (!ext || ext.status !== 'open') throw new NotFoundError('Task esterno', id, 'EXTERNAL_TASK_NOT_FOUND');
    return ext;
  }

  /** Runs `action` on the open task's row locked FOR UPDATE, in one transaction. */
  private async onLockedRow(p: Principal, id: string, action: (em: EntityManager, ext: ExternalTask, now: Date) => Promise<void>): Promise<void> {
    const scope = tenantScope(p);
    await this.services.orm.em.fork().transactional(async (em) => {
      const ext = await em.findOne(ExternalTask, { id, ...tenantFilter(scope) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!ext || ext.status !== 'open') throw new NotFoundError('Task esterno', id, 'EXTERNAL_TASK_NOT_FOUND');
      await action(em, ext, this.services.clock.now());
    });
  }

  /** After a task out of retries was closed anyway (Camunda allows it to the last lock holder): its incidents are resolved. */
  private async closeIncidents(id: string, username: string, reason: string): Promise<void> {
    await this.services.orm.em.fork().transactional((em) => resolveExternalTaskIncidents(em, id, this.services.clock.now(), username, reason));
  }
}

const SORT_COLUMNS = {
  id: 'id',
  lockExpirationTime: 'lockExpiresAt',
  processInstanceId: 'instanceId',
  processDefinitionKey: 'definitionKey',
  tenantId: 'tenant',
  taskPriority: 'priority',
  createTime: 'createdAt',
} as const;

function checkWorker(ext: ExternalTask, workerId: string, what: string): void {
  if (ext.workerId !== workerId) {
    throw new WorkerRequestError(
      ext.workerId
        ? `Il task esterno ${ext.id} non può essere ${what} dal worker "${workerId}": è bloccato dal worker "${ext.workerId}"`
        : `Il task esterno ${ext.id} non può essere ${what} dal worker "${workerId}": non è bloccato da nessun worker`,
    );
  }
}

/**
 * Chronological acquisition (FetchRequest.chronologicalBy): order by the
 * variable (missing last), and hold a task back while an earlier open task of
 * the same topic and comune is locked or waiting for its retry time.
 */
function chronologicalClause(variable: string | undefined): { holdBack: string; order: string } | null {
  if (!variable) return null;
  if (!/^[A-Za-z_]\w*$/.test(variable)) throw new BadRequestError(`Nome di variabile non valido per l'ordine cronologico: ${variable}`);
  const key = (alias: string) => `coalesce(${alias}.variables->>'${variable}', '~')`;
  return {
    holdBack: `not exists (select 1 from external_task e2 join process_instance p2 on p2.id = e2.instance_id
        where e2.topic = et.topic and e2.tenant = et.tenant and e2.status = 'open' and e2.id <> et.id
          and ((e2.lock_expires_at is not null and e2.lock_expires_at > ?::timestamptz) or ((e2.retries is null or e2.retries > 0) and e2.retry_at is not null and e2.retry_at > ?::timestamptz))
          and (${key('p2')}, e2.created_at, e2.id) < (${key('pi')}, et.created_at, et.id))`,
    order: `${key('pi')} asc`,
  };
}

/** One fetchAndLock topic as a SQL condition over `et` (external_task) and `pi` (process_instance). */
function topicCondition(t: FetchTopic): { sql: string; params: unknown[] } {
  const parts = ['et.topic = ?'];
  const params: unknown[] = [t.topicName];
  const inList = (column: string, values: string[]) => {
    parts.push(values.length ? `${column} in (${values.map(() => '?').join(', ')})` : 'false');
    params.push(...values);
  };
  if (t.businessKey != null) {
    parts.push('et.business_key = ?');
    params.push(t.businessKey);
  }
  if (t.processDefinitionId != null) inList('pi.definition_id::text', [t.processDefinitionId]);
  if (t.processDefinitionIdIn?.length) inList('pi.definition_id::text', t.processDefinitionIdIn);
  if (t.processDefinitionKey != null) inList('et.definition_key', [t.processDefinitionKey]);
  if (t.processDefinitionKeyIn?.length) inList('et.definition_key', t.processDefinitionKeyIn);
  // Definitions carry no version tag, and every task belongs to a comune.
  if (t.processDefinitionVersionTag != null) parts.push('false');
  if (t.withoutTenantId) parts.push('false');
  if (t.tenantIdIn?.length) inList('et.tenant', t.tenantIdIn);
  if (t.processVariables && Object.keys(t.processVariables).length) {
    parts.push('pi.variables @> ?::jsonb');
    params.push(JSON.stringify(t.processVariables));
  }
  return { sql: `(${parts.join(' and ')})`, params };
}

function addHistory(em: EntityManager, ext: ExternalTask, at: Date, type: string, userName: string, details: Record<string, unknown>) {
  em.persist(Object.assign(new HistoryEvent(), { tenant: ext.tenant, instanceId: ext.instanceId, at, type, elementId: ext.elementId, userName, details: { externalTaskId: ext.id, ...details } }));
}

function asJson(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return JSON.parse(v) as Record<string, unknown>;
  return (v ?? {}) as Record<string, unknown>;
}

/** Camunda 7's date format: 2026-03-02T08:00:00.000+0000. */
export function camundaDate(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}
