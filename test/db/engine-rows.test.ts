/**
 * The hot-path rows of the engine store (src/db/engine-rows.ts): the same
 * guarantees as the ORM unit of work they replace — one object per row and
 * transaction, changes found and written on commit, nothing written for an
 * unchanged row, the `version` checked (409 CONCURRENT_MODIFICATION, nothing
 * of the transaction kept), history in insertion order, a failure before or
 * at COMMIT leaving nothing behind — plus two concurrent completions of
 * parallel tasks of one case: never both on the same version.
 */
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmnProcess, twoTasks } from '../helpers/models.js';
import { entityManagerOf } from '../../src/db/engine-store.js';
import { DomainError } from '../../src/shared/errors.js';
import type { EngineTx } from '../../src/engine/store.js';

const KEY = 'rows_two';
const PARALLEL = 'rows_parallel';

let app: TestApp;
let tenant: string;
let user: Client;

const parallel = bpmnProcess(
  PARALLEL,
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="left" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="right" />
    <bpmn:userTask id="left" name="Sinistra" camunda:candidateGroups="rows-g" />
    <bpmn:userTask id="right" name="Destra" camunda:candidateGroups="rows-g" />
    <bpmn:sequenceFlow id="f4" sourceRef="left" targetRef="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="right" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="last" />
    <bpmn:userTask id="last" name="Ultimo" camunda:candidateGroups="rows-g" />
    <bpmn:sequenceFlow id="f7" sourceRef="last" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

test.before(async () => {
  app = await startTestApp();
  tenant = await app.tenant();
  const admin = await app.admin();
  const dep = await deploy(admin, { 'rows.bpmn': twoTasks(KEY, { group: 'rows-g' }), 'parallel.bpmn': parallel });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  user = await app.user({ tenant, roles: ['operatore'], groups: ['rows-g'] });
});
test.after(async () => app.close());

async function start(key: string, businessKey: string) {
  const r = await user.post(`/api/v1/process-definitions/${key}/start`, { businessKey, variables: { owner: user.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id as string, tasks: r.body.openTasks as Array<{ id: string; elementId: string }> };
}

/** Runs SQL on the transaction's own connection (as another transaction's committed change would look). */
async function sqlInTx(tx: EngineTx, sql: string, params: unknown[]) {
  const em = entityManagerOf(tx);
  await em.getConnection().execute(sql, params, 'run', em.getTransactionContext());
}

const row = async (sql: string, params: unknown[]) => {
  const [r] = await app.services.orm.em.fork().getConnection().execute(sql, params, 'all');
  return r as Record<string, unknown>;
};

test('one object per row and transaction; created and closed tasks as the transaction sees them', async () => {
  const inst = await start(KEY, 'ROWS-IDENTITY');
  const taskId = inst.tasks[0]!.id;
  await app.services.store.transaction(async (tx) => {
    const a = await tx.task(taskId, tenant);
    const b = await tx.task(taskId, null);
    assert.ok(a && a === b, 'the same task object');
    const i1 = await tx.instance(inst.id, tenant);
    assert.ok(i1 && i1 === (await tx.instance(inst.id, null)), 'the same instance object');
    assert.is(await tx.instance(inst.id, 'Z999'), null, 'another comune sees nothing');
    let work = await tx.openWork(inst.id);
    assert.ok(work.tasks.includes(a!), 'the open task is the loaded object');
    Object.assign(a!, { status: 'cancelled' });
    const created = tx.createTask({ ...a!, id: crypto.randomUUID(), executionId: 'extra_1', elementId: 'taskB', status: 'open' });
    work = await tx.openWork(inst.id);
    assert.equal(work.tasks.map((t) => t.id), [created.id], 'closed task gone, created task there');
    throw new Error('rollback');
  }).catch((err: Error) => assert.is(err.message, 'rollback'));
  const stored = await row('select status, version from task where id = ?', [taskId]);
  assert.equal(stored, { status: 'open', version: 1 }, 'a rolled back transaction writes nothing');
});

test('an unchanged row is not written; a changed one is, with its version bumped', async () => {
  const inst = await start(KEY, 'ROWS-DIRTY');
  const before = await row('select version, updated_at from process_instance where id = ?', [inst.id]);
  await app.services.store.transaction(async (tx) => {
    await tx.instance(inst.id, tenant);
    await tx.task(inst.tasks[0]!.id, tenant);
  });
  assert.equal(await row('select version, updated_at from process_instance where id = ?', [inst.id]), before, 'read only: no write');
  assert.is((await row('select version from task where id = ?', [inst.tasks[0]!.id])).version, 1);

  // a json value mutated in place (not replaced) is found too
  const returned = await app.services.store.transaction(async (tx) => {
    const i = (await tx.instance(inst.id, tenant))!;
    (i.variables as Record<string, unknown>).nota = 'modificata sul posto';
    const t = (await tx.task(inst.tasks[0]!.id, tenant))!;
    t.candidateUsers.push('mario');
    return i;
  });
  const after = await row(`select version, variables->>'nota' as nota from process_instance where id = ?`, [inst.id]);
  assert.equal(after, { version: Number(before.version) + 1, nota: 'modificata sul posto' });
  assert.is(returned.version, Number(before.version) + 1, 'the record carries the new version');
  assert.equal(await row('select version, candidate_users from task where id = ?', [inst.tasks[0]!.id]), { version: 2, candidate_users: ['mario'] });
});

test('a row changed by another transaction since it was read: 409, nothing of the transaction kept', async () => {
  const inst = await start(KEY, 'ROWS-CONFLICT');
  const histBefore = (await row('select count(*)::int as n from history_event where instance_id = ?', [inst.id])).n;
  for (const target of ['instance', 'task'] as const) {
    const err = await app.services.store
      .transaction(async (tx) => {
        const i = (await tx.instance(inst.id, tenant))!;
        const t = (await tx.task(inst.tasks[0]!.id, tenant))!;
        if (target === 'instance') await sqlInTx(tx, 'update process_instance set version = version + 1 where id = ?', [inst.id]);
        else await sqlInTx(tx, 'update task set version = version + 1 where id = ?', [t.id]);
        i.updatedAt = new Date(i.updatedAt.getTime() + 1000);
        t.assignee = 'qualcuno';
        tx.addHistory({ tenant, instanceId: i.id, at: new Date(), type: 'test.conflict' });
        tx.createTask({ ...t, id: crypto.randomUUID(), executionId: `conflict_${target}`, status: 'open' });
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err instanceof DomainError, `${target}: ${String(err)}`);
    assert.is(err.status, 409, target);
    assert.is(err.code, 'CONCURRENT_MODIFICATION', target);
  }
  assert.is((await row('select count(*)::int as n from history_event where instance_id = ?', [inst.id])).n, histBefore, 'no history kept');
  assert.is((await row('select count(*)::int as n from task where instance_id = ?', [inst.id])).n, 1, 'no task kept');
  assert.is((await row('select assignee from task where id = ?', [inst.tasks[0]!.id])).assignee, null);
});

test('failures before and at COMMIT end the transaction and give the connection back', async () => {
  const inst = await start(KEY, 'ROWS-FAILURES');
  // More failed transactions than connections in the pool: a leaked connection would hang the next one.
  for (let i = 0; i < 25; i++) {
    const err = await app.services.store
      .transaction(async (tx) => {
        (await tx.instance(inst.id, tenant))!.updatedAt = new Date();
        if (i % 2) throw new Error('nel lavoro');
        // checked only at COMMIT (deferred foreign key): the instance does not exist
        tx.addHistory({ tenant, instanceId: crypto.randomUUID(), at: new Date(), type: 'test.orphan' });
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    assert.ok(err, `round ${i}: must fail`);
    if (i % 2) assert.is(err.message, 'nel lavoro');
  }
  const version = await app.services.store.transaction(async (tx) => (await tx.instance(inst.id, tenant))!.version);
  assert.is(version, 1, 'nothing of the failed transactions was kept');
  assert.is((await row(`select count(*)::int as n from history_event where type = 'test.orphan'`, [])).n, 0);
});

test('history rows keep the order they were added in', async () => {
  const inst = await start(KEY, 'ROWS-ORDER');
  const types = Array.from({ length: 12 }, (_, i) => `test.order.${String(i).padStart(2, '0')}`);
  await app.services.store.transaction(async (tx) => {
    for (const type of types) tx.addHistory({ tenant, instanceId: inst.id, at: new Date('2026-03-02T08:00:00Z'), type, details: { n: type } });
  });
  const hist = await user.get(`/api/v1/process-instances/${inst.id}/history?detail=engine`);
  assert.equal(
    hist.body.items.filter((e: { type: string }) => e.type.startsWith('test.order.')).map((e: { type: string; details: { n: string } }) => [e.type, e.details.n]),
    types.map((t) => [t, t]),
  );
});

test('two parallel tasks of one case completed at the same time: never both on the same version (×5)', async () => {
  for (let round = 0; round < 5; round++) {
    const what = `round ${round}`;
    const inst = await start(PARALLEL, `ROWS-PAR-${round}`);
    assert.equal(inst.tasks.map((t) => t.elementId).sort(), ['left', 'right'], what);
    const complete = (taskId: string) => user.post(`/api/v1/tasks/${taskId}/complete`, { variables: { [`da_${taskId.slice(0, 4)}`]: true } });
    const replies = await Promise.all(inst.tasks.map((t) => complete(t.id)));
    // Serialized (PGlite, or one after the other): both 200. Overlapping: one 409, then a retry succeeds.
    for (const [i, r] of replies.entries()) {
      if (r.status === 409) {
        assert.is(r.body.error.code, 'CONCURRENT_MODIFICATION', what);
        const retry = await complete(inst.tasks[i]!.id);
        assert.is(retry.status, 200, `${what}: retry ${JSON.stringify(retry.body)}`);
      } else assert.is(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
    }
    const detail = await user.get(`/api/v1/process-instances/${inst.id}`);
    assert.equal(detail.body.activeElements, ['last'], `${what}: joined once`);
    assert.equal(detail.body.openTasks.map((t: { elementId: string }) => t.elementId), ['last'], what);
    const hist = (await user.get(`/api/v1/process-instances/${inst.id}/history`)).body.items as Array<{ type: string; elementId: string | null }>;
    assert.is(hist.filter((e) => e.type === 'task.completed').length, 2, what);
    assert.is(hist.filter((e) => e.type === 'task.created' && e.elementId === 'last').length, 1, `${what}: next task created once`);
  }
});

test('jobs: created, changed and removed with the commit; a job replacing a removed one under the same key', async () => {
  const c = await start(KEY, 'ROWS-JOBS');
  const job = (over: Record<string, unknown>) => ({
    id: randomUUID(),
    tenant,
    instanceId: c.id,
    definitionId: null,
    kind: 'timer' as const,
    elementId: 'taskA',
    executionId: 'exec-1',
    dueAt: new Date('2026-04-01T00:00:00Z'),
    lockedBy: null,
    lockedUntil: null,
    retries: 3,
    attempts: 0,
    lastError: null,
    payload: { timerType: 'timeDuration', value: 'P30D' },
    createdAt: new Date('2026-03-02T08:00:00Z'),
    ...over,
  });
  const first = job({});
  const other = job({ executionId: 'exec-2' });
  await app.services.store.transaction(async (tx) => {
    tx.createJob(first);
    tx.createJob(other);
    assert.equal((await tx.instanceJobs(c.id)).map((j) => j.id).sort(), [first.id, other.id].sort(), 'created jobs are seen in their transaction');
  });
  const stored = async () =>
    (await app.services.orm.em.fork().getConnection().execute(`select id, execution_id, due_at, payload from job where instance_id = ? order by execution_id`, [c.id])) as Array<{ id: string; execution_id: string; due_at: Date; payload: unknown }>;
  assert.equal((await stored()).map((j) => j.id), [first.id, other.id]);

  const replacement = job({ dueAt: new Date('2026-05-01T00:00:00Z') });
  await app.services.store.transaction(async (tx) => {
    const jobs = await tx.instanceJobs(c.id);
    tx.removeJob(jobs.find((j) => j.id === first.id)!);
    tx.createJob(replacement); // same (instance, kind, execution) as the removed one
    const changed = jobs.find((j) => j.id === other.id)!;
    Object.assign(changed, { dueAt: new Date('2026-06-01T00:00:00Z'), payload: { timerType: 'timeCycle', value: 'R/P1M', remaining: null } });
  });
  const after = await stored();
  assert.equal(after.map((j) => j.id), [replacement.id, other.id]);
  assert.is(new Date(after[1]!.due_at).toISOString(), '2026-06-01T00:00:00.000Z', 'a changed job is written');
  assert.equal(after[1]!.payload, { timerType: 'timeCycle', value: 'R/P1M', remaining: null });

  // A rolled-back transaction leaves the jobs as they were.
  await app.services.store
    .transaction(async (tx) => {
      for (const j of await tx.instanceJobs(c.id)) tx.removeJob(j);
      throw new Error('rollback');
    })
    .catch(() => undefined);
  assert.is((await stored()).length, 2);
});

test.run();
