/**
 * Two server processes on one PostgreSQL database (issue 16, §3), with the
 * requests of the same cases spread across both: no task or external task
 * handed out twice, a case's commands serialised across the nodes (the loser
 * of a race gets 409, never a silent overwrite), and neither node serving a
 * case from a stale copy after the other one moved it on.
 * Needs PostgreSQL (two processes cannot share an embedded PGlite directory):
 * without DATABASE_URL the suite says so and checks nothing else.
 */
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, deploy, type Reply } from '../helpers/harness.js';
import { externalTask, flow, twoTasks, userTask } from '../helpers/models.js';
import { scratchDatabase, startServer, type ScratchDatabase, type ServerProcess } from '../helpers/server-process.js';

const ADMIN_PASSWORD = 'two-nodes-admin-pw-1';
const OP_PASSWORD = 'two-nodes-op-pw-1';
const TENANT = 'Z902';
const KEY = 'two_nodes_tasks';
const EXT_KEY = 'two_nodes_external';
const TOPIC = 'two-nodes-topic';
const OUTPUTS = '<bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="esito">${esito}</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>';

let db: ScratchDatabase | null = null;
const nodes: ServerProcess[] = [];
/** The operatore's client on each node (same token: both nodes share the signing key). */
let op: [Client, Client];

const show = (r: Reply) => `${r.status} ${JSON.stringify(r.body)}`;

let setupError: Error | null = null;
function ready(): boolean {
  if (setupError) throw setupError;
  return db?.kind === 'postgresql';
}

test.before(async () => {
  try {
    db = await scratchDatabase('rei_nodes');
    if (db.kind !== 'postgresql') {
      console.log('two-nodes: skipped, it needs PostgreSQL (DATABASE_URL)');
      return;
    }
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = { ...db.env, ADMIN_PASSWORD, JWT_PRIVATE_KEY: key };
    // The first node migrates the empty database; the second starts on it.
    nodes.push(await startServer({ env, timeoutMs: 90_000 }));
    nodes.push(await startServer({ env, timeoutMs: 90_000 }));

    const admin = new Client(nodes[0]!.baseUrl, 'admin');
    await admin.login(ADMIN_PASSWORD);
    const tenant = await admin.post('/api/v1/tenants', { code: TENANT, name: 'Comune di prova due nodi' });
    assert.is(tenant.status, 201, show(tenant));
    const user = await admin.post('/api/v1/users', { username: 'nodes-op', password: OP_PASSWORD, tenant: TENANT, roles: ['operatore'], groups: ['g1'] });
    assert.is(user.status, 201, show(user));
    const dep = await deploy(admin, { 'two-nodes.bpmn': twoTasks(KEY) });
    assert.is(dep.status, 201, show(dep));
    const ext = await deploy(admin, { 'two-nodes-ext.bpmn': flow(EXT_KEY, [externalTask('ext', TOPIC, 'Verifica esterna', OUTPUTS), userTask('after', 'Dopo la verifica')]) });
    assert.is(ext.status, 201, show(ext));

    const onFirst = new Client(nodes[0]!.baseUrl, 'nodes-op');
    await onFirst.login(OP_PASSWORD);
    const onSecond = new Client(nodes[1]!.baseUrl, 'nodes-op');
    onSecond.token = onFirst.token;
    op = [onFirst, onSecond];
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
  }
});

test.after(async () => {
  try {
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
  } finally {
    await db?.drop();
  }
});

async function start(via: Client, key = KEY): Promise<{ id: string; firstTask: string | null }> {
  const r = await via.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: 'nodes-op' } });
  assert.is(r.status, 201, show(r));
  return { id: r.body.id, firstTask: r.body.openTasks[0]?.id ?? null };
}

async function openTasks(via: Client, instanceId: string): Promise<Array<{ id: string; elementId: string }>> {
  const r = await via.get(`/api/v1/tasks?processInstanceId=${instanceId}`);
  assert.is(r.status, 200, show(r));
  return r.body.items;
}

