/**
 * The job executor: acquires due jobs (timers, asynchronous continuations,
 * event sub-process timers, timer start events) in batches and runs each in
 * its own command transaction, which first row-locks the job's instance, so
 * two jobs of one case never run at the same time. A job is deleted in the
 * same transaction that applies its effect, so it takes effect at most once
 * per successful commit; a crash before commit leaves it to be acquired again
 * when its lock expires. A failure rolls the command back and counts a try:
 * the job is due again after its element's camunda:failedJobRetryTimeCycle
 * interval (default one minute) and, with no tries left, opens an incident.
 * Polling uses real timers; what is "due" is decided by the injected clock.
 */
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { ProcessService } from '../process-service.js';
import type { EngineStore, JobQueue, JobRecord, EngineTx } from '../store.js';
import { payloadIntervals, retryAt } from './retry-cycle.js';

export interface ExecutorOptions {
  workerId: string;
  batchSize?: number;
  lockMs?: number;
  pollMs?: number;
  /** Jobs of one acquired batch run at the same time, each in its own transaction (default 1; PostgreSQL only: PGlite has one session). */
  concurrency?: number;
  /** Backoff after failure n (1-based); by default the job's retry cycle (or one minute). */
  backoffMs?: (attempt: number) => number;
  log?: (msg: string) => void;
}

export class JobExecutor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  readonly stats = { fired: 0, failed: 0, conflicts: 0, discarded: 0 };

  constructor(
    private readonly queue: JobQueue,
    private readonly store: EngineStore,
    private readonly processes: ProcessService,
    private readonly clock: Clock,
    private readonly opts: ExecutorOptions,
  ) {}

  /** Acquires one batch of due jobs and executes it; returns how many were acquired. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const lockMs = this.opts.lockMs ?? 5 * 60_000;
    const ids = await this.queue.acquire(this.opts.workerId, now, this.opts.batchSize ?? 50, new Date(now.getTime() + lockMs));
    await this.executeAll(ids);
    return ids.length;
  }

  /** Up to `concurrency` jobs in flight; the instance row lock still keeps two jobs of one case apart. */
  private async executeAll(ids: string[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < ids.length) await this.execute(ids[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.concurrency ?? 1, ids.length)) }, lane));
  }

  /** Runs batches until nothing is due. */
  async drain(maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      try {
        this.running = this.drain(20).then(() => undefined);
        await this.running;
      } catch (err) {
        this.opts.log?.(`job executor: ${(err as Error).message}`);
      } finally {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(() => void loop(), this.opts.pollMs ?? 1000);
      }
    };
    // loop catches its own errors: nothing to handle on the voided promise.
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private run(tx: EngineTx, job: JobRecord): Promise<unknown> {
    const actor = { username: 'job-executor' };
    switch (job.kind) {
      case 'timer-start':
        return this.processes.startFromTimer(tx, job, actor);
      case 'async-continuation':
        return this.processes.continueAsync(tx, job, actor);
      case 'event-subprocess-timer':
        return this.processes.fireEventSubprocessTimer(tx, job, actor);
      default:
        return this.processes.fireTimer(tx, job, actor);
    }
  }

  private async execute(id: string): Promise<void> {
    const { workerId } = this.opts;
    try {
      const fired = await this.store.transaction(async (tx) => {
        await tx.lockJobInstance(id);
        const job = await tx.lockedJob(id, workerId);
        if (!job) return false;
        await this.run(tx, job);
        return true;
      });
      if (fired) this.stats.fired++;
    } catch (err) {
      const code = err instanceof DomainError ? err.code : null;
      if (code === 'CONCURRENT_MODIFICATION') {
        this.stats.conflicts++;
        await this.queue.release(id, workerId);
      } else if (code === 'ELEMENT_NOT_WAITING' || code === 'INSTANCE_NOT_ACTIVE' || code === 'INSTANCE_NOT_FOUND') {
        this.stats.discarded++;
        await this.queue.discard(id);
      } else {
        this.stats.failed++;
        const now = this.clock.now();
        const { backoffMs } = this.opts;
        const due = (attempt: number, payload: unknown) => (backoffMs ? new Date(now.getTime() + backoffMs(attempt)) : retryAt(now, attempt, payloadIntervals(payload)));
        const { incident } = await this.queue.fail(id, workerId, (err as Error).message ?? String(err), due, now);
        this.opts.log?.(`job ${id} failed${incident ? ' (incident opened)' : ''}: ${(err as Error).message}`);
      }
    }
  }
}
