/**
 * The command side of the engine: start, signal (task completion, message),
 * external-task completion and cancel. Each command loads the instance, runs
 * it to its next wait states and reconciles tasks, subscriptions and history,
 * all inside the caller's transaction (EngineTx).
 */
import { addIsoDuration, type Clock } from '../shared/clock.js';
import { ConflictError, DomainError, NotFoundError } from '../shared/errors.js';
import type { HandlerRegistry } from './execution/handlers.js';
import { runCommand, type Command, type EngineSession, type StepResult, type Variables } from './execution/runtime.js';
import type { EngineCache } from './execution/engine-cache.js';
import { resolveUserTask } from './execution/user-task.js';
import { checkVariablesAllowed, messageVariables, TOPIC_OUTPUTS } from './execution/variable-policy.js';
import { decisionRunner } from '../decisions/business-rule.js';
import type { ExpressionFunctions } from './execution/engine-expressions.js';
import type { CompiledProcess } from './definitions/model.js';
import { jobRetries } from './jobs/retry-cycle.js';
import { romeDay } from './calendar/index.js';
import { interruptedScopeJobs, reconcileJobs, type ContinuationJobPayload, type EventSubprocessJobPayload } from './jobs/reconcile.js';
import { modelIndexOf, type DefinitionRecord, type EngineTx, type InstanceRecord, type JobRecord, type TaskRecord, type ExternalTaskRecord } from './store.js';

export interface ProcessServiceDeps {
  handlers: HandlerRegistry;
  clock: Clock;
  newId: () => string;
  /** Expression functions bound to a comune's calendar settings (now(), addWorkingDays…), built per command. */
  functionsFor?: (tenant: string, calendar: Record<string, unknown>, clock: Clock) => ExpressionFunctions;
  /** Merges a process key's parameters for a comune given its edited overrides (null when the key has none). */
  parameters?: (key: string, tenant: string, override: { version: number; values: Variables } | null) => { version: number; values: Variables } | null;
  /** Live engines kept between the commands of a case (see engine-cache.ts); none when absent. */
  engines?: EngineCache;
  /** Documented outputs of an external-task topic (connectors' `outputs`, TOPIC_OUTPUTS), beside the model's camunda:outputParameter names. */
  topicOutputs?: (topic: string) => readonly string[] | undefined;
}

export interface Actor {
  username: string;
}

export interface StartRequest {
  key: string;
  tenant: string;
  businessKey?: string | null;
  variables?: Variables;
}

export class ProcessService {
  /** Per transaction: the engine each instance was left with by its last command there, kept once the transaction commits. */
  private readonly sessions = new WeakMap<EngineTx, Map<InstanceRecord, EngineSession | null>>();

  constructor(private readonly deps: ProcessServiceDeps) {}

  async start(tx: EngineTx, req: StartRequest, actor: Actor): Promise<InstanceRecord> {
    const def = await tx.latestDefinition(req.key, req.tenant);
    if (!def) throw new NotFoundError('Definizione di processo', req.key, 'DEFINITION_NOT_FOUND', 'f');
    return this.startDefinition(tx, def, req, actor);
  }

  private async startDefinition(tx: EngineTx, def: DefinitionRecord, req: StartRequest, actor: Actor): Promise<InstanceRecord> {
    const now = this.deps.clock.now();
    const resolved = this.deps.parameters?.(def.key, req.tenant, await tx.parameterOverride(def.key, req.tenant)) ?? null;
    const params = resolved?.values ?? {};
    const instance = tx.createInstance({
      id: this.deps.newId(),
      tenant: req.tenant,
      definitionId: def.id,
      definitionKey: def.key,
      definitionVersion: def.version,
      businessKey: req.businessKey ?? null,
      status: 'active',
      state: null,
      variables: {},
      params,
      activeElements: [],
      version: 1,
      startedBy: actor.username,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
    });
    tx.addHistory({ tenant: req.tenant, instanceId: instance.id, at: now, type: 'process.started', userName: actor.username, details: { definitionId: def.id, version: def.version, parametersVersion: resolved?.version ?? null } });
    await this.advance(tx, instance, def, { type: 'start', variables: req.variables ?? {} }, actor);
    return instance;
  }

