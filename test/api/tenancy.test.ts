/**
 * Comune isolation: another comune's instances and tasks answer 404 on every
 * endpoint and never appear in lists; metropolitan users (tenant null) see all
 * comuni; a comune user cannot start for another comune; cancel closes tasks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type Reply, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';

const KEY = 'tenancy_two';

let app: TestApp;
let A: string;
let B: string;
let opA: Client;
let respA: Client;
let opB: Client;
let respB: Client;
let metro: Client;
let instA: { id: string; taskId: string };
let instB: { id: string; taskId: string };

async function start(client: Client, businessKey: string, tenant?: string) {
  const r = await client.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey, ...(tenant ? { tenant } : {}), variables: { owner: client.username } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.activeElements, ['taskA']);
  return { id: r.body.id as string, taskId: r.body.openTasks[0].id as string, tenant: r.body.tenant as string };
}

function notFound(r: Reply, code: string, what: string) {
  assert.is(r.status, 404, `${what}: ${JSON.stringify(r.body)}`);
  assert.is(r.body.error.code, code, what);
  assert.type(r.body.error.message, 'string', what);
}

test.before(async () => {
  app = await startTestApp();
  A = await app.tenant('Comune A');
  B = await app.tenant('Comune B');
  const admin = await app.admin();
  const dep = await deploy(admin, { 'tenancy.bpmn': twoTasks(KEY, { group: 'ten-g' }) });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  opA = await app.user({ tenant: A, roles: ['operatore'], groups: ['ten-g'] });
  respA = await app.user({ tenant: A, roles: ['responsabile'], groups: ['ten-g'] });
  opB = await app.user({ tenant: B, roles: ['operatore'], groups: ['ten-g'] });
  respB = await app.user({ tenant: B, roles: ['responsabile'], groups: ['ten-g'] });
  metro = await app.user({ tenant: null, roles: ['responsabile'], groups: ['ten-g'] });
  instA = await start(opA, 'TEN-A-1');
  instB = await start(opB, 'TEN-B-1');
});
test.after(async () => app.close());

test('instance endpoints: comune B gets 404 for comune A\'s instance', async () => {
  for (const user of [opB, respB]) {
    notFound(await user.get(`/api/v1/process-instances/${instA.id}`), 'INSTANCE_NOT_FOUND', 'GET instance');
    notFound(await user.get(`/api/v1/process-instances/${instA.id}/history`), 'INSTANCE_NOT_FOUND', 'GET history');
  }
  notFound(await respB.post(`/api/v1/process-instances/${instA.id}/cancel`, { reason: 'intruso' }), 'INSTANCE_NOT_FOUND', 'cancel');
  notFound(await respB.post(`/api/v1/process-instances/${instA.id}/cancel`), 'INSTANCE_NOT_FOUND', 'cancel without body');
  // A's instance is untouched
  const own = await opA.get(`/api/v1/process-instances/${instA.id}`);
  assert.is(own.status, 200);
  assert.is(own.body.status, 'active');
  assert.is(own.body.tenant, A);
  const hist = await opA.get(`/api/v1/process-instances/${instA.id}/history`);
  assert.not.ok(hist.body.items.some((e: { type: string }) => e.type === 'process.cancelled'));
});

test('task endpoints: comune B gets 404 for comune A\'s task (detail, claim, unclaim, assign, complete)', async () => {
  const id = instA.taskId;
  notFound(await opB.get(`/api/v1/tasks/${id}`), 'TASK_NOT_FOUND', 'GET task');
  notFound(await opB.post(`/api/v1/tasks/${id}/claim`), 'TASK_NOT_FOUND', 'claim');
  notFound(await opB.post(`/api/v1/tasks/${id}/unclaim`), 'TASK_NOT_FOUND', 'unclaim');
  notFound(await opB.post(`/api/v1/tasks/${id}/assign`, { user: opB.username }), 'TASK_NOT_FOUND', 'self-assign');
  notFound(await respB.post(`/api/v1/tasks/${id}/assign`, { user: opB.username }), 'TASK_NOT_FOUND', 'assign by responsabile');
  notFound(await respB.post(`/api/v1/tasks/${id}/assign`, { user: opA.username }), 'TASK_NOT_FOUND', 'assign to an A user');
  notFound(await opB.post(`/api/v1/tasks/${id}/complete`, { variables: { esito: 'intruso' } }), 'TASK_NOT_FOUND', 'complete');
  notFound(await respB.post(`/api/v1/tasks/${id}/complete`, {}), 'TASK_NOT_FOUND', 'complete by responsabile');

  // also once A's task is claimed
  assert.is((await opA.post(`/api/v1/tasks/${id}/claim`)).status, 200);
  notFound(await respB.post(`/api/v1/tasks/${id}/unclaim`), 'TASK_NOT_FOUND', 'unclaim of a claimed task');
  notFound(await opB.post(`/api/v1/tasks/${id}/claim`), 'TASK_NOT_FOUND', 'claim of a claimed task');

  const task = await opA.get(`/api/v1/tasks/${id}`);
  assert.is(task.status, 200);
  assert.is(task.body.status, 'open');
  assert.is(task.body.assignee, opA.username);
  const inst = await opA.get(`/api/v1/process-instances/${instA.id}`);
  assert.equal(inst.body.activeElements, ['taskA']);
  assert.is(inst.body.variables.esito, undefined);
  const hist = await opA.get(`/api/v1/process-instances/${instA.id}/history`);
  const byB = hist.body.items.filter((e: { user: string | null }) => e.user === opB.username || e.user === respB.username);
  assert.equal(byB, [], 'no history written by comune B');
});

test('lists: A\'s objects never appear in B\'s task and instance lists', async () => {
  const taskQueries = [
    '/api/v1/tasks',
    `/api/v1/tasks?processKey=${KEY}`,
    '/api/v1/tasks?mine=true',
    '/api/v1/tasks?businessKey=TEN-A-1',
    `/api/v1/tasks?processInstanceId=${instA.id}`,
    '/api/v1/tasks?candidateGroup=ten-g',
    `/api/v1/tasks?assignee=${opA.username}`,
    '/api/v1/tasks?status=all',
    '/api/v1/tasks?elementId=taskA',
  ];
  for (const user of [opB, respB]) {
    for (const q of taskQueries) {
      const r = await user.get(q);
      assert.is(r.status, 200, q);
      assert.ok(r.body.items.every((t: { tenant: string }) => t.tenant === B), `${q}: only comune B`);
      assert.not.ok(r.body.items.some((t: { id: string }) => t.id === instA.taskId), q);
    }
  }
  assert.is((await opB.get('/api/v1/tasks?businessKey=TEN-A-1')).body.total, 0);
  assert.is((await opB.get(`/api/v1/tasks?processInstanceId=${instA.id}`)).body.total, 0);
  const ownB = await opB.get(`/api/v1/tasks?processKey=${KEY}`);
  assert.equal(ownB.body.items.map((t: { id: string }) => t.id), [instB.taskId]);
  assert.is(ownB.body.total, 1);

  const instanceQueries = ['/api/v1/process-instances', `/api/v1/process-instances?key=${KEY}`, '/api/v1/process-instances?businessKey=TEN-A-1', '/api/v1/process-instances?status=active'];
  for (const user of [opB, respB]) {
    for (const q of instanceQueries) {
      const r = await user.get(q);
      assert.is(r.status, 200, q);
      assert.ok(r.body.items.every((i: { tenant: string }) => i.tenant === B), `${q}: only comune B`);
      assert.not.ok(r.body.items.some((i: { id: string }) => i.id === instA.id), q);
    }
  }
  // naming another comune explicitly is refused, as for /process-definitions
  const other = await opB.get(`/api/v1/process-instances?tenant=${A}`);
  assert.is(other.status, 403);
  assert.is(other.body.error.code, 'TENANT_MISMATCH');
  assert.is((await opB.get('/api/v1/process-instances?businessKey=TEN-A-1')).body.total, 0);
  const bList = await opB.get(`/api/v1/process-instances?key=${KEY}`);
  assert.equal(bList.body.items.map((i: { id: string }) => i.id), [instB.id]);

  // and symmetrically A does not see B
  const aTasks = await opA.get(`/api/v1/tasks?processKey=${KEY}&status=all`);
  assert.ok(aTasks.body.items.every((t: { tenant: string }) => t.tenant === A));
  notFound(await opA.get(`/api/v1/process-instances/${instB.id}`), 'INSTANCE_NOT_FOUND', 'A reads B');
  notFound(await opA.get(`/api/v1/tasks/${instB.taskId}`), 'TASK_NOT_FOUND', 'A reads B task');
});

test('a metropolitan user (tenant null) sees both comuni', async () => {
  const tasks = await metro.get(`/api/v1/tasks?processKey=${KEY}`);
  assert.is(tasks.status, 200);
  const ids = tasks.body.items.map((t: { id: string }) => t.id);
  assert.ok(ids.includes(instA.taskId));
  assert.ok(ids.includes(instB.taskId));
  assert.equal([...new Set(tasks.body.items.map((t: { tenant: string }) => t.tenant))].sort(), [A, B].sort());

  const insts = await metro.get(`/api/v1/process-instances?key=${KEY}`);
  const instIds = insts.body.items.map((i: { id: string }) => i.id);
  assert.ok(instIds.includes(instA.id));
  assert.ok(instIds.includes(instB.id));
  const onlyA = await metro.get(`/api/v1/process-instances?key=${KEY}&tenant=${A}`);
  assert.ok(onlyA.body.items.length >= 1);
  assert.ok(onlyA.body.items.every((i: { tenant: string }) => i.tenant === A), 'a metropolitan user may filter by comune');

  for (const inst of [instA, instB]) {
    const detail = await metro.get(`/api/v1/process-instances/${inst.id}`);
    assert.is(detail.status, 200);
    const hist = await metro.get(`/api/v1/process-instances/${inst.id}/history`);
    assert.is(hist.status, 200);
    assert.ok(hist.body.items.length > 0);
    const task = await metro.get(`/api/v1/tasks/${inst.taskId}`);
    assert.is(task.status, 200);
  }

  // a metropolitan user must name the comune to start, and may start for any
  const noTenant = await metro.post(`/api/v1/process-definitions/${KEY}/start`, { variables: {} });
  assert.is(noTenant.status, 422);
  assert.is(noTenant.body.error.code, 'VALIDATION_FAILED');
  const forB = await start(metro, 'TEN-METRO-B', B);
  assert.is(forB.tenant, B);
  const seenByB = await opB.get(`/api/v1/process-instances/${forB.id}`);
  assert.is(seenByB.status, 200);
  notFound(await opA.get(`/api/v1/process-instances/${forB.id}`), 'INSTANCE_NOT_FOUND', 'A reads metro-started B instance');
});

test('an operatore trying to start for another comune gets 403', async () => {
  const r = await opA.post(`/api/v1/process-definitions/${KEY}/start`, { tenant: B, businessKey: 'TEN-X', variables: {} });
  assert.is(r.status, 403, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'TENANT_MISMATCH');
  const own = await opA.post(`/api/v1/process-definitions/${KEY}/start`, { tenant: A, businessKey: 'TEN-A-OWN', variables: {} });
  assert.is(own.status, 201, 'naming one\'s own comune is fine');
  assert.is(own.body.tenant, A);
  const inB = await metro.get('/api/v1/process-instances?businessKey=TEN-X');
  assert.is(inB.body.total, 0, 'nothing was started');
});

test('assign to a user of another comune → 422 UNKNOWN_USER', async () => {
  const r = await respA.post(`/api/v1/tasks/${instA.taskId}/assign`, { user: opB.username });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'UNKNOWN_USER');
  assert.is((await opA.get(`/api/v1/tasks/${instA.taskId}`)).body.assignee, opA.username);
  // metropolitan users may be assigned in any comune
  const toMetro = await respA.post(`/api/v1/tasks/${instA.taskId}/assign`, { user: metro.username });
  assert.is(toMetro.status, 200, JSON.stringify(toMetro.body));
  assert.is(toMetro.body.assignee, metro.username);
  assert.is((await respA.post(`/api/v1/tasks/${instA.taskId}/assign`, { user: opA.username })).status, 200);
});

test('cancel by a responsabile of A closes the open tasks; operatore → 403; twice → 409', async () => {
  const inst = await start(opA, 'TEN-A-CANCEL');
  const denied = await opA.post(`/api/v1/process-instances/${inst.id}/cancel`, { reason: 'no' });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'ROLE_REQUIRED');
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.status, 'active');

  const now = app.clock.now().toISOString();
  const r = await respA.post(`/api/v1/process-instances/${inst.id}/cancel`, { reason: 'domanda ritirata' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.status, 'cancelled');
  assert.is(r.body.endedAt, now);
  assert.equal(r.body.activeElements, []);
  assert.equal(r.body.openTasks, []);
  // issue 10: every end records its outcome, a cancellation too (with the reason and who)
  assert.is(r.body.variables.esitoFinale, 'annullata');
  assert.is(r.body.variables.motivoAnnullamento, 'domanda ritirata');
  assert.is(r.body.variables.annullataDa, respA.username);
  assert.is(r.body.variables.dataFine, '2026-03-02');
  assert.is(r.body.variables.owner, opA.username, 'the other variables are kept');
  assert.is((await opA.get(`/api/v1/process-instances/${inst.id}`)).body.variables.esitoFinale, 'annullata', 'stored, not only answered');

  const task = await opA.get(`/api/v1/tasks/${inst.taskId}`);
  assert.is(task.status, 200);
  assert.is(task.body.status, 'cancelled');
  assert.is(task.body.endedAt, now);
  assert.is(task.body.completedBy, null);
  assert.is((await opA.get(`/api/v1/tasks?processInstanceId=${inst.id}`)).body.total, 0, 'no longer in the open inbox');
  assert.is((await opA.get(`/api/v1/tasks?processInstanceId=${inst.id}&status=cancelled`)).body.total, 1);

  const hist = await opA.get(`/api/v1/process-instances/${inst.id}/history`);
  const types = hist.body.items.map((e: { type: string }) => e.type);
  assert.ok(types.includes('task.cancelled'));
  assert.is(types.at(-1), 'process.cancelled');
  const cancelled = hist.body.items.at(-1);
  assert.is(cancelled.user, respA.username);
  assert.equal(cancelled.details, { reason: 'domanda ritirata' });

  const twice = await respA.post(`/api/v1/process-instances/${inst.id}/cancel`, {});
  assert.is(twice.status, 409);
  assert.is(twice.body.error.code, 'INSTANCE_NOT_ACTIVE');
  const complete = await opA.post(`/api/v1/tasks/${inst.taskId}/complete`, {});
  assert.is(complete.status, 409);
  assert.is(complete.body.error.code, 'TASK_NOT_OPEN');
  assert.is(complete.body.error.details.status, 'cancelled');

  // a metropolitan responsabile may cancel in any comune
  const byMetro = await metro.post(`/api/v1/process-instances/${instB.id}/cancel`, {});
  assert.is(byMetro.status, 200, JSON.stringify(byMetro.body));
  assert.is(byMetro.body.status, 'cancelled');
  assert.is(byMetro.body.variables.esitoFinale, 'annullata');
  assert.is(byMetro.body.variables.motivoAnnullamento, null, 'no reason given');
  assert.is(byMetro.body.variables.annullataDa, metro.username);
  assert.is((await opB.get(`/api/v1/tasks/${instB.taskId}`)).body.status, 'cancelled');
});

test.run();
