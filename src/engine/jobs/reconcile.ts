/**
 * After each command, the instance's jobs are made to match what the engine
 * now waits for, one job per wait:
 *   timer                   a timer bpmn-elements registered (boundary, catch, …), keyed by the timer's execution id;
 *   async-continuation      an activity held at asyncBefore/asyncAfter, keyed by `<activity execution id>:<phase>`, due now;
 *   event-subprocess-timer  a timer start of an event sub-process, keyed by `<scope execution id>/<start event id>`,
 *                           armed when its scope starts and dropped when the scope ends.
 * A job whose wait has gone (activity left, scope ended) is deleted; the job
 * that has just run is deleted too, except an event sub-process timer, which
 * its own command re-arms or deletes (see ProcessService.fireEventSubprocessTimer).
 * New jobs get the tries and intervals of their element's retry cycle.
 */
import type { ModelIndex } from '../definitions/model.js';
import type { StepResult } from '../execution/runtime.js';
import type { EngineTx, InstanceRecord, JobKind, JobRecord } from '../store.js';
import { jobRetries } from './retry-cycle.js';

export interface ReconcileDeps {
  now: Date;
  newId: () => string;
}

/** What an event sub-process timer job carries. */
export interface EventSubprocessJobPayload {
  scopeId: string;
  scopeExecutionId: string;
  subProcessId: string;
  interrupting: boolean;
  timerType: 'timeDate' | 'timeDuration' | 'timeCycle';
  /** The timer value, `${…}` already resolved. */
  value: string;
  /** Cycle repetitions still to come (null: unbounded; absent before the first firing). */
  remaining?: number | null;
  retryIntervals?: string[];
}

/** What an asynchronous continuation job carries. */
export interface ContinuationJobPayload {
  phase: 'before' | 'after';
  activityExecutionId: string;
  retryIntervals?: string[];
}

export async function reconcileJobs(tx: EngineTx, instance: InstanceRecord, index: ModelIndex, result: StepResult, deps: ReconcileDeps, firedJobId?: string): Promise<void> {
  const jobs = await tx.instanceJobs(instance.id);
  const history = (type: string, elementId: string, details: unknown = null) => tx.addHistory({ tenant: instance.tenant, instanceId: instance.id, at: deps.now, type, elementId, details });
  const create = (kind: JobKind, elementId: string, executionId: string, dueAt: Date, payload: Record<string, unknown>) => {
    const { retries, retryIntervals } = jobRetries(index.elements[elementId]?.retryCycle);
    return tx.createJob({
      id: deps.newId(),
      tenant: instance.tenant,
      instanceId: instance.id,
      definitionId: null,
      kind,
      elementId,
      executionId,
      dueAt,
      lockedBy: null,
      lockedUntil: null,
      retries,
      attempts: 0,
      lastError: null,
      payload: retryIntervals ? { ...payload, retryIntervals } : payload,
      createdAt: deps.now,
    });
  };
  const byKind = (kind: JobKind) => jobs.filter((j) => j.kind === kind);

  // Timers registered by bpmn-elements.
  const activeTimers = new Map(result.timers.map((t) => [t.executionId, t]));
  const keptTimers = new Set<string>();
  for (const job of byKind('timer')) {
    if (job.id !== firedJobId && activeTimers.has(job.executionId)) {
      keptTimers.add(job.executionId);
      continue;
    }
    tx.removeJob(job);
    if (job.id !== firedJobId) history('timer.cancelled', job.elementId);
  }
  for (const t of result.timers) {
    if (keptTimers.has(t.executionId)) continue;
    create('timer', t.elementId, t.executionId, t.dueAt, { timerType: t.timerType ?? null, value: t.value ?? null });
    history('timer.scheduled', t.elementId, { dueAt: t.dueAt, timerType: t.timerType ?? null, value: t.value ?? null });
  }

  // Asynchronous continuations: due at once.
  const held = new Map(result.continuations.map((c) => [`${c.executionId}:${c.phase}`, c]));
  const keptContinuations = new Set<string>();
  for (const job of byKind('async-continuation')) {
    if (job.id !== firedJobId && held.has(job.executionId)) keptContinuations.add(job.executionId);
    else tx.removeJob(job);
  }
  for (const [key, c] of held) {
    if (keptContinuations.has(key)) continue;
    const payload: ContinuationJobPayload = { phase: c.phase, activityExecutionId: c.executionId };
    create('async-continuation', c.elementId, key, deps.now, { ...payload });
  }

  // Event sub-process timers: armed by their scope, dropped when it ends.
  const scopes = new Set(result.eventSubprocess.activeScopes);
  const armedKeys = new Set<string>();
  for (const job of byKind('event-subprocess-timer')) {
    armedKeys.add(job.executionId);
    if (job.id === firedJobId) continue;
    if (scopes.has((job.payload as EventSubprocessJobPayload).scopeExecutionId)) continue;
    tx.removeJob(job);
    history('timer.cancelled', job.elementId);
  }
  for (const arm of result.eventSubprocess.armed) {
    const key = `${arm.scopeExecutionId}/${arm.startEventId}`;
    if (armedKeys.has(key)) continue;
    const payload: EventSubprocessJobPayload = {
      scopeId: arm.scopeId,
      scopeExecutionId: arm.scopeExecutionId,
      subProcessId: arm.subProcessId,
      interrupting: arm.interrupting,
      timerType: arm.timerType,
      value: arm.resolved,
    };
    create('event-subprocess-timer', arm.startEventId, key, arm.dueAt, { ...payload });
    history('timer.scheduled', arm.startEventId, { dueAt: arm.dueAt, timerType: arm.timerType, value: arm.resolved, eventSubProcess: arm.subProcessId });
  }
}

/** The other event sub-process timers of a scope an interrupting event sub-process has just taken over. */
export function interruptedScopeJobs(jobs: JobRecord[], scopeExecutionId: string, firedJobId: string): JobRecord[] {
  return jobs.filter((j) => j.kind === 'event-subprocess-timer' && j.id !== firedJobId && (j.payload as EventSubprocessJobPayload).scopeExecutionId === scopeExecutionId);
}