  /** Completes a user task already checked by the task layer. */
  async completeTask(tx: EngineTx, task: TaskRecord, variables: Variables, actor: Actor): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, task.instanceId, task.tenant);
    const def = await this.definitionOf(tx, instance);
    await this.advance(tx, instance, def, { type: 'signal', elementId: task.elementId, executionId: task.executionId, variables }, actor, { completedTaskId: task.id });
    return instance;
  }

  /** `opts.outputs`: further names the caller may write (an in-process connector's declared or returned outputs). */
  async completeExternalTask(tx: EngineTx, ext: ExternalTaskRecord, variables: Variables, actor: Actor, opts: { outputs?: readonly string[] } = {}): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, ext.instanceId, ext.tenant);
    const def = await this.definitionOf(tx, instance);
    checkVariablesAllowed(variables, [...this.externalOutputs(def, ext), ...(opts.outputs ?? [])], `il task esterno ${ext.elementId} (topic ${ext.topic})`);
    await this.advance(tx, instance, def, { type: 'completeExternal', executionId: ext.executionId, variables }, actor, { completedExternalId: ext.id });
    return instance;
  }

  /** A worker reports a BPMN error for an external task: an error boundary event with that code catches it. */
  async throwExternalError(
    tx: EngineTx,
    ext: ExternalTaskRecord,
    error: { errorCode: string; errorMessage?: string; variables?: Variables },
    actor: Actor,
    opts: { outputs?: readonly string[] } = {},
  ): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, ext.instanceId, ext.tenant);
    const def = await this.definitionOf(tx, instance);
    checkVariablesAllowed(error.variables, [...this.externalOutputs(def, ext), ...(opts.outputs ?? [])], `il task esterno ${ext.elementId} (topic ${ext.topic})`);
    tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: this.deps.clock.now(), type: 'external.bpmn-error', elementId: ext.elementId, userName: actor.username, details: { errorCode: error.errorCode, errorMessage: error.errorMessage ?? null } });
    await this.advance(tx, instance, def, { type: 'externalError', executionId: ext.executionId, errorCode: error.errorCode, errorMessage: error.errorMessage, variables: error.variables ?? {} }, actor, { completedExternalId: ext.id });
    return instance;
  }

  /**
   * A timer start event is due: start a case of that definition version in the job's comune,
   * let its start timer fire at once, and re-arm the job for the next cycle or delete it.
   */
  async startFromTimer(tx: EngineTx, job: JobRecord, actor: Actor): Promise<InstanceRecord> {
    const def = job.definitionId ? await tx.definition(job.definitionId) : null;
    if (!def) throw new NotFoundError('Definizione di processo', job.definitionId ?? '', 'DEFINITION_NOT_FOUND', 'f');
    const instance = await this.startDefinition(tx, def, { key: def.key, tenant: job.tenant, variables: {} }, actor);
    const startTimer = (await tx.instanceJobs(instance.id)).find((j) => j.kind === 'timer' && j.elementId === job.elementId);
    if (startTimer) await this.advance(tx, instance, def, { type: 'fireTimer', elementId: startTimer.elementId, executionId: startTimer.executionId }, actor, { firedJobId: startTimer.id });
    const payload = (job.payload ?? {}) as { timerType?: string; value?: string; remaining?: number | null };
    const next = nextCycle(payload, job.dueAt);
    if (next) Object.assign(job, { dueAt: next.dueAt, payload: { ...payload, remaining: next.remaining }, lockedBy: null, lockedUntil: null, ...freshTries(def, job) });
    else tx.removeJob(job);
    return instance;
  }

  /** Fires a due timer job (called by the job executor inside the job's transaction). */
  async fireTimer(tx: EngineTx, job: JobRecord, actor: Actor): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, job.instanceId, job.tenant);
    const def = await this.definitionOf(tx, instance);
    tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: this.deps.clock.now(), type: 'timer.fired', elementId: job.elementId, userName: actor.username, details: { dueAt: job.dueAt } });
    await this.advance(tx, instance, def, { type: 'fireTimer', elementId: job.elementId, executionId: job.executionId }, actor, { firedJobId: job.id });
    return instance;
  }

  /** Runs an asynchronous continuation job: the activity held before (or after) itself goes on, in this transaction. */
  async continueAsync(tx: EngineTx, job: JobRecord, actor: Actor): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, job.instanceId, job.tenant);
    const def = await this.definitionOf(tx, instance);
    const p = job.payload as ContinuationJobPayload;
    await this.advance(tx, instance, def, { type: 'continue', elementId: job.elementId, executionId: p.activityExecutionId, phase: p.phase }, actor, { firedJobId: job.id });
    return instance;
  }

  /**
   * An event sub-process timer is due: the event sub-process runs in its scope (an interrupting one
   * takes the scope over, and the scope's other event sub-process timers are dropped); a
   * non-interrupting cycle is re-armed for its next occurrence while the scope lasts.
   */
  async fireEventSubprocessTimer(tx: EngineTx, job: JobRecord, actor: Actor): Promise<InstanceRecord> {
    const instance = await this.activeInstance(tx, job.instanceId, job.tenant);
    const def = await this.definitionOf(tx, instance);
    const p = job.payload as EventSubprocessJobPayload;
    const now = this.deps.clock.now();
    const fire = { scopeId: p.scopeId, scopeExecutionId: p.scopeExecutionId, subProcessId: p.subProcessId, startEventId: job.elementId, interrupting: p.interrupting };
    const result = await this.advance(tx, instance, def, { type: 'fireEventSubprocess', fire }, actor, { firedJobId: job.id });
    const fired = result.eventSubprocess.fired !== false;
    tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: now, type: fired ? 'timer.fired' : 'timer.skipped', elementId: job.elementId, userName: actor.username, details: { dueAt: job.dueAt, eventSubProcess: p.subProcessId, ...(fired ? {} : { reason: 'il sottoprocesso evento è ancora in corso' }) } });
    if (p.interrupting && fired) for (const other of interruptedScopeJobs(await tx.instanceJobs(instance.id), p.scopeExecutionId, job.id)) tx.removeJob(other);
    const next = !p.interrupting && result.status === 'active' && result.eventSubprocess.activeScopes.includes(p.scopeExecutionId) ? nextCycle(p, job.dueAt) : null;
    if (next) Object.assign(job, { dueAt: next.dueAt, payload: { ...p, remaining: next.remaining }, lockedBy: null, lockedUntil: null, ...freshTries(def, job) });
    else tx.removeJob(job);
    return instance;
  }

  /** Delivers a message to the elements waiting for it; returns the instances that received it. */
  async deliverMessage(
    tx: EngineTx,
    req: { name: string; scope: string | null; businessKey?: string; processInstanceId?: string; variables?: Variables },
    actor: Actor,
  ): Promise<InstanceRecord[]> {
    const subs = await tx.findSubscriptions({ name: req.name, scope: req.scope, businessKey: req.businessKey, instanceId: req.processInstanceId });
    checkVariablesAllowed(req.variables, messageVariables(req.name), `il messaggio ${req.name}`);
    if (!subs.length) throw new DomainError('MESSAGE_NOT_CORRELATED', `Nessuna pratica è in attesa del messaggio ${req.name}${req.businessKey ? ` con chiave ${req.businessKey}` : ''}`, 404, { id: req.name });
    const byInstance = new Map(subs.map((s) => [s.instanceId, s]));
    const delivered: InstanceRecord[] = [];
    for (const sub of byInstance.values()) {
      const instance = await this.activeInstance(tx, sub.instanceId, sub.tenant);
      const def = await this.definitionOf(tx, instance);
      tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: this.deps.clock.now(), type: 'message.received', elementId: sub.elementId, userName: actor.username, details: { name: req.name } });
      await this.advance(tx, instance, def, { type: 'signal', elementId: signalTarget(def, sub.elementId), executionId: sub.executionId, variables: req.variables ?? {} }, actor);
      delivered.push(instance);
    }
    return delivered;
  }

  async cancel(tx: EngineTx, instance: InstanceRecord, actor: Actor, reason?: string): Promise<InstanceRecord> {
    if (instance.status !== 'active') throw new ConflictError(`L'istanza è già ${instance.status}`, 'INSTANCE_NOT_ACTIVE');
    const now = this.deps.clock.now();
    const work = await tx.openWork(instance.id);
    for (const t of work.tasks) this.closeTask(tx, t, 'cancelled', now, actor, 'task.cancelled');
    for (const e of work.externalTasks) Object.assign(e, { status: 'cancelled', endedAt: now });
    for (const s of work.subscriptions) tx.removeSubscription(s);
    for (const j of await tx.instanceJobs(instance.id)) tx.removeJob(j);
    // Every end records its outcome: a cancelled case is "annullata", with the reason and who cancelled it.
    const outcome = { esitoFinale: 'annullata', motivoAnnullamento: reason?.trim() || null, annullataDa: actor.username, dataFine: romeDay(now) };
    Object.assign(instance, { status: 'cancelled', endedAt: now, updatedAt: now, activeElements: [], variables: { ...instance.variables, ...outcome } });
    tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: now, type: 'process.cancelled', userName: actor.username, details: reason ? { reason } : null });
    return instance;
  }

  private async activeInstance(tx: EngineTx, id: string, tenant: string): Promise<InstanceRecord> {
    const instance = await tx.instance(id, tenant);
    if (!instance) throw new NotFoundError('Istanza di processo', id, 'INSTANCE_NOT_FOUND', 'f');
    if (instance.status !== 'active') throw new ConflictError(`L'istanza è ${instance.status}`, 'INSTANCE_NOT_ACTIVE');
    return instance;
  }

  /** What a completion of this external task may write: the model's output parameters and the topic's documented outputs. */
  private externalOutputs(def: DefinitionRecord, ext: ExternalTaskRecord): string[] {
    const service = modelIndexOf(def).elements[ext.elementId]?.service;
    const declared = service?.kind === 'external' ? service.outputs ?? [] : [];
    return [...declared, ...(this.deps.topicOutputs?.(ext.topic) ?? TOPIC_OUTPUTS[ext.topic] ?? [])];
  }

  private async definitionOf(tx: EngineTx, instance: InstanceRecord): Promise<DefinitionRecord> {
    const def = await tx.definition(instance.definitionId);
    if (!def) throw new NotFoundError('Definizione di processo', instance.definitionId, 'NOT_FOUND', 'f');
    return def;
  }

  private async advance(
    tx: EngineTx,
    instance: InstanceRecord,
    def: DefinitionRecord,
    command: Command,
    actor: Actor,
    done: { completedTaskId?: string; completedExternalId?: string; firedJobId?: string } = {},
  ): Promise<StepResult> {
    const index = modelIndexOf(def);
    const process: CompiledProcess = { key: def.key, name: def.name ?? undefined, serializedContext: def.compiled, index };
    const { clock } = this.deps;
    const traits = modelTraits(def);
    const functions = this.deps.functionsFor?.(instance.tenant, traits.calendar ? await tx.tenantCalendar(instance.tenant) : {}, clock);
    const reuse = this.deps.engines && !traits.async && instance.state ? this.deps.engines.take(instance.id, instance.version, def.id) : null;
    const result = await runCommand(
      { definitionId: def.id, process, instanceId: instance.id, tenant: instance.tenant, businessKey: instance.businessKey, params: instance.params, handlers: this.deps.handlers, clock, functions, decisions: decisionRunner(tx, instance) },
      instance.state as object | null,
      command,
      reuse,
    );
    // Asynchronous continuations rely on the engine being rebuilt for every command (async-continuations.ts): not kept.
    this.keepEngine(tx, instance, result.status === 'active' && !traits.async ? result.session : null);
    const now = clock.now();
    const base = { tenant: instance.tenant, instanceId: instance.id };
    const work = await tx.openWork(instance.id, traits);
    const waiting = new Map(result.waits.map((w) => [w.executionId, w]));

    for (const task of work.tasks) {
      if (waiting.get(task.executionId)?.kind === 'user') continue;
      const completed = task.id === done.completedTaskId;
      this.closeTask(tx, task, completed ? 'completed' : 'cancelled', now, actor, completed ? 'task.completed' : 'task.cancelled');
    }
    for (const ext of work.externalTasks) {
      if (waiting.get(ext.executionId)?.kind === 'external') continue;
      Object.assign(ext, { status: ext.id === done.completedExternalId ? 'completed' : 'cancelled', endedAt: now });
      tx.addHistory({ ...base, at: now, type: ext.id === done.completedExternalId ? 'external.completed' : 'external.cancelled', elementId: ext.elementId, userName: actor.username });
    }
    for (const sub of work.subscriptions) if (waiting.get(sub.executionId)?.kind !== 'message') tx.removeSubscription(sub);
    if (traits.timers || traits.async || done.firedJobId || result.timers.length || result.continuations.length) {
      await reconcileJobs(tx, instance, index, result, { now, newId: this.deps.newId }, done.firedJobId);
    }
    for (const ev of result.events) tx.addHistory({ ...base, at: ev.at, type: ev.type, elementId: ev.elementId, elementType: ev.elementType, elementName: ev.elementName ?? null });

    const known = new Set([...work.tasks, ...work.externalTasks, ...work.subscriptions].filter((r) => waiting.has(r.executionId)).map((r) => r.executionId));
    for (const w of result.waits) {
      if (known.has(w.executionId)) continue;
      const common = { ...base, definitionKey: def.key, businessKey: instance.businessKey, elementId: w.elementId, executionId: w.executionId, createdAt: now };
      if (w.kind === 'user') {
        const r = resolveUserTask(w.spec?.userTask, result.variables, { params: instance.params, clock, functions });
        const task = tx.createTask({
          ...common,
          id: this.deps.newId(),
          name: w.spec?.name ?? null,
          assignee: r.assignee,
          candidateGroups: r.candidateGroups,
          candidateUsers: r.candidateUsers,
          formKey: r.formKey,
          priority: r.priority,
          dueAt: r.dueAt,
          followUpAt: r.followUpAt,
          status: 'open',
          claimedAt: null,
          endedAt: null,
          completedBy: null,
        });
        tx.addHistory({ ...base, at: now, type: 'task.created', elementId: w.elementId, elementName: w.spec?.name ?? null, taskId: task.id, details: { assignee: r.assignee, candidateGroups: r.candidateGroups, dueAt: r.dueAt, problems: r.problems.length ? r.problems : undefined } });
      } else if (w.kind === 'external' && w.spec?.service?.kind === 'external') {
        tx.createExternalTask({ ...common, id: this.deps.newId(), topic: w.spec.service.topic, status: 'open', endedAt: null });
        tx.addHistory({ ...base, at: now, type: 'external.created', elementId: w.elementId, details: { topic: w.spec.service.topic } });
      } else if (w.kind === 'message' && w.spec?.messageName) {
        tx.createSubscription({ ...base, id: this.deps.newId(), kind: 'message', name: w.spec.messageName, elementId: w.elementId, executionId: w.executionId, businessKey: instance.businessKey, createdAt: now });
      }
    }

    instance.state = result.status === 'active' ? result.state : null;
    instance.variables = result.variables;
    instance.status = result.status;
    instance.activeElements = [...new Set(result.waits.map((w) => w.elementId))];
    instance.updatedAt = now;
    if (result.status !== 'active') {
      instance.endedAt = now;
      tx.addHistory({ ...base, at: now, type: `process.${result.status}` });
    }
    return result;
  }

  /** After commit, the instance's engine goes to the cache at the version just written; a later command in the same transaction replaces it. */
  private keepEngine(tx: EngineTx, instance: InstanceRecord, session: EngineSession | null) {
    const cache = this.deps.engines;
    if (!cache) return;
    let pending = this.sessions.get(tx);
    if (!pending) {
      const mine = new Map<InstanceRecord, EngineSession | null>();
      pending = mine;
      this.sessions.set(tx, mine);
      tx.afterCommit(() => {
        for (const [inst, s] of mine) {
          if (s && inst.status === 'active') cache.put(inst.id, inst.version, s);
          else cache.drop(inst.id);
        }
      });
    }
    pending.set(instance, session);
  }

  private closeTask(tx: EngineTx, task: TaskRecord, status: 'completed' | 'cancelled', now: Date, actor: Actor, type: string) {
    Object.assign(task, { status, endedAt: now, completedBy: status === 'completed' ? actor.username : null });
    tx.addHistory({ tenant: task.tenant, instanceId: task.instanceId, at: now, type, elementId: task.elementId, elementName: task.name, taskId: task.id, userName: actor.username });
  }
}

