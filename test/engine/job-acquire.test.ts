/**
 * A job is acquired inside the transaction that runs it (no lease row): its
 * row and its case's row stay locked until that transaction ends. A
 * transaction that dies (kill -9, a lost connection: rolled back) leaves
 * nothing behind and the job runs at once elsewhere, once; while a job runs,
 * other executors take the other due jobs but none of the same case.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { flow, parallelTimers, timer } from '../helpers/models.js';
import { JobExecutor } from '../../src/engine/jobs/executor.js';
import { SqlJobQueue } from '../../src/db/job-queue.js';
import type { JobRecord } from '../../src/engine/store.js';

const onPostgres = !!process.env.DATABASE_URL;
let app: TestApp;
let tenant: string;

test.before(async () => {
  app = await startTestApp({ config: { jobExecutor: false } });
  tenant = await app.tenant();
  const one = flow('job_acq_one', [timer('wait', { duration: 'P1D' })]);
  const two = parallelTimers('job_acq_two', 'P1D');
  assert.is((await deploy(await app.admin(), { 'acq-one.bpmn': one, 'acq-two.bpmn': two }, tenant)).status, 201);
});
test.after(async () => app.close());

const executor = (workerId: string) => new JobExecutor(new SqlJobQueue(app.services.orm), app.services.store, app.services.processes, app.clock, { workerId });
const sql = async (q: string, params: unknown[] = []) => app.services.orm.em.fork().getConnection().execute(q, params);

async function start(key: string, businessKey: string): Promise<void> {
  await app.services.store.transaction(async (tx) => {
    await app.services.processes.start(tx, { key, tenant, businessKey }, { username: 'test' });
  });
}

async function fired(prefix: string): Promise<{ n: number; d: number }> {
  const [row] = await sql(
    `select count(*)::int as n, count(distinct (h.instance_id, h.element_id))::int as d from history_event h join process_instance i on i.id = h.instance_id where h.type = 'timer.fired' and i.business_key like ?`,
    [`${prefix}-%`],
  );
  return row as { n: number; d: number };
}

test('a job transaction that dies after acquiring its job leaves no lease and no attempt behind: the job fires at once, once', async () => {
  await start('job_acq_one', 'DIE-1');
  app.clock.advance(86_400_000 + 1000);
  let taken: JobRecord | null = null;
  try {
    await app.services.store.transaction(async (tx) => {
      taken = await tx.acquireJob(app.clock.now());
      throw new Error('connessione persa');
    });
    assert.unreachable('the transaction must fail');
  } catch (err) {
    assert.is((err as Error).message, 'connessione persa');
  }
  assert.ok(taken, 'a due job was acquired');
  const [row] = await sql(`select locked_by, locked_until, attempts, retries from job where id = ?`, [(taken as JobRecord).id]);
  assert.equal(row, { locked_by: null, locked_until: null, attempts: 0, retries: 3 }, 'the job is as it was');
  assert.is(await executor('other:1:a').drain(), 1, 'taken by another executor without waiting for any lease');
  assert.equal(await fired('DIE'), { n: 1, d: 1 });
});

test('while a job of a case runs, another executor runs the other due jobs but none of that case; the case\'s next job after the commit', async () => {
  if (!onPostgres) return; // PGlite has one session: no second transaction meanwhile
  await start('job_acq_two', 'BUSY-A-1');
  app.clock.advance(60_000);
  for (let i = 0; i < 3; i++) await start('job_acq_one', `BUSY-B-${i}`);
  app.clock.advance(86_400_000);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let acquired!: (job: JobRecord | null) => void;
  const first = new Promise<JobRecord | null>((resolve) => (acquired = resolve));
  const holder = app.services.store.transaction(async (tx) => {
    const job = await tx.acquireJob(app.clock.now());
    acquired(job);
    await gate;
    if (job) await app.services.processes.fireTimer(tx, job, { username: 'test' });
  });
  const job = await first;
  assert.ok(job, 'the earliest due job is taken');
  const [owner] = await sql(`select business_key from process_instance where id = ?`, [job!.instanceId]);
  assert.is((owner as { business_key: string }).business_key, 'BUSY-A-1', 'the earliest due job is one of case A');
  const other = executor('other:2:b');
  assert.is(await other.drain(), 3, 'the three other cases, not the second timer of the busy case');
  assert.equal(await fired('BUSY-A'), { n: 0, d: 0 });
  release();
  await holder;
  assert.is(await other.drain(), 1, 'the busy case\'s second timer once the first is committed');
  assert.equal(await fired('BUSY-A'), { n: 2, d: 2 });
  assert.equal(await fired('BUSY-B'), { n: 3, d: 3 });
  const [left] = await sql(`select count(*)::int as n from job j join process_instance i on i.id = j.instance_id where i.business_key like 'BUSY-%'`);
  assert.is((left as { n: number }).n, 0);
});

test.run();
