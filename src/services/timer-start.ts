/**
 * Timer start events: when a definition with timer start events is deployed,
 * one `timer-start` job per comune is scheduled (for a shared default: every
 * comune without its own version of that key), replacing the jobs of earlier
 * versions. The job executor starts a case when the job is due.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Job, ProcessDefinition, Tenant } from '../db/entities/index.js';
import type { ModelIndex } from '../engine/definitions/model.js';
import { timerDueAt } from '../engine/execution/timer-due.js';
import { jobRetries } from '../engine/jobs/retry-cycle.js';

export async function scheduleTimerStarts(em: EntityManager, def: ProcessDefinition, now: Date): Promise<number> {
  const timers = (def.modelIndex as ModelIndex).startTimers ?? [];
  const conn = em.getConnection();
  const ctx: unknown = em.getTransactionContext();
  await conn.execute(
    `delete from job where kind = 'timer-start' and definition_id in (select id from process_definition where key = ? and coalesce(tenant, '') = coalesce(?, '') and id <> ?)`,
    [def.key, def.tenant, def.id],
    'run',
    ctx,
  );
  if (!timers.length) return 0;
  let tenants: string[];
  if (def.tenant) tenants = [def.tenant];
  else {
    const all = await em.find(Tenant, {});
    const own = new Set((await em.find(ProcessDefinition, { key: def.key, tenant: { $ne: null } })).map((d) => d.tenant));
    tenants = all.map((t) => t.code).filter((c) => !own.has(c));
  }
  let count = 0;
  for (const tenant of tenants) {
    for (const t of timers) {
      const reps = t.timerType === 'timeCycle' ? /^R(\d*)\//.exec(t.value) : null;
      const { retries, retryIntervals } = jobRetries((def.modelIndex as ModelIndex).elements[t.elementId]?.retryCycle);
      em.persist(
        Object.assign(new Job(), {
          id: randomUUID(),
          tenant,
          instanceId: null as unknown as string,
          definitionId: def.id,
          kind: 'timer-start',
          elementId: t.elementId,
          executionId: `start:${t.elementId}`,
          dueAt: timerDueAt({ timerType: t.timerType, [t.timerType]: t.value }, now),
          retries,
          payload: { timerType: t.timerType, value: t.value, remaining: reps ? (reps[1] === '' ? null : Number(reps[1])) : undefined, ...(retryIntervals ? { retryIntervals } : {}) },
          createdAt: now,
        }),
      );
      count++;
    }
  }
  return count;
}
