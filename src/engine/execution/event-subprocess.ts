/**
 * Timer start events of event sub-processes. bpmn-elements only starts an
 * event sub-process when a message or signal it waits for is delegated to its
 * scope; a timer start event there is never armed. So the engine arms them
 * itself: when a scope (the process, or a sub-process) starts, each event
 * sub-process timer of that scope becomes a durable job; when the job is due,
 * the command runs the event sub-process in its scope (`activity.run()`, the
 * same call bpmn-elements makes for a delegated message) and fires its start
 * timer at once (`cancelActivity`, as for any other timer). An interrupting
 * start first lets the event sub-process run, then discards everything else
 * still active in the scope, so the scope ends when the event sub-process ends.
 */
import type { EventSubprocessTimer, ModelIndex } from '../definitions/model.js';
import { ConflictError } from '../../shared/errors.js';
import { ProcessExecutionError } from './errors.js';
import { timerDueAt } from './timer-due.js';

/** An armed event sub-process timer: the scope execution it belongs to and when it is due. */
export interface EventSubprocessArm extends EventSubprocessTimer {
  scopeExecutionId: string;
  /** The timer value with any `${…}` resolved. */
  resolved: string;
  dueAt: Date;
}

export interface EventSubprocessFire {
  scopeId: string;
  scopeExecutionId: string;
  subProcessId: string;
  startEventId: string;
  interrupting: boolean;
}

interface ChildActivity {
  id: string;
  isRunning: boolean;
  run(content?: object): void;
}
interface ChildApi {
  id: string;
  type: string;
  executionId: string;
  discard(): void;
  owner?: { execution?: { source?: { execution?: ScopeExecution } } };
}
interface ScopeExecution {
  getActivityById(id: string): ChildActivity | undefined;
  getPostponed(): ChildApi[];
}

/** The scope key of the process itself (one process execution per instance). */
export function processScopeKey(index: ModelIndex): string {
  return index.processId;
}

/**
 * Event sub-process timers armed by the scopes that started in this command:
 * `startedScopes` maps a scope execution id to the scope element id.
 */
export function armedTimers(
  index: ModelIndex,
  startedScopes: Map<string, string>,
  resolve: (value: string) => unknown,
  now: Date,
): EventSubprocessArm[] {
  const timers = index.eventSubprocessTimers ?? [];
  if (!timers.length || !startedScopes.size) return [];
  const out: EventSubprocessArm[] = [];
  for (const [scopeExecutionId, scopeId] of startedScopes) {
    for (const t of timers) {
      if (t.scopeId !== scopeId) continue;
      let resolved = t.value;
      if (t.value.includes('${')) {
        try {
          resolved = String(resolve(t.value) ?? '').trim();
        } catch (err) {
          throw new ProcessExecutionError(`Timer dell'evento ${t.startEventId}: espressione "${t.value}" non valutabile (${(err as Error).message})`);
        }
      }
      out.push({ ...t, scopeExecutionId, resolved, dueAt: timerDueAt({ timerType: t.timerType, [t.timerType]: resolved }, now) });
    }
  }
  return out;
}

/**
 * Runs the event sub-process in its scope and fires its start timer; returns
 * false (and changes nothing) when a non-interrupting one is still running
 * from an earlier firing: bpmn-elements runs one execution of an activity at a
 * time.
 */
export function fireEventSubprocess(
  processExecution: ScopeExecution | undefined,
  postponed: ChildApi[],
  fire: EventSubprocessFire,
  processId: string,
  timers: () => Array<{ owner?: { id?: string; executionId?: string } }>,
  cancelActivity: (m: { id: string; executionId: string }) => void,
): boolean {
  const scope =
    fire.scopeId === processId
      ? processExecution
      : postponed.find((p) => p.executionId === fire.scopeExecutionId && p.id === fire.scopeId)?.owner?.execution?.source?.execution;
  const esp = scope?.getActivityById(fire.subProcessId);
  if (!scope || !esp) throw new ConflictError(`L'ambito di ${fire.subProcessId} non è più attivo`, 'ELEMENT_NOT_WAITING');
  if (esp.isRunning) return false;
  const others = fire.interrupting ? scope.getPostponed().filter((p) => p.id !== fire.subProcessId) : [];
  esp.run();
  // A start timer already expired (a past timeDate) has completed by itself: nothing to fire.
  const timer = timers().find((t) => t.owner?.id === fire.startEventId && t.owner.executionId);
  if (timer) cancelActivity({ id: fire.startEventId, executionId: timer.owner!.executionId! });
  for (const other of others) other.discard();
  return true;
}
