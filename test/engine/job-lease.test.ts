/**
 * Issue 11 item 12, regression: the executor took up to 50 jobs under a
 * 5-minute lock; after kill -9 the restarted process could not take them
 * (79 due jobs stuck, 262 s to drain). Now an executor locks only the jobs it
 * runs now, under a short lease renewed while they run; a dead owner's jobs
 * run once its lease has passed, and a restarted node takes its own back at
 * start.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { flow, timer } from '../helpers/models.js';
import { JobExecutor } from '../../src/engine/jobs/executor.js';
import { SqlJobQueue } from '../../src/db/job-queue.js';

const LEASE_MS = 10_000;
let app: TestApp;
let tenant: string;
test.before(async () => {
  app = await startTestApp({ config: { jobExecutor: false } });
  tenant = await app.tenant();
  const model = flow('job_lease', [timer('wait', { duration: 'P1D' })]);
  assert.is((await deploy(await app.admin(), { 'lease.bpmn': model }, tenant)).status, 201);
});
test.after(async () => app.close());

const queue = () => new SqlJobQueue(app.services.orm);
const executor = (workerId: string, nodeId?: string, concurrency = 1) => new JobExecutor(queue(), app.services.store, app.services.processes, app.clock, { workerId, nodeId, lockMs: LEASE_MS, concurrency });
const sql = async (q: string, params: unknown[] = []) => app.services.orm.em.fork().getConnection().execute(q, params);

async function dueCases(n: number, prefix: string): Promise<void> {
  await app.services.store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await app.services.processes.start(tx, { key: 'job_lease', tenant, businessKey: `${prefix}-${i}` }, { username: 'test' });
  });
  app.clock.advance(86_400_000 + 1000);
}

async function fired(prefix: string): Promise<{ n: number; d: number }> {
  const [row] = await sql(`select count(*)::int as n, count(distinct h.instance_id)::int as d from history_event h join process_instance i on i.id = h.instance_id where h.type = 'timer.fired' and i.business_key like ?`, [`${prefix}-%`]);
  return row as { n: number; d: number };
}

test('an executor locks only the jobs it runs now: a second one takes the rest at the same time', async () => {
  await dueCases(6, 'NOW');
  const q = queue();
  const locks: number[] = [];
  const origAcquire = q.acquire.bind(q);
  q.acquire = async (...args) => {
    const ids = await origAcquire(...args);
    const [row] = await sql(`select count(*)::int as n from job where locked_by is not null and tenant = ?`, [tenant]);
    locks.push((row as { n: number }).n);
    return ids;
  };
  const a = new JobExecutor(q, app.services.store, app.services.processes, app.clock, { workerId: 'now-a', lockMs: LEASE_MS });
  assert.is(await a.runOnce(), 6);
  assert.ok(Math.max(...locks) <= 1, `at most one job locked at a time by a one-lane executor: ${locks.join(',')}`);
  assert.equal(await fired('NOW'), { n: 6, d: 6 });
});

test('kill -9 with due jobs locked: another node runs them as soon as the lease has passed, each once', async () => {
  await dueCases(8, 'CRASH');
  const now = app.clock.now();
  // The dead process had locked them all (as the old executor did, 50 at a time) and then died.
  const taken = await queue().acquire('dead-host:4242:aaaa', now, 50, new Date(now.getTime() + LEASE_MS));
  assert.is(taken.length, 8);
  const other = executor('other-host:1:bbbb');
  assert.is(await other.runOnce(), 0, 'leases still valid: not taken');
  app.clock.advance(LEASE_MS + 1);
  assert.is(await other.drain(), 8, 'within one lease of the crash');
  assert.equal(await fired('CRASH'), { n: 8, d: 8 }, 'each once');
  const [left] = await sql(`select count(*)::int as n from job where locked_by like 'dead-host:%'`);
  assert.is((left as { n: number }).n, 0);
});

test('a restarted node takes back the leases of its earlier incarnation at start, without waiting', async () => {
  await dueCases(5, 'RESTART');
  const now = app.clock.now();
  assert.is((await queue().acquire('node-r:111:old', now, 50, new Date(now.getTime() + LEASE_MS))).length, 5);
  const restarted = executor('node-r:222:new', 'node-r');
  assert.is(await restarted.reclaim(), 5);
  assert.is(await restarted.drain(), 5);
  assert.equal(await fired('RESTART'), { n: 5, d: 5 });
});

test('a lease is renewed while its job runs: another node cannot take it after the first lease has passed', async () => {
  await dueCases(1, 'RENEW');
  const now = app.clock.now();
  const [id] = await queue().acquire('runner:1:x', now, 1, new Date(now.getTime() + LEASE_MS));
  assert.ok(id);
  const runner = executor('runner:1:x');
  // The runner holds the job (as while running it); time passes beyond the lease and the renewal extends it.
  (runner as unknown as { held: Set<string> }).held.add(id!);
  app.clock.advance(LEASE_MS - 1000);
  await runner.renew();
  app.clock.advance(2000);
  const thief = executor('thief:1:y');
  assert.is(await thief.runOnce(), 0, 'the renewed lease still holds');
  (runner as unknown as { held: Set<string> }).held.delete(id!);
  app.clock.advance(LEASE_MS);
  assert.is(await thief.drain(), 1, 'once the lease is no longer renewed, it expires');
  assert.equal(await fired('RENEW'), { n: 1, d: 1 });
});

test.run();
