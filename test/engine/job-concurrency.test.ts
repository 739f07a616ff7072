/**
 * JOB_CONCURRENCY: an executor running several jobs of a batch at the same
 * time still fires every timer exactly once, including two timers of one case
 * due together; on PGlite (one session) the setting is ignored.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { parallelTimers } from '../helpers/models.js';
import { JobExecutor } from '../../src/engine/jobs/executor.js';
import { SqlJobQueue } from '../../src/db/job-queue.js';

const onPostgres = !!process.env.DATABASE_URL;
let app: TestApp;
let tenant: string;

test.before(async () => {
  app = await startTestApp({ config: { jobConcurrency: 4 } });
  tenant = await app.tenant();
  const admin = await app.admin();
  const twoTimers = parallelTimers('job_conc_two', 'P30D');
  assert.is((await deploy(admin, { 'two.bpmn': twoTimers })).status, 201);
});
test.after(async () => app.close());

async function startCases(n: number, prefix: string) {
  const { services } = app;
  for (let i = 0; i < n; i += 50) {
    await services.store.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + 50); j++) await services.processes.start(tx, { key: 'job_conc_two', tenant, businessKey: `${prefix}-${j}` }, { username: 'test' });
    });
  }
}

async function assertFiredOnce(prefix: string, n: number) {
  const conn = app.services.orm.em.fork().getConnection();
  const [fired] = await conn.execute(
    `select count(*)::int as n, count(distinct (h.instance_id, h.element_id))::int as d from history_event h join process_instance p on p.id = h.instance_id
      where h.type = 'timer.fired' and p.business_key like ?`,
    [`${prefix}-%`],
  );
  assert.is(fired.n, 2 * n, 'two timers per case fired');
  assert.is(fired.d, 2 * n, 'none of them twice');
  const [done] = await conn.execute(`select count(*)::int as n from process_instance where business_key like ? and status = 'completed'`, [`${prefix}-%`]);
  assert.is(done.n, n, 'every case joined and ended');
  const [left] = await conn.execute(`select count(*)::int as n from job j join process_instance p on p.id = j.instance_id where p.business_key like ?`, [`${prefix}-%`]);
  assert.is(left.n, 0);
}

test('the server executor with JOB_CONCURRENCY=4 fires two timers of each case, each once', async () => {
  await startCases(60, 'JOBCONC');
  app.clock.advance(31 * 86_400_000);
  await app.services.executor.drain();
  await app.services.executor.drain();
  await assertFiredOnce('JOBCONC', 60);
});

test('two executors with 4 jobs in flight each race on the same due jobs: exactly once', async () => {
  if (!onPostgres) return; // PGlite is one session: no concurrent transactions to race
  const { services } = app;
  await startCases(150, 'RACE4');
  app.clock.advance(31 * 86_400_000);
  const make = (id: string) => new JobExecutor(new SqlJobQueue(services.orm), services.store, services.processes, services.clock, { workerId: id, batchSize: 20, concurrency: 4 });
  const a = make('conc-a');
  const b = make('conc-b');
  await Promise.all([a.drain(), b.drain()]);
  await Promise.all([a.drain(), b.drain()]);
  assert.is(a.stats.fired + b.stats.fired, 300, `fired a=${a.stats.fired} b=${b.stats.fired}`);
  await assertFiredOnce('RACE4', 150);
});

test.run();
