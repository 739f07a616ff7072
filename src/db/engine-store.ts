/**
 * EngineStore on MikroORM: one forked EntityManager per transaction; loaded
 * rows are managed entities, so changes made by the engine are flushed on
 * commit, with the instance row's `version` checked (optimistic locking).
 */
import { LockMode, OptimisticLockError, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { ConflictError } from '../shared/errors.js';
import type { DefinitionRecord, EngineStore, EngineTx, TenantScope, WorkKinds } from '../engine/store.js';
import {
  EventSubscription,
  ExternalTask,
  HistoryEvent,
  ProcessDefinition,
  ProcessInstance,
  Job,
  Task,
  Tenant,
} from './entities/index.js';
import type { Orm } from './orm.js';
import { latestOverride } from '../tailoring/parameters/parameter.service.js';

export interface StoreHooks {
  /** Called after a commit that created external tasks (wakes long-polling workers). */
  onExternalTasksCreated?: () => void;
}

export class OrmEngineStore implements EngineStore {
  constructor(
    private readonly orm: Orm,
    private readonly hooks: StoreHooks = {},
  ) {}

  async transaction<T>(work: (tx: EngineTx) => Promise<T>): Promise<T> {
    const em = this.orm.em.fork();
    let tx: OrmEngineTx | null = null;
    let result: T;
    try {
      result = await em.transactional((tem) => work((tx = new OrmEngineTx(tem))));
    } catch (err) {
      throw mapConcurrencyError(err);
    }
    if ((tx as OrmEngineTx | null)?.createdExternalTasks) this.hooks.onExternalTasksCreated?.();
    return result;
  }
}

export function mapConcurrencyError(err: unknown): unknown {
  if (err instanceof OptimisticLockError) {
    return new ConflictError('Il caso è stato modificato da un\'altra operazione nel frattempo: ricaricare e riprovare', 'CONCURRENT_MODIFICATION');
  }
  if (err instanceof UniqueConstraintViolationException) {
    return new ConflictError('Operazione concorrente sullo stesso elemento: ricaricare e riprovare', 'CONCURRENT_MODIFICATION');
  }
  return err;
}

const definitionCache = new Map<string, DefinitionRecord>();
const ALL_WORK: WorkKinds = { external: true, messages: true };

const scoped = (scope: TenantScope) => (scope ? { tenant: scope } : {});

class OrmEngineTx implements EngineTx {
  createdExternalTasks = false;
  constructor(private readonly em: EntityManager) {}

  /** The comune's latest version, else the latest shared one: one query, the compiled model from the cache. */
  async latestDefinition(key: string, tenant: string) {
    const [row] = await this.em.find(
      ProcessDefinition,
      { key, $or: [{ tenant }, { tenant: null }] },
      { orderBy: [{ tenant: 'asc nulls last' }, { version: 'desc' }], limit: 1, fields: ['id'] },
    );
    return row ? this.definition(row.id) : null;
  }

  /** Deployed definitions never change (a new version is a new row), so they are cached per process by id. */
  async definition(id: string): Promise<DefinitionRecord | null> {
    const cached = definitionCache.get(id);
    if (cached) return cached;
    const def = await this.em.findOne(ProcessDefinition, { id }, { populate: ['compiled'] });
    if (!def) return null;
    const plain: DefinitionRecord = { id: def.id, key: def.key, version: def.version, tenant: def.tenant, name: def.name, compiled: def.compiled, modelIndex: def.modelIndex };
    definitionCache.set(id, plain);
    return plain;
  }

  instance(id: string, scope: TenantScope) {
    return this.em.findOne(ProcessInstance, { id, ...scoped(scope) }, { populate: ['state'] });
  }

  /** Locks the task row (FOR UPDATE): a concurrent action on the same task waits, then sees its new status. */
  task(id: string, scope: TenantScope) {
    return this.em.findOne(Task, { id, ...scoped(scope) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /** Row-locked, like task(): a completion and a concurrent fetchAndLock never interleave. */
  externalTask(id: string, scope: TenantScope) {
    return this.em.findOne(ExternalTask, { id, ...scoped(scope) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  findSubscriptions(q: { name: string; scope: TenantScope; businessKey?: string; instanceId?: string }) {
    return this.em.find(
      EventSubscription,
      {
        kind: 'message',
        name: q.name,
        ...scoped(q.scope),
        ...(q.businessKey !== undefined ? { businessKey: q.businessKey } : {}),
        ...(q.instanceId !== undefined ? { instanceId: q.instanceId } : {}),
      },
      { orderBy: { createdAt: 'asc' } },
    );
  }

  async openWork(instanceId: string, kinds: WorkKinds = ALL_WORK) {
    const tasks = await this.em.find(Task, { instanceId, status: 'open' });
    const externalTasks = kinds.external ? await this.em.find(ExternalTask, { instanceId, status: 'open' }) : [];
    const subscriptions = kinds.messages ? await this.em.find(EventSubscription, { instanceId }) : [];
    return { tasks, externalTasks, subscriptions };
  }

  async tenantCalendar(tenant: string) {
    const row = await this.em.findOne(Tenant, { code: tenant });
    return (row?.calendar ?? {}) as Record<string, unknown>;
  }

  parameterOverride(key: string, tenant: string) {
    return latestOverride(this.em, key, tenant);
  }

  createInstance(rec: ProcessInstance) {
    return this.persistNew(ProcessInstance, rec);
  }
  createTask(rec: Task) {
    return this.persistNew(Task, rec);
  }
  createExternalTask(rec: ExternalTask) {
    this.createdExternalTasks = true;
    return this.persistNew(ExternalTask, rec);
  }
  createSubscription(rec: EventSubscription) {
    return this.persistNew(EventSubscription, rec);
  }
  removeSubscription(rec: EventSubscription) {
    this.em.remove(rec);
  }
  instanceJobs(instanceId: string) {
    return this.em.find(Job, { instanceId }, { orderBy: { dueAt: 'asc' } });
  }
  createJob(rec: Job) {
    return this.persistNew(Job, rec);
  }
  lockedJob(id: string, workerId: string) {
    return this.em.findOne(Job, { id, lockedBy: workerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }
  removeJob(rec: Job) {
    this.em.remove(rec);
  }
  addHistory(rec: Partial<HistoryEvent> & Pick<HistoryEvent, 'tenant' | 'instanceId' | 'at' | 'type'>) {
    this.persistNew(HistoryEvent, { elementId: null, elementType: null, elementName: null, taskId: null, userName: null, details: null, ...rec });
  }

  async activeInstanceRefs(q: { definitionId: string; scope: TenantScope; ids?: string[]; after?: string; limit: number }) {
    const rows = await this.em.find(
      ProcessInstance,
      {
        definitionId: q.definitionId,
        status: 'active',
        ...scoped(q.scope),
        ...(q.ids || q.after ? { id: { ...(q.ids ? { $in: q.ids } : {}), ...(q.after ? { $gt: q.after } : {}) } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: q.limit, fields: ['id', 'tenant', 'businessKey'] },
    );
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, businessKey: r.businessKey }));
  }

  private persistNew<T extends object>(cls: new () => T, data: Partial<T>): T {
    const entity = Object.assign(new cls(), data);
    this.em.persist(entity);
    return entity;
  }
}
