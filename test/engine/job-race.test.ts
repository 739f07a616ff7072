/**
 * Two job executors (two worker ids, each on its own connections) race on
 * 1,000 due timers: every timer fires exactly once, none twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { deployOrFail } from '../helpers/fixtures.js';
import { flow, timer } from '../helpers/models.js';
import { JobExecutor } from '../../src/engine/jobs/executor.js';
import { SqlJobQueue } from '../../src/db/job-queue.js';

const N = Number(process.env.JOB_RACE_N ?? 1000);
let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

test(`two executors racing on ${N} due jobs: each fires exactly once`, async () => {
  const tenant = await app.tenant();
  const admin = await app.admin();
  await deployOrFail(admin, { 'race.bpmn': flow('job_race', [timer('wait', { duration: 'P30D' })]) });
  const { services } = app;
  for (let i = 0; i < N; i += 50) {
    await services.store.transaction(async (tx) => {
      for (let j = i; j < Math.min(N, i + 50); j++) await services.processes.start(tx, { key: 'job_race', tenant, businessKey: `RACE-${j}` }, { username: 'test' });
    });
  }
  app.clock.advance(31 * 86_400_000);
  const make = (id: string) => new JobExecutor(new SqlJobQueue(services.orm), services.store, services.processes, services.clock, { workerId: id, batchSize: 25 });
  const a = make('worker-a');
  const b = make('worker-b');
  await Promise.all([a.drain(), b.drain()]);
  await Promise.all([a.drain(), b.drain()]);
  assert.is(a.stats.fired + b.stats.fired, N, `fired a=${a.stats.fired} b=${b.stats.fired}`);
  const conn = services.orm.em.fork().getConnection();
  const [fired] = await conn.execute(`select count(*)::int as n, count(distinct instance_id)::int as d from history_event where type = 'timer.fired' and tenant = ?`, [tenant]);
  assert.is(fired.n, N, 'no timer fired twice');
  assert.is(fired.d, N);
  const [done] = await conn.execute(`select count(*)::int as n from process_instance where tenant = ? and status = 'completed'`, [tenant]);
  assert.is(done.n, N);
  const [left] = await conn.execute(`select count(*)::int as n from job where tenant = ?`, [tenant]);
  assert.is(left.n, 0);
});

test.run();
