/**
 * The pg-boss side of the timer-storm benchmark: a consumer that drains a
 * queue of no-op jobs as fast as pg-boss can hand them out, a batch at a time
 * (`fetch` → no-op → `complete`, the manual API pg-boss documents; its own
 * `work()` sleeps up to the polling interval between batches, which would
 * measure the interval rather than the dequeue rate).
 *
 * Run as a script it is the second consumer process:
 *   DATABASE_URL=… PGBOSS_SCHEMA=… PGBOSS_QUEUE=… PGBOSS_BATCH=50 tsx bench/timer-storm.pgboss.ts
 * It prints `ready` once connected, starts draining when it reads a line on
 * stdin and prints `done <jobs>` when the queue is empty.
 */
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import PgBoss from 'pg-boss';

/** A pg-boss instance for the benchmark: no maintenance, no cron, nothing running besides our calls. */
export async function openBoss(url: string, schema: string, max: number): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema, max, supervise: false, schedule: false, migrate: true });
  boss.on('error', (err: Error) => console.error(`pg-boss: ${err.message}`));
  await boss.start();
  return boss;
}

/** Fetches and completes batches until the queue yields nothing; returns how many jobs it completed. */
export async function drainQueue(boss: PgBoss, queue: string, batchSize: number): Promise<number> {
  let done = 0;
  for (;;) {
    const jobs = await boss.fetch<{ caso: number }>(queue, { batchSize });
    if (!jobs.length) return done;
    // the no-op job
    await boss.complete(queue, jobs.map((j) => j.id));
    done += jobs.length;
  }
}

async function main() {
  const url = process.env.DATABASE_URL;
  const schema = process.env.PGBOSS_SCHEMA;
  const queue = process.env.PGBOSS_QUEUE;
  const batch = Number(process.env.PGBOSS_BATCH ?? 50);
  if (!url || !schema || !queue) throw new Error('DATABASE_URL, PGBOSS_SCHEMA and PGBOSS_QUEUE are required');
  const boss = await openBoss(url, schema, 4);
  console.log('ready');
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  const n = await drainQueue(boss, queue, batch);
  console.log(`done ${n}`);
  await boss.stop({ graceful: false, wait: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
