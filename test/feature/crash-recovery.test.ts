/**
 * Crash recovery: the real server process is killed with SIGKILL (no shutdown
 * hook runs) and started again on the same database. Whatever was committed
 * before the kill must be there exactly once, whatever was not must be absent,
 * and every instance must carry on from where it stopped.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, deploy, type Reply } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';
import { scratchDatabase, startServer, type ScratchDatabase, type ServerProcess } from '../helpers/server-process.js';

const ADMIN_PASSWORD = 'crash-admin-pw-1';
const OP_PASSWORD = 'crash-op-pw-1';
const TENANT = 'Z901';
const KEY = 'crash_recovery_two';

let db: ScratchDatabase | null = null;
let server: ServerProcess | null = null;
let admin: Client;
let op: Client;

async function boot(): Promise<ServerProcess> {
  server = await startServer({ env: { ...db!.env, ADMIN_PASSWORD }, timeoutMs: 60_000 });
  return server;
}

/** SIGKILL, wait for the exit, start again on the same database; clients follow the new port, keeping their tokens. */
async function crashAndRestart(): Promise<void> {
  const exit = await server!.kill('SIGKILL');
  assert.is(exit.signal, 'SIGKILL', `server exited by itself: ${JSON.stringify(exit)}\n${server!.output()}`);
  await boot();
  admin = follow(admin);
  op = follow(op);
}

function follow(c: Client): Client {
  const moved = new Client(server!.baseUrl, c.username);
  moved.token = c.token;
  return moved;
}

const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;

async function openTasks(instanceId: string) {
  const r = await op.get(`/api/v1/tasks?processInstanceId=${instanceId}`);
  assert.is(r.status, 200, show(r));
  return r.body as { items: Array<{ id: string; elementId: string; status: string; processInstanceId: string }>; total: number };
}

async function instance(id: string) {
  const r = await op.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 200, show(r));
  return r.body as { status: string; activeElements: string[]; openTasks: Array<{ id: string; elementId: string }> };
}

/** task id → number of task.created events, for one instance. */
async function createdPerTask(instanceId: string): Promise<Map<string, number>> {
  const r = await op.get(`/api/v1/process-instances/${instanceId}/history`);
  assert.is(r.status, 200, show(r));
  const counts = new Map<string, number>();
  for (const e of r.body.items as Array<{ type: string; taskId: string | null }>) {
    if (e.type === 'task.created') counts.set(e.taskId!, (counts.get(e.taskId!) ?? 0) + 1);
  }
  return counts;
}

async function startInstance(): Promise<{ id: string; taskA: string }> {
  const r = await op.post(`/api/v1/process-definitions/${KEY}/start`, { variables: { owner: op.username } });
  assert.is(r.status, 201, show(r));
  assert.equal(r.body.activeElements, ['taskA']);
  assert.is(r.body.openTasks.length, 1);
  return { id: r.body.id, taskA: r.body.openTasks[0].id };
}

async function complete(taskId: string, variables: Record<string, unknown> = {}) {
  const r = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables });
  assert.is(r.status, 200, show(r));
  assert.is(r.body.status, 'completed');
  return r;
}

// uvu 0.5 swallows an error thrown by a before hook (the suite just reports 0 passed
// with exit code 0), so set-up failures are kept and rethrown by every test.
let setupError: Error | null = null;
function ready(): void {
  if (setupError) throw setupError;
}

test.before(async () => {
  try {
    db = await scratchDatabase('rei_crash');
    await boot();
    admin = new Client(server!.baseUrl, 'admin');
    await admin.login(ADMIN_PASSWORD);

    const tenant = await admin.post('/api/v1/tenants', { code: TENANT, name: 'Comune di prova crash' });
    assert.is(tenant.status, 201, show(tenant));
    assert.is(tenant.body.code, TENANT);
    const user = await admin.post('/api/v1/users', { username: 'crash-op', password: OP_PASSWORD, tenant: TENANT, roles: ['operatore'], groups: ['g1'] });
    assert.is(user.status, 201, show(user));
    assert.equal(user.body.groups, ['g1']);
    const dep = await deploy(admin, { 'crash-recovery.bpmn': twoTasks(KEY) });
    assert.is(dep.status, 201, show(dep));

    op = new Client(server!.baseUrl, 'crash-op');
    await op.login(OP_PASSWORD);
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
  }
});

test.after(async () => {
  try {
    await server?.kill('SIGKILL');
  } finally {
    await db?.drop();
  }
});