async function createdPerTask(via: Client, instanceId: string): Promise<number[]> {
  const r = await via.get(`/api/v1/process-instances/${instanceId}/history`);
  assert.is(r.status, 200, show(r));
  const counts = new Map<string, number>();
  for (const e of r.body.items as Array<{ type: string; taskId: string | null }>) if (e.type === 'task.created') counts.set(e.taskId!, (counts.get(e.taskId!) ?? 0) + 1);
  return [...counts.values()];
}

test('cases started on one node are worked on the other, step by step, each node seeing what the other did', async () => {
  if (!ready()) return;
  for (let i = 0; i < 6; i++) {
    const [a, b] = i % 2 ? [op[1], op[0]] : [op[0], op[1]];
    const c = await start(a);
    // the other node reads the case (and may keep it in its engine cache) …
    assert.is((await b.get(`/api/v1/process-instances/${c.id}`)).status, 200);
    // … the first node completes task A …
    const doneA = await a.post(`/api/v1/tasks/${c.firstTask}/complete`, { variables: {} });
    assert.is(doneA.status, 200, show(doneA));
    // … and the other node sees task B and completes it: its copy of the case is not stale
    const [taskB] = await openTasks(b, c.id);
    assert.is(taskB?.elementId, 'taskB');
    const doneB = await b.post(`/api/v1/tasks/${taskB!.id}/complete`, { variables: {} });
    assert.is(doneB.status, 200, show(doneB));
    const final = await a.get(`/api/v1/process-instances/${c.id}`);
    assert.is(final.body.status, 'completed', show(final));
    assert.equal(await createdPerTask(b, c.id), [1, 1], 'each task created once');
  }
});

test('the same task completed through both nodes at once: one wins, the other gets 409, the case moves on once', async () => {
  if (!ready()) return;
  for (let i = 0; i < 8; i++) {
    const c = await start(op[i % 2]!);
    const replies = await Promise.all(op.map((client) => client.post(`/api/v1/tasks/${c.firstTask}/complete`, { variables: {} })));
    const statuses = replies.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 200).length, 1, `exactly one completion wins: ${replies.map(show).join(' | ')}`);
    const loser = replies.find((r) => r.status !== 200)!;
    assert.is(loser.status, 409, show(loser));
    assert.type(loser.body.error?.code, 'string');
    const open = await openTasks(op[(i + 1) % 2]!, c.id);
    assert.equal(open.map((t) => t.elementId), ['taskB'], 'the case moved on exactly once');
    assert.equal(await createdPerTask(op[0], c.id), [1, 1]);
  }
});

test('external tasks fetched through both nodes at once are each locked by one worker only', async () => {
  if (!ready()) return;
  const ids = new Set<string>();
  for (let i = 0; i < 12; i++) ids.add((await start(op[i % 2]!, EXT_KEY)).id);
  const fetch = (client: Client, worker: string) =>
    client.post('/engine-rest/external-task/fetchAndLock', { workerId: worker, maxTasks: 12, topics: [{ topicName: TOPIC, lockDuration: 60_000 }] });
  const [one, two] = await Promise.all([fetch(op[0], 'worker-node-1'), fetch(op[1], 'worker-node-2')]);
  assert.is(one.status, 200, show(one));
  assert.is(two.status, 200, show(two));
  const locked = [...(one.body as Array<{ id: string; processInstanceId: string }>), ...(two.body as Array<{ id: string; processInstanceId: string }>)];
  assert.is(new Set(locked.map((t) => t.id)).size, locked.length, 'no external task locked twice');
  assert.equal(new Set(locked.map((t) => t.processInstanceId)), ids, 'every case’s external task handed out');
  // each worker completes what it holds through the other node: every case goes on to the user task once
  const completions = await Promise.all([
    ...(one.body as Array<{ id: string }>).map((t) => op[1].post(`/engine-rest/external-task/${t.id}/complete`, { workerId: 'worker-node-1', variables: { esito: { value: 'ok', type: 'String' } } })),
    ...(two.body as Array<{ id: string }>).map((t) => op[0].post(`/engine-rest/external-task/${t.id}/complete`, { workerId: 'worker-node-2', variables: { esito: { value: 'ok', type: 'String' } } })),
  ]);
  for (const r of completions) assert.is(r.status, 204, show(r));
  for (const id of ids) assert.equal((await openTasks(op[0], id)).map((t) => t.elementId), ['after']);
});

test.run();
