/**
 * EngineStore on MikroORM: one forked EntityManager per transaction. The rows
 * every command touches (instance, user tasks, history) go through EngineRows
 * (src/db/engine-rows.ts: own SQL, all writes in one statement, the instance's
 * and tasks' `version` checked); the other rows are managed entities flushed
 * by the ORM. Both commit in the same transaction.
 */
import { DeadlockException, LockMode, OptimisticLockError, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { ConflictError } from '../shared/errors.js';
import type { DefinitionRecord, EngineStore, EngineTx, InstanceRecord, JobRecord, TaskRecord, TenantScope, WorkKinds } from '../engine/store.js';
import {
  EventSubscription,
  ExternalTask,
  HistoryEvent,
  ProcessDefinition,
  ProcessInstance,
} from './entities/index.js';
import type { Orm } from './orm.js';
import { EngineRows, concurrentModification } from './engine-rows.js';
import { decisionXml, latestDecision } from '../decisions/decision.service.js';
import { tenantFilter } from '../shared/tenancy.js';

export interface StoreHooks {
  /** Called after a commit that created external tasks (wakes long-polling workers). */
  onExternalTasksCreated?: () => void;
}

export class OrmEngineStore implements EngineStore {
  constructor(
    private readonly orm: Orm,
    private readonly hooks: StoreHooks = {},
  ) {}

  /**
   * BEGIN on a fork of its own, the work, the engine rows, the ORM's flush,
   * COMMIT; ROLLBACK if anything before COMMIT fails. (em.begin/commit rather
   * than em.transactional: no second fork, no async-local context, no merge
   * into a parent context — a few tenths of a millisecond per command.)
   */
  async transaction<T>(work: (tx: EngineTx) => Promise<T>): Promise<T> {
    const em = this.orm.em.fork();
    const tx = new OrmEngineTx(em);
    let result: T;
    try {
      await em.begin();
      try {
        result = await work(tx);
        await tx.flushRows();
        await em.flush();
      } catch (err) {
        await em.rollback().catch(() => undefined);
        throw err;
      }
      // A failed COMMIT has already ended the transaction (the connection goes back to the pool).
      await em.commit();
    } catch (err) {
      throw mapConcurrencyError(err);
    }
    if (tx.createdExternalTasks) this.hooks.onExternalTasksCreated?.();
    for (const fn of tx.committed) fn();
    return result;
  }
}

export function mapConcurrencyError(err: unknown): unknown {
  if (err instanceof OptimisticLockError) return concurrentModification();
  // Unique violations and deadlocks (the victim's transaction is rolled back), from the ORM or raw from the driver (engine-rows' own SQL).
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof UniqueConstraintViolationException || err instanceof DeadlockException || code === '23505' || code === '40P01') {
    return new ConflictError('Operazione concorrente sullo stesso elemento: ricaricare e riprovare', 'CONCURRENT_MODIFICATION');
  }
  return err;
}

/**
 * The database transaction behind an EngineTx from OrmEngineStore, so a module
 * (e.g. application intake) writes its own rows in the same transaction.
 */
export function entityManagerOf(tx: EngineTx): EntityManager {
  if (!(tx instanceof OrmEngineTx)) throw new Error('EngineTx senza EntityManager (serve OrmEngineStore)');
  return tx.entityManager();
}

const definitionCache = new Map<string, DefinitionRecord>();
const ALL_WORK: WorkKinds = { external: true, messages: true };

class OrmEngineTx implements EngineTx {
  createdExternalTasks = false;
  readonly committed: Array<() => void> = [];
  private readonly rows: EngineRows;
  constructor(private readonly em: EntityManager) {
    this.rows = new EngineRows(em);
  }

  afterCommit(fn: () => void) {
    this.committed.push(fn);
  }

  /** Writes the instance, task and history rows of the transaction (before the ORM's own flush and the commit). */
  flushRows() {
    return this.rows.flush();
  }

