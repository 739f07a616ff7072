/**
 * How often and how long after a failure a connector is tried again: the
 * element's `camunda:failedJobRetryTimeCycle` as the model index carries it
 * (parsed by src/engine/jobs/retry-cycle.ts: `R3/PT5M` three tries in all,
 * five minutes apart; `PT1M,PT5M` the first try plus one retry after each
 * interval), else DEFAULT_CONNECTOR_RETRY_CYCLE: a first try and three retries
 * after 1, 5 and 15 minutes. With no tries left the failure opens an incident.
 */
import { parseIsoDuration } from '../shared/clock.js';
import { parseRetryCycle } from '../engine/jobs/retry-cycle.js';
import type { RetryCycle } from '../engine/definitions/model.js';

export const DEFAULT_CONNECTOR_RETRY_CYCLE = 'PT1M,PT5M,PT15M';

export const defaultConnectorRetryCycle: RetryCycle = parseRetryCycle(DEFAULT_CONNECTOR_RETRY_CYCLE)!;

/**
 * What a failure leaves: the tries still allowed (the external task's
 * `retries`; 0 = incident) and the back-off before the next one. `retries` is
 * the task's current count, null before its first failure.
 */
export function nextAttempt(cycle: RetryCycle, retries: number | null): { retries: number; backoffMs: number } {
  const left = Math.max(0, (retries ?? cycle.tries) - 1);
  if (left === 0) return { retries: 0, backoffMs: 0 };
  // Retries given back from an incident may exceed the cycle: the first interval is used then.
  const failures = cycle.tries - left;
  const interval = cycle.intervals.length ? cycle.intervals[Math.min(Math.max(failures, 1), cycle.intervals.length) - 1]! : 'PT1M';
  return { retries: left, backoffMs: safeMs(interval) };
}

function safeMs(iso: string): number {
  try {
    return Math.max(0, parseIsoDuration(iso));
  } catch {
    return 60_000;
  }
}