interface ModelTraits {
  external: boolean;
  messages: boolean;
  timers: boolean;
  async: boolean;
  calendar: boolean;
}

const traitsCache = new Map<string, ModelTraits>();
const CALENDAR_CALL = /\b(addWorkingDays|addDays|isWorkingDay|workingDaysBetween|nextWorkingDay|endOfDay|addDuration|today)\s*\(/;

/** What a definition can produce, computed once per definition: lets a command skip lookups it cannot need. */
function modelTraits(def: DefinitionRecord): ModelTraits {
  let traits = traitsCache.get(def.id);
  if (!traits) {
    const specs = Object.values(modelIndexOf(def).elements);
    traits = {
      external: specs.some((e) => e.service?.kind === 'external'),
      messages: specs.some((e) => e.messageName || e.type === 'bpmn:ReceiveTask'),
      timers: def.compiled.includes('bpmn:TimerEventDefinition'),
      async: specs.some((e) => e.asyncBefore || e.asyncAfter),
      calendar: CALENDAR_CALL.test(def.compiled),
    };
    traitsCache.set(def.id, traits);
  }
  return traits;
}

/** The next due time of a cycle `R[n]/[start/]duration`, or null when the timer does not repeat. */
export function nextCycle(p: { timerType?: string; value?: string; remaining?: number | null }, previous: Date): { dueAt: Date; remaining: number | null } | null {
  if (p.timerType !== 'timeCycle' || !p.value) return null;
  const parts = p.value.split('/');
  const reps = /^R(\d*)$/.exec(parts[0] ?? '');
  const duration = parts.find((x) => x.startsWith('P'));
  if (!reps || !duration) return null;
  const total = reps[1] === '' ? null : Number(reps[1]);
  const remaining = p.remaining === undefined ? (total === null ? null : total - 1) : p.remaining === null ? null : p.remaining - 1;
  if (remaining !== null && remaining <= 0) return null;
  return { dueAt: addIsoDuration(previous, duration), remaining };
}

/** A re-armed cycle job starts its next occurrence with all its tries. */
function freshTries(def: DefinitionRecord, job: JobRecord): Pick<JobRecord, 'retries' | 'attempts' | 'lastError'> {
  return { retries: jobRetries(modelIndexOf(def).elements[job.elementId]?.retryCycle).retries, attempts: 0, lastError: null };
}

/** bpmn-engine routes a message to a catch event by the message's id. */
function signalTarget(def: DefinitionRecord, elementId: string): string {
  const spec = modelIndexOf(def).elements[elementId];
  return spec?.type === 'bpmn:ReceiveTask' ? elementId : (spec?.messageId ?? elementId);
}
