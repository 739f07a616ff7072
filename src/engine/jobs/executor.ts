/**
 * The job executor: runs due jobs (timers, asynchronous continuations, event
 * sub-process timers, timer start events), each acquired inside its own
 * command transaction: the first due job whose row and whose instance's row
 * are both free is locked (FOR UPDATE SKIP LOCKED, no lease row written), so
 * two jobs of one case never run at the same time and no lock is ever waited
 * for. A job is deleted in the same transaction that applies its effect, so it
 * takes effect at most once per successful commit; a crash (kill -9) rolls the
 * transaction back and the job is free at once for any executor. A failure
 * rolls the command back and counts a try: the job is due again after its
 * element's camunda:failedJobRetryTimeCycle interval (default one minute)
 * and, with no tries left, opens an incident. Polling uses real timers; what
 * is "due" is decided by the injected clock.
 *
 * Leases (JobQueue.acquire/renew/reclaim, JOB_LEASE_MS) are what executors
 * before this one took, one UPDATE per job before its transaction; a job
 * under a valid lease is still left to its holder (a node of the previous
 * version during a rolling upgrade), and a restarted node releases the
 * leases of its earlier incarnations at start.
 */
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import { safeErrorFields } from '../../shared/logger.js';
import type { ProcessService } from '../process-service.js';
import type { EngineStore, JobQueue, JobRecord, EngineTx } from '../store.js';
import { payloadIntervals, retryAt } from './retry-cycle.js';

export interface ExecutorOptions {
  workerId: string;
  /** Jobs run per round of runOnce() (default 50); each is acquired only when a lane is free to run it. */
  batchSize?: number;
  /** Lease length used by renew() for leases this executor holds (taken through JobQueue.acquire; default 30 s). */
  lockMs?: number;
  /** This node's stable part of workerId (`<nodeId>:…`): at start, leases of its earlier incarnations are released. */
  nodeId?: string;
  pollMs?: number;
  /** Jobs of one acquired batch run at the same time, each in its own transaction (default 1; PostgreSQL only: PGlite has one session). */
  concurrency?: number;
  /** Backoff after failure n (1-based); by default the job's retry cycle (or one minute). */
  backoffMs?: (attempt: number) => number;
  log?: (msg: string) => void;
}

/** Default lease of an acquired job (JOB_LEASE_MS). */
export const DEFAULT_LEASE_MS = 30_000;

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

  /** Jobs this executor holds a lease on (JobQueue.acquire; the executor's own jobs are row-locked, not leased). */
  private readonly held = new Set<string>();

  private get leaseMs(): number {
    return this.opts.lockMs ?? DEFAULT_LEASE_MS;
  }

  /**
   * Runs up to batchSize due jobs, `concurrency` at a time, each acquired
   * only when a lane is free to run it; returns how many were acquired.
   */
  async runOnce(): Promise<number> {
    const budget = this.opts.batchSize ?? 50;
    let taken = 0;
    let empty = false;
    const lane = async () => {
      while (!empty && taken < budget) {
        taken++;
        if (!(await this.runNext())) {
          taken--;
          empty = true;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.concurrency ?? 1) }, lane));
    return taken;
  }

  /** Extends the lease of the jobs running now (best effort: a lost renewal only lets another node retry later). */
  async renew(): Promise<void> {
    if (!this.held.size) return;
    const until = new Date(this.clock.now().getTime() + this.leaseMs);
    await this.queue.renew([...this.held], this.opts.workerId, until).catch((err: unknown) => this.opts.log?.(`rinnovo dei lease non riuscito: ${describe(err)}`));
  }

  /** Releases the leases left by this node's earlier incarnations (a restart after kill -9): their jobs run at once. */
  async reclaim(): Promise<number> {
    if (!this.opts.nodeId) return 0;
    return this.queue.reclaim(`${this.opts.nodeId}:`, this.opts.workerId);
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
    let reclaimed = false;
    const loop = async () => {
      if (this.stopped) return;
      try {
        if (!reclaimed) {
          const n = await this.reclaim();
          reclaimed = true;
          if (n) this.opts.log?.(`${n} job ripresi da un'esecuzione precedente di questo nodo`);
        }
        this.running = this.drain(20).then(() => undefined);
        await this.running;
      } catch (err) {
        this.opts.log?.(`job executor: ${describe(err)}`);
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

  /**
   * Acquires the next due job inside its own command transaction and runs it
   * there; false when no due job was free. The job's row and its instance's
   * row stay locked until that transaction ends: a crash rolls it back and
   * frees the job at once, a commit deletes (or re-arms) it with the effect.
   */
  private async runNext(): Promise<boolean> {
    const acquired: { job: { id: string; attempts: number } | null } = { job: null };
    try {
      const fired = await this.store.transaction(async (tx) => {
        const job = await tx.acquireJob(this.clock.now());
        if (!job) return false;
        acquired.job = { id: job.id, attempts: job.attempts };
        await this.run(tx, job);
        return true;
      });
      if (fired) this.stats.fired++;
      return fired;
    } catch (err) {
      // Acquisition itself failed: the caller's loop reports it.
      if (!acquired.job) throw err;
      await this.failed(acquired.job, err);
      return true;
    }
  }

  /** A job whose transaction failed (and was rolled back): retried later, dropped, or counted as a failed attempt. */
  private async failed(job: { id: string; attempts: number }, err: unknown): Promise<void> {
    const code = err instanceof DomainError ? err.code : null;
    if (code === 'CONCURRENT_MODIFICATION') {
      // Nothing held any more: the job is due again for whoever takes it next.
      this.stats.conflicts++;
    } else if (code === 'ELEMENT_NOT_WAITING' || code === 'INSTANCE_NOT_ACTIVE' || code === 'INSTANCE_NOT_FOUND') {
      this.stats.discarded++;
      await this.queue.discard(job.id);
    } else {
      this.stats.failed++;
      const now = this.clock.now();
      const { backoffMs } = this.opts;
      const due = (attempt: number, payload: unknown) => (backoffMs ? new Date(now.getTime() + backoffMs(attempt)) : retryAt(now, attempt, payloadIntervals(payload)));
      const { incident } = await this.queue.failAttempt(job.id, job.attempts, (err as Error).message ?? String(err), due, now);
      this.opts.log?.(`job ${job.id} failed${incident ? ' (incident opened)' : ''}: ${describe(err)}`);
    }
  }
}

/**
 * What the log may say about an error: a domain error's code and message
 * (written by us, no case data), otherwise only its class and code — a
 * database error's message carries SQL and values (the job row keeps the
 * full text for the incident).
 */
function describe(err: unknown): string {
  if (err instanceof DomainError) return `${err.code}: ${err.message}`;
  const { errorClass, errorCode } = safeErrorFields(err);
  return errorCode ? `${errorClass} (${errorCode})` : errorClass;
}
