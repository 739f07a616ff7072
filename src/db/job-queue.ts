/**
 * JobQueue on PostgreSQL/PGlite: acquisition with FOR UPDATE SKIP LOCKED and a
 * lock expiry, so any number of executors (the server and `npm run worker`
 * processes) share the work without taking the same job twice.
 */
import { randomUUID } from 'node:crypto';
import type { JobQueue } from '../engine/store.js';
import type { Orm } from './orm.js';

export class SqlJobQueue implements JobQueue {
  constructor(private readonly orm: Orm) {}

  /**
   * The lease is committed without waiting for the WAL flush (synchronous_commit
   * off for this statement's transaction only): a lease lost in a database crash
   * only makes the job available again, while running it still needs the job row,
   * locked and deleted in the command's own (durable) transaction. This saves one
   * WAL flush per job. The due jobs are picked once (a materialized CTE: a
   * subquery with SKIP LOCKED and LIMIT must never be rescanned by a join).
   */
  async acquire(workerId: string, now: Date, limit: number, lockUntil: Date): Promise<string[]> {
    const rows = (await this.orm.em.fork().getConnection().execute(
      `with picked as materialized (
         select id from job
          where due_at <= ? and retries > 0 and (locked_until is null or locked_until < ?)
          order by due_at limit ? for update skip locked
       ), lease_commit as materialized (select set_config('synchronous_commit', 'off', true) as off)
       update job j set locked_by = ?, locked_until = ?
         from picked, lease_commit
        where j.id = picked.id
       returning j.id`,
      [now, now, limit, workerId, lockUntil],
    )) as Array<{ id: string }>;
    return (rows as Array<{ id: string }>).map((r) => r.id);
  }

  async release(id: string, workerId: string): Promise<void> {
    await this.orm.em.fork().getConnection().execute('update job set locked_by = null, locked_until = null where id = ? and locked_by = ?', [id, workerId]);
  }

  async renew(ids: string[], workerId: string, lockUntil: Date): Promise<void> {
    if (!ids.length) return;
    await this.orm.em.fork().getConnection().execute(`update job set locked_until = ? where locked_by = ? and id in (${ids.map(() => '?').join(', ')})`, [lockUntil, workerId, ...ids]);
  }

  async reclaim(ownerPrefix: string, workerId: string): Promise<number> {
    const like = `${ownerPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = (await this.orm.em.fork().getConnection().execute(
      'update job set locked_by = null, locked_until = null where locked_by like ? and locked_by <> ? returning id',
      [like, workerId],
    )) as Array<{ id: string }>;
    return rows.length;
  }

  async discard(id: string): Promise<void> {
    await this.orm.em.fork().getConnection().execute('delete from job where id = ?', [id]);
  }

  fail(id: string, workerId: string, error: string, retryAt: (attempt: number, payload: unknown) => Date, now: Date): Promise<{ incident: boolean }> {
    return this.recordFailure('locked_by = ?', [id, workerId], error, retryAt, now);
  }

  failAttempt(id: string, attempts: number, error: string, retryAt: (attempt: number, payload: unknown) => Date, now: Date): Promise<{ incident: boolean }> {
    return this.recordFailure('attempts = ?', [id, attempts], error, retryAt, now);
  }

  /** One retry less, due again later; at zero retries an incident. Only if the job still matches `cond` (its holder, or its attempts). */
  private recordFailure(cond: string, key: [string, string | number], error: string, retryAt: (attempt: number, payload: unknown) => Date, now: Date): Promise<{ incident: boolean }> {
    return this.orm.em.fork().transactional(async (em) => {
      const conn = em.getConnection();
      const [current] = (await conn.execute<Array<{ attempts: number; payload: unknown }>>(
        `select attempts, payload from job where id = ? and ${cond} for update`,
        key,
        'all',
        em.getTransactionContext(),
      )) as Array<{ attempts: number; payload: unknown }>;
      if (!current) return { incident: false };
      const rows = (await conn.execute(
        `update job set retries = retries - 1, attempts = attempts + 1, last_error = ?, due_at = ?, locked_by = null, locked_until = null
          where id = ? and ${cond} returning id, tenant, instance_id, element_id, retries`,
        [error.slice(0, 4000), retryAt(current.attempts + 1, current.payload), ...key],
        'all',
        em.getTransactionContext(),
      )) as Array<{ id: string; tenant: string; instance_id: string; element_id: string; retries: number }>;
      const job = (rows as Array<{ id: string; tenant: string; instance_id: string; element_id: string; retries: number }>)[0];
      if (!job || job.retries > 0) return { incident: false };
      await conn.execute(
        `insert into incident (id, tenant, instance_id, kind, job_id, element_id, message, status, created_at) values (?, ?, ?, 'job-failed', ?, ?, ?, 'open', ?)`,
        [randomUUID(), job.tenant, job.instance_id, job.id, job.element_id, error.slice(0, 4000), now],
        'run',
        em.getTransactionContext(),
      );
      await conn.execute(
        `insert into history_event (tenant, instance_id, at, type, element_id, details) values (?, ?, ?, 'incident.created', ?, ?)`,
        [job.tenant, job.instance_id, now, job.element_id, JSON.stringify({ jobId: job.id, message: error.slice(0, 500) })],
        'run',
        em.getTransactionContext(),
      );
      return { incident: true };
    });
  }
}
