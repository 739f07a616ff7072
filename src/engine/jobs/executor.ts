/**
 * The job executor: acquires due jobs (timers) in batches and runs each in its
 * own command transaction. A job is deleted in the same transaction that
 * applies its effect, so it takes effect at most once per successful commit;
 * a crash before commit leaves it to be acquired again when its lock expires.
 * Polling uses real timers; what is "due" is decided by the injected clock.
 */
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { ProcessService } from '../process-service.js';
import type { EngineStore, JobQueue } from '../store.js';

export interface ExecutorOptions {
  workerId: string;
  batchSize?: number;
  lockMs?: number;
  pollMs?: number;
  /** Backoff before retry n (1-based), default 1, 2, 4… minutes. */
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
    for (const id of ids) await this.execute(id);
    return ids.length;
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
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.pollMs ?? 1000);
      }
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async execute(id: string): Promise<void> {
    const { workerId } = this.opts;
    try {
      const fired = await this.store.transaction(async (tx) => {
        const job = await tx.lockedJob(id, workerId);
        if (!job) return false;
        if (job.kind === 'timer-start') await this.processes.startFromTimer(tx, job, { username: 'job-executor' });
        else await this.processes.fireTimer(tx, job, { username: 'job-executor' });
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
        const attempt = 1;
        const backoff = this.opts.backoffMs?.(attempt) ?? 60_000;
        const { incident } = await this.queue.fail(id, workerId, (err as Error).message ?? String(err), new Date(now.getTime() + backoff), now);
        this.opts.log?.(`job ${id} failed${incident ? ' (incident opened)' : ''}: ${(err as Error).message}`);
      }
    }
  }
}
