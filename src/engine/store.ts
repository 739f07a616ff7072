/**
 * What the engine core needs from storage, in domain terms. The PostgreSQL /
 * PGlite implementation lives in src/db/engine-store.ts; every call made
 * through one EngineTx belongs to one database transaction.
 */
import type { ModelIndex } from './definitions/model.js';

export interface DefinitionRecord {
  id: string;
  key: string;
  version: number;
  tenant: string | null;
  name: string | null;
  compiled: string;
  modelIndex: unknown;
}

/** A deployed DMN decision version (its source is read separately, once, for compiling). */
export interface DecisionRecord {
  id: string;
  key: string;
  version: number;
  tenant: string | null;
  name: string | null;
  /** SHA-256 of the DMN file (the compiled-DMN cache key with the tenant); null for very old versions. */
  fileHash?: string | null;
}

export interface InstanceRecord {
  id: string;
  tenant: string;
  definitionId: string;
  definitionKey: string;
  definitionVersion: number;
  businessKey: string | null;
  status: 'active' | 'completed' | 'cancelled';
  state: unknown;
  variables: Record<string, unknown>;
  params: Record<string, unknown>;
  activeElements: string[];
  version: number;
  startedBy: string | null;
  startedAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

export interface TaskRecord {
  id: string;
  tenant: string;
  instanceId: string;
  definitionKey: string;
  businessKey: string | null;
  elementId: string;
  executionId: string;
  name: string | null;
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  formKey: string | null;
  priority: number;
  dueAt: Date | null;
  followUpAt: Date | null;
  status: 'open' | 'completed' | 'cancelled';
  createdAt: Date;
  claimedAt: Date | null;
  endedAt: Date | null;
  completedBy: string | null;
}

export interface ExternalTaskRecord {
  id: string;
  tenant: string;
  instanceId: string;
  definitionKey: string;
  businessKey: string | null;
  elementId: string;
  executionId: string;
  topic: string;
  status: 'open' | 'completed' | 'cancelled';
  createdAt: Date;
  endedAt: Date | null;
}

export interface SubscriptionRecord {
  id: string;
  tenant: string;
  instanceId: string;
  kind: 'message';
  name: string;
  elementId: string;
  executionId: string;
  businessKey: string | null;
  createdAt: Date;
}

/** timer: a BPMN timer bpmn-elements registered; async-continuation: camunda:asyncBefore/asyncAfter;
 *  event-subprocess-timer: a timer start event of an event sub-process; timer-start: a process's timer start event. */
export type JobKind = 'timer' | 'async-continuation' | 'event-subprocess-timer' | 'timer-start';

export interface JobRecord {
  id: string;
  tenant: string;
  /** For timer-start jobs: null (they belong to definitionId). */
  instanceId: string;
  definitionId: string | null;
  kind: JobKind;
  elementId: string;
  executionId: string;
  dueAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  retries: number;
  attempts: number;
  lastError: string | null;
  payload: unknown;
  createdAt: Date;
}

export interface HistoryRecord {
  tenant: string;
  instanceId: string;
  at: Date;
  type: string;
  elementId?: string | null;
  elementType?: string | null;
  elementName?: string | null;
  taskId?: string | null;
  userName?: string | null;
  details?: unknown;
}

export interface OpenWork {
  tasks: TaskRecord[];
  externalTasks: ExternalTaskRecord[];
  subscriptions: SubscriptionRecord[];
}

/** Which kinds of open work a model can produce (user tasks are always looked up). */
export interface WorkKinds {
  external: boolean;
  messages: boolean;
}

/** null means every comune (metropolitan level); a code restricts to that comune. */
export type TenantScope = string | null;

export interface EngineTx {
  /** Runs `fn` once this transaction has committed (never after a rollback). */
  afterCommit(fn: () => void): void;
  latestDefinition(key: string, tenant: string): Promise<DefinitionRecord | null>;
  definition(id: string): Promise<DefinitionRecord | null>;
  instance(id: string, scope: TenantScope): Promise<InstanceRecord | null>;
  /**
   * The task, row-locked until the transaction ends. `withInstance` also reads
   * its instance and the instance's open tasks in the same statement (what a
   * completion needs next; instance() and openWork() then answer from it).
   */
  task(id: string, scope: TenantScope, opts?: { withInstance?: boolean }): Promise<TaskRecord | null>;
  externalTask(id: string, scope: TenantScope): Promise<ExternalTaskRecord | null>;
  findSubscriptions(q: { name: string; scope: TenantScope; businessKey?: string; instanceId?: string }): Promise<SubscriptionRecord[]>;
  /** Open tasks, external tasks and subscriptions; `kinds` skips the lookups a model cannot need. */
  openWork(instanceId: string, kinds?: WorkKinds): Promise<OpenWork>;
  /** The comune's calendar settings (Tenant.calendar). */
  tenantCalendar(tenant: string): Promise<Record<string, unknown>>;
  /** The comune's latest version of a decision key, else the latest shared one (business rule tasks). */
  latestDecision(key: string, tenant: string): Promise<DecisionRecord | null>;
  /** The DMN file of a deployed decision version (compiled once per version, see src/decisions/cache.ts). */
  decisionSource(id: string): Promise<string | null>;
  /** The comune's latest edited parameter overrides for a process key, if any. */
  parameterOverride(key: string, tenant: string): Promise<{ version: number; values: Record<string, unknown> } | null>;
  /** New rows; written on commit. */
  createInstance(rec: InstanceRecord): InstanceRecord;
  createTask(rec: TaskRecord): TaskRecord;
  createExternalTask(rec: ExternalTaskRecord): ExternalTaskRecord;
  createSubscription(rec: SubscriptionRecord): SubscriptionRecord;
  removeSubscription(rec: SubscriptionRecord): void;
  /** Jobs of an instance (timers waiting to fire). */
  instanceJobs(instanceId: string): Promise<JobRecord[]>;
  createJob(rec: JobRecord): JobRecord;
  /** The job, row-locked, if this worker still holds its lock. */
  lockedJob(id: string, workerId: string): Promise<JobRecord | null>;
  /** Row-locks the process instance of a job (if any) until commit: jobs of one instance run one at a time. */
  lockJobInstance(jobId: string): Promise<void>;
  /**
   * Acquires the next due job in this transaction: the job row and its instance's row locked (SKIP LOCKED)
   * until commit or rollback, no lease written; null when no due job is free. Jobs under a lease
   * (JobQueue.acquire) are left to their holder until it expires.
   */
  acquireJob(now: Date): Promise<JobRecord | null>;
  removeJob(rec: JobRecord): void;
  addHistory(rec: HistoryRecord): void;
  /** Active instances of a definition, ids ascending (after `after`), within scope and, if given, among `ids` (for migration batches). */
  activeInstanceRefs(q: { definitionId: string; scope: TenantScope; ids?: string[]; after?: string; limit: number }): Promise<InstanceRef[]>;
}

/** Just enough of an instance to list it. */
export interface InstanceRef {
  id: string;
  tenant: string;
  businessKey: string | null;
}

/** Acquisition and bookkeeping of due jobs, outside command transactions. */
export interface JobQueue {
  /** Locks up to `limit` due jobs for this worker (FOR UPDATE SKIP LOCKED) and returns their ids. */
  acquire(workerId: string, now: Date, limit: number, lockUntil: Date): Promise<string[]>;
  /** Releases the lock without counting an attempt (e.g. lost a race on the instance). */
  release(id: string, workerId: string): Promise<void>;
  /**
   * Records a failed attempt: one retry less, due again at `retryAt(attempt, payload)` (attempt: 1-based count of
   * failures so far); at zero retries opens an incident.
   */
  fail(id: string, workerId: string, error: string, retryAt: (attempt: number, payload: unknown) => Date, now: Date): Promise<{ incident: boolean }>;
  /**
   * As fail(), for a job acquired in its own (rolled back) transaction: recorded only if the job still has
   * `attempts` failed attempts, so a failure is counted once even if another executor tried the job meanwhile.
   */
  failAttempt(id: string, attempts: number, error: string, retryAt: (attempt: number, payload: unknown) => Date, now: Date): Promise<{ incident: boolean }>;
  /** Drops a job whose timer no longer exists. */
  discard(id: string): Promise<void>;
  /** Extends this worker's leases on the given jobs until `lockUntil`. */
  renew(ids: string[], workerId: string, lockUntil: Date): Promise<void>;
  /** Releases the leases held by other workers whose id starts with `ownerPrefix` (this node before a restart); returns how many. */
  reclaim(ownerPrefix: string, workerId: string): Promise<number>;
}

export interface EngineStore {
  /** Runs work in one transaction; changes to loaded records are written on commit with optimistic version checks. */
  transaction<T>(work: (tx: EngineTx) => Promise<T>): Promise<T>;
}

export function modelIndexOf(def: DefinitionRecord): ModelIndex {
  return def.modelIndex as ModelIndex;
}
