/**
 * bpmn-elements' timer event definition, made durable: it never completes by
 * itself. bpmn-elements computes a timer's remaining time against the
 * machine's real clock, and completes the timer at once when that time has
 * passed — also when a case is rebuilt from its saved state. Here every timer
 * is a job due by the engine's injected clock and fired by the job executor
 * (see runtime.ts fireTimer), so a timer whose real expiry has passed (a job
 * that runs late, a moved clock, a `timeDate` in the past) stays waiting for
 * its job instead of firing during the rebuild — and being lost.
 */
import * as elements from 'bpmn-elements';

type TimerResult = { timeout?: number } & Record<string, unknown>;
type TimerCtor = { prototype: { _getTimers(message: unknown): TimerResult } } & ((this: unknown, ...args: unknown[]) => void);

const Base = (elements as unknown as { TimerEventDefinition: TimerCtor }).TimerEventDefinition;

export function DurableTimerEventDefinition(this: unknown, ...args: unknown[]): void {
  Base.apply(this, args);
}

const prototype = Object.create(Base.prototype, {
  constructor: { value: DurableTimerEventDefinition, writable: true, configurable: true },
}) as TimerCtor['prototype'];
DurableTimerEventDefinition.prototype = prototype;

prototype._getTimers = function getTimers(this: unknown, message: unknown): TimerResult {
  const result = Base.prototype._getTimers.call(this, message);
  // Overdue or immediate: keep it registered (1 ms, on the no-op timers) so it gets a job due now.
  if (typeof result.timeout === 'number' && result.timeout <= 0) result.timeout = 1;
  return result;
};
