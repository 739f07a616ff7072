/**
 * In-process wake-up for long-polling fetchAndLock requests: whoever makes an
 * external task fetchable (a new task, an unlock, a failure with no retry
 * timeout, a retried incident) calls notifyExternalTasks() after its commit and
 * the waiting requests try to acquire at once instead of at their next poll.
 * Waiting requests also poll on their own, so a missed notification (another
 * process, a retry time reached) only costs one poll interval.
 */
const waiters = new Set<() => void>();
let generation = 0;

export function notifyExternalTasks(): void {
  generation++;
  for (const wake of [...waiters]) wake();
}

/** Counts notifications: a poller that was busy compares it before and after, so a wake-up it was not waiting for is not lost. */
export function externalTasksGeneration(): number {
  return generation;
}

/** Resolves after `ms`, on notifyExternalTasks(), or when `signal` aborts, whichever comes first. */
export function waitForExternalTasks(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    waiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
