/**
 * `camunda:failedJobRetryTimeCycle`, read as Camunda 7 reads it:
 *   `R5/PT10M`          five tries in all, ten minutes apart;
 *   `PT1M,PT5M,PT30M`   the first try, then one retry after each interval (four tries);
 *   `PT10M`             two tries, ten minutes apart.
 * Without one on the element a job gets DEFAULT_TRIES tries, DEFAULT_BACKOFF
 * apart. The job row keeps the tries left (`retries`) and the intervals (in
 * its payload), so the executor needs no model to schedule a retry.
 */
import { addIsoDuration } from '../../shared/clock.js';
import { isDuration } from '../definitions/validation/timers.js';
import type { RetryCycle } from '../definitions/model.js';

export const DEFAULT_TRIES = 3;
export const DEFAULT_BACKOFF = 'PT1M';
const MAX_TRIES = 100;

/** The parsed cycle, or null when the text is not a retry cycle. */
export function parseRetryCycle(text: string | null | undefined): RetryCycle | null {
  const value = text?.trim();
  if (!value) return null;
  const repeat = /^R(\d+)\/(P[^/]+)$/.exec(value);
  if (repeat) {
    const tries = Number(repeat[1]);
    if (tries < 1 || tries > MAX_TRIES || !isDuration(repeat[2]!)) return null;
    return { text: value, tries, intervals: Array.from({ length: tries - 1 }, () => repeat[2]!) };
  }
  const intervals = value.split(',').map((s) => s.trim());
  if (intervals.length >= MAX_TRIES || !intervals.every(isDuration)) return null;
  return { text: value, tries: intervals.length + 1, intervals };
}

/** What a new job of an element starts with: its tries and, when the element has a cycle, the intervals to keep in the payload. */
export function jobRetries(cycle: RetryCycle | undefined): { retries: number; retryIntervals?: string[] } {
  return cycle ? { retries: cycle.tries, retryIntervals: cycle.intervals } : { retries: DEFAULT_TRIES };
}

/** When a job that has just failed for the `attempt`-th time (1-based) is due again. */
export function retryAt(now: Date, attempt: number, intervals: readonly string[] | null | undefined): Date {
  const list = intervals?.length ? intervals : [DEFAULT_BACKOFF];
  const interval = list[Math.min(Math.max(attempt, 1), list.length) - 1]!;
  try {
    return addIsoDuration(now, interval);
  } catch {
    return addIsoDuration(now, DEFAULT_BACKOFF);
  }
}

/** The retry intervals stored in a job payload, if any. */
export function payloadIntervals(payload: unknown): string[] | null {
  const list = (payload as { retryIntervals?: unknown } | null)?.retryIntervals;
  return Array.isArray(list) && list.every((x) => typeof x === 'string') ? (list as string[]) : null;
}