test('kill -9 between two steps: the waiting task survives exactly once and the instance goes on', async () => {
  ready();
  const { id, taskA } = await startInstance();
  await complete(taskA, { note: 'prima del crash' });
  const before = await openTasks(id);
  assert.is(before.total, 1);
  const taskB = before.items[0];
  assert.is(taskB.elementId, 'taskB');
  assert.equal((await instance(id)).activeElements, ['taskB']);

  await crashAndRestart();

  // The signing secret lives in the database: tokens issued before the crash still work…
  const me = await op.get('/api/v1/auth/me');
  assert.is(me.status, 200, show(me));
  assert.equal(me.body, { username: 'crash-op', tenant: TENANT, roles: ['operatore'], groups: ['g1'] });
  const tenants = await admin.get('/api/v1/tenants');
  assert.is(tenants.status, 200, show(tenants));
  assert.equal(tenants.body.items.map((t: { code: string }) => t.code), [TENANT]);
  // …a forged one still does not…
  const forged = new Client(server!.baseUrl, 'crash-op');
  forged.token = `${op.token!.slice(0, -4)}AAAA`;
  const denied = await forged.get('/api/v1/auth/me');
  assert.is(denied.status, 401, show(denied));
  assert.is(denied.body.error.code, 'INVALID_TOKEN');
  // …and logging in again works too.
  await op.login(OP_PASSWORD);
  const again = await op.get('/api/v1/auth/me');
  assert.is(again.status, 200, show(again));
  assert.is(again.body.username, 'crash-op');

  const after = await openTasks(id);
  assert.is(after.total, 1, JSON.stringify(after.items));
  assert.is(after.items[0].id, taskB.id);
  assert.is(after.items[0].elementId, 'taskB');
  assert.is(after.items[0].status, 'open');
  const all = await op.get(`/api/v1/tasks?processInstanceId=${id}&status=all`);
  assert.is(all.body.total, 2);
  const inst = await instance(id);
  assert.is(inst.status, 'active');
  assert.equal(inst.activeElements, ['taskB']);
  assert.equal(inst.openTasks.map((t) => t.id), [taskB.id]);

  await complete(taskB.id);
  const done = await op.get(`/api/v1/process-instances/${id}`);
  assert.is(done.body.status, 'completed');
  assert.equal(done.body.activeElements, []);
  assert.equal(done.body.openTasks, []);
  assert.is(done.body.variables.note, 'prima del crash');
  assert.is((await openTasks(id)).total, 0);

  const created = await createdPerTask(id);
  assert.equal([...created.entries()].sort(), [[taskA, 1], [taskB.id, 1]].sort());
  const hist = await op.get(`/api/v1/process-instances/${id}/history`);
  const types: string[] = hist.body.items.map((e: { type: string }) => e.type);
  assert.is(types.filter((t) => t === 'process.started').length, 1);
  assert.is(types.filter((t) => t === 'task.completed').length, 2);
  assert.is(types.at(-1), 'process.completed');
});

test('kill -9 during a burst of completions: every instance is either before or after its step, never in between', async () => {
  ready();
  const N = 20;
  const instances: Array<{ id: string; taskA: string }> = [];
  for (let i = 0; i < N; i++) instances.push(await startInstance());

  // Fire every first-task completion at once; kill the server as soon as the
  // first few answers arrive, while most of the others are still in flight.
  const KILL_AFTER = 3;
  const answers = new Map<string, number>();
  let settled = 0;
  let killNow!: () => void;
  const trigger = new Promise<void>((resolve) => (killNow = resolve));
  const inFlight = instances.map(({ id, taskA }) =>
    op.post(`/api/v1/tasks/${taskA}/complete`, { variables: { burst: true } }).then(
      (r) => {
        answers.set(id, r.status);
        if (++settled >= KILL_AFTER) killNow();
      },
      () => killNow(), // connection reset by the kill: the outcome is unknown to the client
    ),
  );
  await trigger;
  await crashAndRestart();
  await Promise.all(inFlight);

  const acknowledged = [...answers.entries()].filter(([, s]) => s === 200).map(([id]) => id);
  assert.ok(acknowledged.length >= 1, `no completion answered 200 before the kill: ${JSON.stringify([...answers])}`);
  for (const [id, s] of answers) assert.is(s, 200, `instance ${id}: completion answered ${s}`);

  let before = 0;
  let after = 0;
  for (const { id, taskA } of instances) {
    const open = await openTasks(id);
    const inst = await instance(id);
    const created = await createdPerTask(id);
    const a = await op.get(`/api/v1/tasks/${taskA}`);
    assert.is(a.status, 200, show(a));
    assert.is(open.total, 1, `instance ${id} has ${open.total} open tasks: ${JSON.stringify(open.items)}`);
    assert.is(inst.status, 'active');
    const task = open.items[0];
    if (task.id === taskA) {
      // (a) the completion never committed: task A still open, exactly once
      before++;
      assert.ok(!acknowledged.includes(id), `instance ${id}: completion acknowledged with 200 but lost in the crash`);
      assert.is(a.body.status, 'open');
      assert.equal(inst.activeElements, ['taskA']);
      assert.equal([...created.entries()], [[taskA, 1]]);
    } else {
      // (b) the completion committed: task A completed, exactly one task B open
      after++;
      assert.is(task.elementId, 'taskB');
      assert.is(a.body.status, 'completed');
      assert.is(a.body.completedBy, 'crash-op');
      assert.equal(inst.activeElements, ['taskB']);
      assert.equal([...created.entries()].sort(), [[taskA, 1], [task.id, 1]].sort());
    }
  }
  assert.is(before + after, N);
  assert.ok(after >= acknowledged.length);

  // Everything carries on after the restart.
  for (let i = 0; i < N; i++) {
    const { id } = instances[i];
    for (let step = 0; step < 2; step++) {
      const open = await openTasks(id);
      if (open.total === 0) break;
      assert.is(open.total, 1);
      await complete(open.items[0].id);
    }
    const inst = await instance(id);
    assert.is(inst.status, 'completed', `instance ${id}`);
    assert.equal(inst.activeElements, []);
    const created = await createdPerTask(id);
    assert.is(created.size, 2);
    assert.ok([...created.values()].every((n) => n === 1), `instance ${id}: ${JSON.stringify([...created])}`);
  }
  const leftover = await op.get(`/api/v1/tasks?processKey=${KEY}`);
  assert.is(leftover.body.total, 0, show(leftover));
  const completed = await op.get(`/api/v1/process-instances?key=${KEY}&status=completed&limit=100`);
  assert.is(completed.body.total, N + 1);
});

test.run();
