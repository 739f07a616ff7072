/**
 * Folding of the SLA deltas (migration 20261203060000): the task triggers
 * append each change to sla_delta; sla_compact() folds them into the daily
 * and monthly rows of sla_aggregate. The figures are exact without it (the
 * readers add the deltas not folded yet); folding keeps the readers fast.
 * The server folds every minute while it runs jobs (SlaCompactor);
 * rebuildSla recomputes everything from the task table (`npm run admin -- sla-rebuild`).
 */
import type { MikroORM } from '@mikro-orm/core';

type Orm = Pick<MikroORM, 'em'>;

/** Folds the pending deltas; returns the number of sla_aggregate rows written. */
export async function compactSla(orm: Orm): Promise<number> {
  const rows = (await orm.em.fork().getConnection().execute('select sla_compact() as n')) as Array<{ n: number }>;
  return Number(rows[0]?.n ?? 0);
}

/** Recomputes the figures from the task table (idempotent; writes to task wait meanwhile); returns the tasks counted. */
export async function rebuildSla(orm: Orm): Promise<number> {
  const rows = (await orm.em.fork().getConnection().execute('select sla_rebuild() as n')) as Array<{ n: number }>;
  return Number(rows[0]?.n ?? 0);
}

export const SLA_COMPACT_EVERY_MS = 60_000;

/** Folds the deltas at a fixed interval; a failure is logged and retried at the next tick. */
export class SlaCompactor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly orm: Orm,
    private readonly onError: (err: unknown) => void,
    private readonly everyMs = SLA_COMPACT_EVERY_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.foldNow(), this.everyMs);
    this.timer.unref();
  }

  /** One pass now, in the background (none when one is running); stop() waits for it. */
  foldNow(): void {
    if (this.running) return;
    this.running = compactSla(this.orm)
      .catch(this.onError)
      .finally(() => {
        this.running = null;
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