  /** The transaction's EntityManager, for modules whose own rows must commit with the engine's (see entityManagerOf). */
  entityManager(): EntityManager {
    return this.em;
  }

  /** The comune's latest version, else the latest shared one: one query (which also reads the parameter overrides), the compiled model from the cache. */
  async latestDefinition(key: string, tenant: string) {
    const id = await this.rows.latestDefinitionId(key, tenant);
    return id ? this.definition(id) : null;
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
    return this.rows.instance(id, scope);
  }

  /** Locks the task row (FOR UPDATE): a concurrent action on the same task waits, then sees its new status. */
  task(id: string, scope: TenantScope, opts?: { withInstance?: boolean }) {
    return this.rows.lockTask(id, scope, opts?.withInstance);
  }

  /** Row-locked, like task(): a completion and a concurrent fetchAndLock never interleave. */
  externalTask(id: string, scope: TenantScope) {
    return this.em.findOne(ExternalTask, { id, ...tenantFilter(scope) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  findSubscriptions(q: { name: string; scope: TenantScope; businessKey?: string; instanceId?: string }) {
    return this.em.find(
      EventSubscription,
      {
        kind: 'message',
        name: q.name,
        ...tenantFilter(q.scope),
        ...(q.businessKey !== undefined ? { businessKey: q.businessKey } : {}),
        ...(q.instanceId !== undefined ? { instanceId: q.instanceId } : {}),
      },
      { orderBy: { createdAt: 'asc' } },
    );
  }

  async openWork(instanceId: string, kinds: WorkKinds = ALL_WORK) {
    const tasks = await this.rows.openTasks(instanceId);
    const externalTasks = kinds.external ? await this.em.find(ExternalTask, { instanceId, status: 'open' }) : [];
    const subscriptions = kinds.messages ? await this.em.find(EventSubscription, { instanceId }) : [];
    return { tasks, externalTasks, subscriptions };
  }

  tenantCalendar(tenant: string) {
    return this.rows.tenantCalendar(tenant);
  }

  parameterOverride(key: string, tenant: string) {
    return this.rows.parameterOverride(key, tenant);
  }

  async latestDecision(key: string, tenant: string) {
    const row = await latestDecision(this.em, key, tenant);
    return row ? { id: row.id, key: row.key, version: row.version, tenant: row.tenant, name: row.name, fileHash: row.fileHash } : null;
  }

  decisionSource(id: string) {
    return decisionXml(this.em, id);
  }

  createInstance(rec: InstanceRecord) {
    return this.rows.createInstance(rec);
  }
  createTask(rec: TaskRecord) {
    return this.rows.createTask(rec);
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
    return this.rows.instanceJobs(instanceId);
  }
  createJob(rec: JobRecord) {
    return this.rows.createJob(rec);
  }
  lockedJob(id: string, workerId: string) {
    return this.rows.lockedJob(id, workerId);
  }
  /** Locks the job's instance row (taken before the job row): jobs of one case queue up instead of racing and running handlers twice. */
  lockJobInstance(jobId: string) {
    return this.rows.lockJobInstance(jobId);
  }
  acquireJob(now: Date) {
    return this.rows.acquireJob(now);
  }
  removeJob(rec: JobRecord) {
    this.rows.removeJob(rec);
  }
  addHistory(rec: Partial<HistoryEvent> & Pick<HistoryEvent, 'tenant' | 'instanceId' | 'at' | 'type'>) {
    this.rows.addHistory({ elementId: null, elementType: null, elementName: null, taskId: null, userName: null, details: null, ...rec });
  }

  async activeInstanceRefs(q: { definitionId: string; scope: TenantScope; ids?: string[]; after?: string; limit: number }) {
    const rows = await this.em.find(
      ProcessInstance,
      {
        definitionId: q.definitionId,
        status: 'active',
        ...tenantFilter(q.scope),
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
