/**
 * Concurrent commands on the same task: exactly one wins, the other gets 409,
 * and the instance moves exactly one step (no duplicated next task, no
 * duplicated history). Repeated to catch flakiness.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type Reply, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';

const KEY = 'concurrency_two';
const ROUNDS = 10;
const LOSER_CODES = ['CONCURRENT_MODIFICATION', 'TASK_NOT_OPEN'];

let app: TestApp;
let alice: Client;
let bob: Client;

test.before(async () => {
  app = await startTestApp();
  const tenant = await app.tenant();
  const admin = await app.admin();
  const dep = await deploy(admin, { 'concurrency.bpmn': twoTasks(KEY, { group: 'conc-g' }) });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  alice = await app.user({ tenant, roles: ['operatore'], groups: ['conc-g'] });
  bob = await app.user({ tenant, roles: ['operatore'], groups: ['conc-g'] });
});
test.after(async () => app.close());

async function startOne(businessKey: string) {
  const r = await alice.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey, variables: { owner: alice.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.activeElements, ['taskA']);
  return { id: r.body.id as string, taskId: r.body.openTasks[0].id as string };
}

/** Exactly one 200 and one 409 with an accepted code; returns the index of the winner. */
function oneWinner(replies: Reply[], codes: string[], what: string): number {
  const statuses = replies.map((r) => r.status).sort();
  assert.equal(statuses, [200, 409], `${what}: ${JSON.stringify(replies.map((r) => r.body))}`);
  const loser = replies.find((r) => r.status === 409)!;
  assert.ok(codes.includes(loser.body.error.code), `${what}: unexpected code ${loser.body.error.code}`);
  assert.type(loser.body.error.message, 'string');
  return replies.findIndex((r) => r.status === 200);
}

test(`two concurrent completions of the same task: one 200, one 409, one step (×${ROUNDS})`, async () => {
  const seen = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const what = `round ${round}`;
    const inst = await startOne(`CONC-COMPLETE-${round}`);
    // even rounds: the same user twice (double click); odd rounds: two candidates
    const [first, second] = round % 2 === 0 ? [alice, alice] : [alice, bob];
    const replies = await Promise.all([
      first.post(`/api/v1/tasks/${inst.taskId}/complete`, { variables: { who: 'first', round } }),
      second.post(`/api/v1/tasks/${inst.taskId}/complete`, { variables: { who: 'second', round } }),
    ]);
    const winner = oneWinner(replies, LOSER_CODES, what);
    seen.add(replies[1 - winner]!.body.error.code);
    const won = replies[winner]!.body;
    assert.is(won.status, 'completed', what);
    assert.is(won.completedBy, (winner === 0 ? first : second).username, what);

    // the instance moved exactly one step
    const detail = await alice.get(`/api/v1/process-instances/${inst.id}`);
    assert.is(detail.body.status, 'active', what);
    assert.equal(detail.body.activeElements, ['taskB'], what);
    assert.is(detail.body.openTasks.length, 1, what);
    assert.is(detail.body.openTasks[0].elementId, 'taskB', what);
    assert.is(detail.body.variables.who, winner === 0 ? 'first' : 'second', `${what}: only the winner's variables`);

    const all = await alice.get(`/api/v1/tasks?processInstanceId=${inst.id}&status=all`);
    assert.is(all.body.total, 2, what);
    const byElement = (el: string) => all.body.items.filter((t: { elementId: string }) => t.elementId === el);
    assert.is(byElement('taskA').length, 1, what);
    assert.is(byElement('taskA')[0].status, 'completed', what);
    assert.is(byElement('taskB').length, 1, `${what}: the next task exists exactly once`);
    assert.is(byElement('taskB')[0].status, 'open', what);
    assert.is(byElement('taskB')[0].assignee, alice.username, what);

    const hist = (await alice.get(`/api/v1/process-instances/${inst.id}/history?detail=engine`)).body.items as Array<{ type: string; taskId: string | null; elementId: string | null }>;
    const completed = hist.filter((e) => e.type === 'task.completed');
    assert.is(completed.length, 1, `${what}: one task.completed`);
    assert.is(completed[0]!.taskId, inst.taskId, what);
    assert.is(hist.filter((e) => e.type === 'task.created' && e.elementId === 'taskB').length, 1, what);
    assert.is(hist.filter((e) => e.type === 'element.entered' && e.elementId === 'taskB').length, 1, what);
    assert.is(hist.filter((e) => e.type === 'element.left' && e.elementId === 'taskA').length, 1, what);

    // and it goes on normally afterwards
    const next = await alice.post(`/api/v1/tasks/${byElement('taskB')[0].id}/complete`, {});
    assert.is(next.status, 200, what);
    assert.is((await alice.get(`/api/v1/process-instances/${inst.id}`)).body.status, 'completed', what);
  }
  assert.ok(seen.size >= 1);
});

test(`two concurrent claims by two candidate users: one 200, one 409 (×${ROUNDS})`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const what = `round ${round}`;
    const inst = await startOne(`CONC-CLAIM-${round}`);
    const users = round % 2 === 0 ? [alice, bob] : [bob, alice];
    const replies = await Promise.all(users.map((u) => u.post(`/api/v1/tasks/${inst.taskId}/claim`)));
    const winner = oneWinner(replies, ['TASK_ALREADY_CLAIMED', 'CONCURRENT_MODIFICATION'], what);
    const winnerName = users[winner]!.username;
    assert.is(replies[winner]!.body.assignee, winnerName, what);

    const task = await alice.get(`/api/v1/tasks/${inst.taskId}`);
    assert.is(task.body.assignee, winnerName, what);
    assert.is(task.body.status, 'open', what);
    const hist = (await alice.get(`/api/v1/process-instances/${inst.id}/history?detail=engine`)).body.items as Array<{ type: string; user: string | null }>;
    const claims = hist.filter((e) => e.type === 'task.claimed');
    assert.is(claims.length, 1, `${what}: one task.claimed`);
    assert.is(claims[0]!.user, winnerName, what);

    // the loser cannot complete it; the winner can
    const loser = users[1 - winner]!;
    const denied = await loser.post(`/api/v1/tasks/${inst.taskId}/complete`, {});
    assert.is(denied.status, 403, what);
    assert.is(denied.body.error.code, 'NOT_ASSIGNEE', what);
    assert.is((await users[winner]!.post(`/api/v1/tasks/${inst.taskId}/complete`, {})).status, 200, what);
  }
});

test('concurrent completions of two different tasks of different instances both succeed', async () => {
  const [x, y] = [await startOne('CONC-INDEP-1'), await startOne('CONC-INDEP-2')];
  const replies = await Promise.all([alice.post(`/api/v1/tasks/${x.taskId}/complete`, {}), bob.post(`/api/v1/tasks/${y.taskId}/complete`, {})]);
  assert.equal(replies.map((r) => r.status), [200, 200], JSON.stringify(replies.map((r) => r.body)));
  for (const inst of [x, y]) assert.equal((await alice.get(`/api/v1/process-instances/${inst.id}`)).body.activeElements, ['taskB']);
});

test.run();
