/**
 * The task inbox over HTTP: list filters (assignee, candidateGroup, mine,
 * processKey, elementId, businessKey, due dates), sorting and paging, detail,
 * and the task actions with their permission and state rules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process, twoTasks } from '../helpers/models.js';
import { User } from '../../src/db/entities/index.js';

const sfx = randomUUID().slice(0, 6);
const G1 = `tsk-g1-${sfx}`;
const G2 = `tsk-g2-${sfx}`;
const CAND = `tsk-cand-${sfx}`;
const OTHER_CAND = `tsk-other-${sfx}`;

/** One user task whose attributes all come from process variables. */
const paramModel = process(
  'tasks_param',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="Lavorazione" camunda:assignee="\${owner}" camunda:candidateGroups="\${group}" camunda:candidateUsers="\${cands}" camunda:priority="\${prio}" camunda:dueDate="\${due}" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

/** One user task with literal candidate users, priority and an ISO due date. */
const literalModel = process(
  'tasks_literal',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:userTask id="check" name="Verifica" camunda:candidateUsers="${CAND}, ${OTHER_CAND}" camunda:priority="80" camunda:dueDate="2026-03-20T12:00:00Z" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

let app: TestApp;
let tenant: string;
let otherTenant: string;
let op1: Client; // operatore, G1
let op2: Client; // operatore, G2
let cand: Client; // operatore, no groups: candidate user only
let resp: Client; // responsabile of the comune
let foreign: Client; // operatore of another comune
const ids: Record<string, string> = {}; // business key → task id
const T0 = '2026-03-02T08:00:00.000Z';

type TaskView = { id: string; businessKey: string | null; [k: string]: unknown };
const bks = (r: { body: { items: TaskView[] } }) => r.body.items.map((t) => t.businessKey);
const sorted = (a: Array<string | null>) => [...a].sort();

function qs(params: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
}

async function startParam(client: Client, businessKey: string, variables: Record<string, unknown>) {
  const r = await client.post('/api/v1/process-definitions/tasks_param/start', { businessKey, variables });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.activeElements, ['work']);
  assert.is(r.body.openTasks.length, 1);
  ids[businessKey] = r.body.openTasks[0].id;
  return r.body;
}

test.before(async () => {
  app = await startTestApp();
  app.clock.set(T0);
  tenant = await app.tenant();
  otherTenant = await app.tenant();
  const admin = await app.admin();
  const dep = await deploy(admin, { 'param.bpmn': paramModel, 'literal.bpmn': literalModel, 'two.bpmn': twoTasks('tasks_two', { group: G1 }) });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  op1 = await app.user({ tenant, roles: ['operatore'], groups: [G1] });
  op2 = await app.user({ tenant, roles: ['operatore'], groups: [G2] });
  cand = await app.user({ tenant, roles: ['operatore'], username: CAND });
  resp = await app.user({ tenant, roles: ['responsabile'] });
  foreign = await app.user({ tenant: otherTenant, roles: ['operatore'], groups: [G1] });

  // Six tasks created one minute apart (created order = TSK-1 … TSK-6).
  const minute = 60_000;
  await startParam(op1, 'TSK-1', { group: G1, prio: 10, due: '2026-03-10T00:00:00.000Z' });
  app.clock.advance(minute);
  await startParam(op1, 'TSK-2', { group: G1, prio: 90, due: 'P3D' });
  app.clock.advance(minute);
  await startParam(op1, 'TSK-3', { group: G2, prio: 50 });
  app.clock.advance(minute);
  await startParam(op1, 'TSK-4', { group: G2, prio: 30, due: 'P1D', owner: op1.username });
  app.clock.advance(minute);
  await startParam(op1, 'TSK-5', { cands: CAND, prio: 70, due: '2026-03-04T00:00:00.000Z' });
  app.clock.advance(minute);
  await startParam(op1, 'TSK-6', { group: G1, prio: 60, owner: op2.username });
  app.clock.advance(minute);
});
test.after(async () => app.close());

test('task attributes are resolved from variables, ISO dates and ISO durations (ManualClock)', async () => {
  const t2 = await op1.get(`/api/v1/tasks/${ids['TSK-2']}`);
  assert.is(t2.status, 200, JSON.stringify(t2.body));
  assert.is(t2.body.id, ids['TSK-2']);
  assert.is(t2.body.tenant, tenant);
  assert.is(t2.body.processKey, 'tasks_param');
  assert.is(t2.body.businessKey, 'TSK-2');
  assert.is(t2.body.elementId, 'work');
  assert.is(t2.body.name, 'Lavorazione');
  assert.is(t2.body.status, 'open');
  assert.is(t2.body.assignee, null);
  assert.equal(t2.body.candidateGroups, [G1]);
  assert.equal(t2.body.candidateUsers, []);
  assert.is(t2.body.priority, 90);
  assert.is(t2.body.createdAt, '2026-03-02T08:01:00.000Z');
  assert.is(t2.body.dueAt, '2026-03-05T08:01:00.000Z', 'P3D from the creation time on the ManualClock');
  assert.is(t2.body.claimedAt, null);
  assert.is(t2.body.endedAt, null);
  assert.is(t2.body.completedBy, null);
  assert.type(t2.body.processInstanceId, 'string');

  const t1 = await op1.get(`/api/v1/tasks/${ids['TSK-1']}`);
  assert.is(t1.body.dueAt, '2026-03-10T00:00:00.000Z');
  assert.is(t1.body.priority, 10);
  const t3 = await op1.get(`/api/v1/tasks/${ids['TSK-3']}`);
  assert.is(t3.body.dueAt, null);
  const t4 = await op1.get(`/api/v1/tasks/${ids['TSK-4']}`);
  assert.is(t4.body.assignee, op1.username, 'camunda:assignee="${owner}"');
  assert.is(t4.body.dueAt, '2026-03-03T08:03:00.000Z');
  const t5 = await op1.get(`/api/v1/tasks/${ids['TSK-5']}`);
  assert.equal(t5.body.candidateUsers, [CAND]);
  assert.equal(t5.body.candidateGroups, []);
});

test('literal candidateUsers, priority and ISO dueDate; P3D literal', async () => {
  const lit = await cand.post('/api/v1/process-definitions/tasks_literal/start', { businessKey: 'LIT-1' });
  assert.is(lit.status, 201, JSON.stringify(lit.body));
  const task = await cand.get(`/api/v1/tasks/${lit.body.openTasks[0].id}`);
  assert.is(task.status, 200);
  assert.is(task.body.elementId, 'check');
  assert.equal(task.body.candidateUsers, [CAND, OTHER_CAND]);
  assert.equal(task.body.candidateGroups, []);
  assert.is(task.body.priority, 80);
  assert.is(task.body.dueAt, '2026-03-20T12:00:00.000Z');
  assert.is(task.body.formKey, null);

  const now = app.clock.now().getTime();
  const two = await op1.post('/api/v1/process-definitions/tasks_two/start', { businessKey: 'TWO-1', variables: { owner: op1.username } });
  assert.is(two.status, 201, JSON.stringify(two.body));
  const a = await op1.get(`/api/v1/tasks/${two.body.openTasks[0].id}`);
  assert.is(a.body.priority, 70);
  assert.is(a.body.dueAt, new Date(now + 3 * 86_400_000).toISOString());
  assert.is(a.body.assignee, null);

  // elementId filter: only the literal model's task, whatever the process key
  const byElement = await op1.get(`/api/v1/tasks?elementId=check`);
  assert.is(byElement.status, 200);
  assert.equal(bks(byElement), ['LIT-1']);
  const byElement2 = await op1.get(`/api/v1/tasks?${qs({ elementId: 'taskA', processKey: 'tasks_two' })}`);
  assert.equal(bks(byElement2), ['TWO-1']);
  assert.is((await op1.get(`/api/v1/tasks?${qs({ elementId: 'work', processKey: 'tasks_two' })}`)).body.total, 0);
});

test('filters: processKey, businessKey, assignee (me and by name), candidateGroup', async () => {
  const all = await op1.get('/api/v1/tasks?processKey=tasks_param');
  assert.is(all.status, 200);
  assert.is(all.body.total, 6);
  assert.equal(sorted(bks(all)), ['TSK-1', 'TSK-2', 'TSK-3', 'TSK-4', 'TSK-5', 'TSK-6']);
  assert.is(all.body.limit, 50);
  assert.is(all.body.offset, 0);

  assert.equal(bks(await op1.get('/api/v1/tasks?processKey=tasks_param&businessKey=TSK-3')), ['TSK-3']);
  assert.is((await op1.get('/api/v1/tasks?processKey=tasks_param&businessKey=nessuno')).body.total, 0);
  assert.is((await op1.get('/api/v1/tasks?processKey=nessun_processo')).body.total, 0);

  assert.equal(bks(await op1.get('/api/v1/tasks?processKey=tasks_param&assignee=me')), ['TSK-4']);
  assert.equal(bks(await op2.get('/api/v1/tasks?processKey=tasks_param&assignee=me')), ['TSK-6']);
  assert.equal(bks(await resp.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', assignee: op2.username })}`)), ['TSK-6']);
  assert.is((await cand.get('/api/v1/tasks?processKey=tasks_param&assignee=me')).body.total, 0);

  assert.equal(sorted(bks(await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', candidateGroup: G1 })}`))), ['TSK-1', 'TSK-2', 'TSK-6']);
  assert.equal(sorted(bks(await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', candidateGroup: G2 })}`))), ['TSK-3', 'TSK-4']);
  assert.equal(bks(await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', candidateGroup: G1, assignee: op2.username })}`)), ['TSK-6']);

  // another comune sees none of these
  assert.is((await foreign.get('/api/v1/tasks?processKey=tasks_param')).body.total, 0);
});

test('mine=true: assigned to me, or unassigned and claimable through my groups or candidateUsers', async () => {
  // op1: TSK-4 assigned to op1; TSK-1, TSK-2 open to G1; TSK-6 is G1 but assigned to op2
  assert.equal(sorted(bks(await op1.get('/api/v1/tasks?processKey=tasks_param&mine=true'))), ['TSK-1', 'TSK-2', 'TSK-4']);
  // op2: TSK-3 open to G2; TSK-6 assigned to op2; TSK-4 is G2 but assigned to op1
  assert.equal(sorted(bks(await op2.get('/api/v1/tasks?processKey=tasks_param&mine=true'))), ['TSK-3', 'TSK-6']);
  // cand: only as a candidate user
  assert.equal(bks(await cand.get('/api/v1/tasks?processKey=tasks_param&mine=true')), ['TSK-5']);
  // resp has no groups and nothing assigned
  assert.is((await resp.get('/api/v1/tasks?processKey=tasks_param&mine=true')).body.total, 0);
  // mine=false is no filter
  assert.is((await resp.get('/api/v1/tasks?processKey=tasks_param&mine=false')).body.total, 6);
  // mine combines with other filters
  assert.equal(bks(await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', mine: 'true', candidateGroup: G2 })}`)), ['TSK-4']);
});

test('dueBefore / dueAfter (exclusive bounds, tasks without due date excluded)', async () => {
  const q = (p: Record<string, string>) => op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', sort: 'due', ...p })}`);
  // dues: TSK-4 03-03T08:03, TSK-5 03-04T00:00, TSK-2 03-05T08:01, TSK-1 03-10T00:00; TSK-3/TSK-6 none
  assert.equal(bks(await q({ dueBefore: '2026-03-05T00:00:00Z' })), ['TSK-4', 'TSK-5']);
  assert.equal(bks(await q({ dueAfter: '2026-03-05T00:00:00Z' })), ['TSK-2', 'TSK-1']);
  assert.equal(bks(await q({ dueAfter: '2026-03-04T00:00:00Z', dueBefore: '2026-03-06T00:00:00Z' })), ['TSK-2'], 'TSK-5 is due exactly at dueAfter');
  assert.equal(bks(await q({ dueBefore: '2026-03-04T00:00:00.001Z' })), ['TSK-4', 'TSK-5']);
  assert.is((await q({ dueBefore: '2026-03-01T00:00:00Z' })).body.total, 0);
  assert.is((await q({ dueAfter: '2026-03-01T00:00:00Z' })).body.total, 4);
  const bad = await op1.get('/api/v1/tasks?dueBefore=domani');
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'VALIDATION_FAILED');
  assert.ok(bad.body.error.details.fields.some((f: { field: string }) => f.field === 'dueBefore'));
});

test('sort by due, created, priority with order asc|desc (nulls last)', async () => {
  const q = (p: Record<string, string>) => op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', ...p })}`).then(bks);
  assert.equal(await q({ sort: 'due', order: 'asc' }), ['TSK-4', 'TSK-5', 'TSK-2', 'TSK-1', 'TSK-3', 'TSK-6']);
  assert.equal(await q({ sort: 'due' }), ['TSK-4', 'TSK-5', 'TSK-2', 'TSK-1', 'TSK-3', 'TSK-6'], 'due defaults to asc');
  assert.equal(await q({ sort: 'due', order: 'desc' }), ['TSK-1', 'TSK-2', 'TSK-5', 'TSK-4', 'TSK-3', 'TSK-6']);
  assert.equal(await q({ sort: 'created', order: 'asc' }), ['TSK-1', 'TSK-2', 'TSK-3', 'TSK-4', 'TSK-5', 'TSK-6']);
  assert.equal(await q({}), ['TSK-1', 'TSK-2', 'TSK-3', 'TSK-4', 'TSK-5', 'TSK-6'], 'default: created asc');
  assert.equal(await q({ sort: 'created', order: 'desc' }), ['TSK-6', 'TSK-5', 'TSK-4', 'TSK-3', 'TSK-2', 'TSK-1']);
  assert.equal(await q({ sort: 'priority' }), ['TSK-2', 'TSK-5', 'TSK-6', 'TSK-3', 'TSK-4', 'TSK-1'], 'priority defaults to desc');
  assert.equal(await q({ sort: 'priority', order: 'desc' }), ['TSK-2', 'TSK-5', 'TSK-6', 'TSK-3', 'TSK-4', 'TSK-1']);
  assert.equal(await q({ sort: 'priority', order: 'asc' }), ['TSK-1', 'TSK-4', 'TSK-3', 'TSK-6', 'TSK-5', 'TSK-2']);
  const bad = await op1.get('/api/v1/tasks?sort=name');
  assert.is(bad.status, 422);
  assert.is(bad.body.error.code, 'VALIDATION_FAILED');
});

test('limit / offset with total', async () => {
  const page = (limit: number, offset: number) => op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', sort: 'priority', limit, offset })}`);
  const p1 = await page(2, 0);
  assert.is(p1.status, 200);
  assert.equal(bks(p1), ['TSK-2', 'TSK-5']);
  assert.is(p1.body.total, 6);
  assert.is(p1.body.limit, 2);
  assert.is(p1.body.offset, 0);
  const p2 = await page(2, 2);
  assert.equal(bks(p2), ['TSK-6', 'TSK-3']);
  assert.is(p2.body.total, 6);
  assert.is(p2.body.offset, 2);
  const p3 = await page(4, 4);
  assert.equal(bks(p3), ['TSK-4', 'TSK-1']);
  assert.is(p3.body.total, 6);
  const p4 = await page(2, 6);
  assert.equal(p4.body.items, []);
  assert.is(p4.body.total, 6);
  for (const bad of ['limit=0', 'limit=501', 'offset=-1', 'limit=abc']) {
    const r = await op1.get(`/api/v1/tasks?${bad}`);
    assert.is(r.status, 422, bad);
    assert.is(r.body.error.code, 'VALIDATION_FAILED', bad);
  }
});

test('total: exact up to the cap (totalExact), the cap past it; exactTotal=true counts all; same counts under every filter', async () => {
  const r = await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', limit: 2 })}`);
  assert.is(r.body.total, 6);
  assert.is(r.body.totalExact, true);
  const exact = await op1.get(`/api/v1/tasks?${qs({ processKey: 'tasks_param', limit: 2, exactTotal: 'true' })}`);
  assert.is(exact.body.total, 6);
  assert.is(exact.body.totalExact, true);
  assert.is((await op1.get('/api/v1/tasks?exactTotal=forse')).status, 422);
  // The capped count (a subquery stopped at cap + 1) agrees with the exact one under every filter the list offers.
  const user = await app.services.orm.em.fork().findOneOrFail(User, { username: op1.username });
  const principal = { id: user.id, username: user.username, tenant, roles: ['operatore' as const], groups: [G1] };
  // Comune, process and step only: the exact count comes from the SLA figures' open counts (openTaskCount), which
  // must agree with the counts of the task table.
  const queries: Array<Record<string, unknown>> = [
    {},
    { processKey: 'tasks_param' },
    { processKey: 'tasks_param', elementId: 'work' },
    { elementId: 'check' },
    { processKey: 'tasks_param', mine: true },
    { processKey: 'tasks_param', candidateGroup: G2 },
    { processKey: 'tasks_param', assignee: op2.username },
    { processKey: 'tasks_param', dueAfter: new Date('2026-03-01T00:00:00Z'), dueBefore: new Date('2026-03-05T00:00:00Z') },
    { processKey: 'tasks_param', status: 'all', claimable: true },
    { businessKey: 'TSK-3' },
  ];
  const openInComune = async (where: string, params: unknown[]) =>
    Number(((await app.services.orm.em.fork().getConnection().execute(`select count(*)::int as n from task where tenant = ? and status = 'open'${where}`, [tenant, ...params])) as Array<{ n: number }>)[0]!.n);
  assert.is((await app.services.inbox.listWithContext(principal, { limit: 1, offset: 0 }, { totalCap: null })).total, await openInComune('', []));
  assert.is(
    (await app.services.inbox.listWithContext(principal, { limit: 1, offset: 0, processKey: 'tasks_param', elementId: 'work' }, { totalCap: null })).total,
    await openInComune(` and definition_key = 'tasks_param' and element_id = 'work'`, []),
  );
  for (const q of queries) {
    const full = await app.services.inbox.listWithContext(principal, { limit: 1, offset: 0, ...q }, { totalCap: null });
    for (const cap of [1, 2, 3, 10]) {
      const capped = await app.services.inbox.listWithContext(principal, { limit: 1, offset: 0, ...q }, { totalCap: cap });
      const label = `${JSON.stringify(q)} cap ${cap}`;
      assert.is(capped.total, Math.min(full.total, cap), label);
      assert.is(capped.totalExact, full.total <= cap, label);
      assert.equal(capped.items.map((t) => t.task.id), full.items.map((t) => t.task.id), label);
    }
  }
});

test('GET /tasks/{id}: unknown or malformed id → 404 TASK_NOT_FOUND', async () => {
  const unknown = await op1.get(`/api/v1/tasks/${randomUUID()}`);
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'TASK_NOT_FOUND');
  const malformed = await op1.get('/api/v1/tasks/not-a-uuid');
  assert.is(malformed.status, 404);
  assert.is(malformed.body.error.code, 'TASK_NOT_FOUND');
  const foreignGet = await foreign.get(`/api/v1/tasks/${ids['TSK-1']}`);
  assert.is(foreignGet.status, 404);
  assert.is(foreignGet.body.error.code, 'TASK_NOT_FOUND');
});

test('claim: non-member → 403, member → 200, someone else → 409, same assignee again → 200', async () => {
  const id = ids['TSK-1']; // G1, unassigned
  const denied = await op2.post(`/api/v1/tasks/${id}/claim`);
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'NOT_A_CANDIDATE');
  const deniedCand = await cand.post(`/api/v1/tasks/${id}/claim`);
  assert.is(deniedCand.status, 403);
  assert.is(deniedCand.body.error.code, 'NOT_A_CANDIDATE');
  assert.is((await op1.get(`/api/v1/tasks/${id}`)).body.assignee, null, 'a refused claim changes nothing');

  const claimed = await op1.post(`/api/v1/tasks/${id}/claim`);
  assert.is(claimed.status, 200, JSON.stringify(claimed.body));
  assert.is(claimed.body.assignee, op1.username);
  assert.is(claimed.body.claimedAt, app.clock.now().toISOString());
  assert.is(claimed.body.status, 'open');

  const again = await op1.post(`/api/v1/tasks/${id}/claim`);
  assert.is(again.status, 200);
  assert.is(again.body.assignee, op1.username);

  const g1Mate = await app.user({ tenant, roles: ['operatore'], groups: [G1] });
  const conflict = await g1Mate.post(`/api/v1/tasks/${id}/claim`);
  assert.is(conflict.status, 409);
  assert.is(conflict.body.error.code, 'TASK_ALREADY_CLAIMED');
  assert.is(conflict.body.error.details.assignee, op1.username);
  assert.is((await op1.get(`/api/v1/tasks/${id}`)).body.assignee, op1.username);

  // candidate users may claim too
  const byCand = await cand.post(`/api/v1/tasks/${ids['TSK-5']}/claim`);
  assert.is(byCand.status, 200, JSON.stringify(byCand.body));
  assert.is(byCand.body.assignee, CAND);

  const hist = await op1.get(`/api/v1/process-instances/${claimed.body.processInstanceId}/history`);
  const claims = hist.body.items.filter((e: { type: string }) => e.type === 'task.claimed');
  assert.is(claims.length, 1, 'the idempotent re-claim writes no history');
  assert.is(claims[0].taskId, id);
  assert.is(claims[0].user, op1.username);
});

test('unclaim: by the assignee → 200 (claimable again); by another operatore → 403', async () => {
  const id = ids['TSK-1']; // claimed by op1 above
  const g1Mate = await app.user({ tenant, roles: ['operatore'], groups: [G1] });
  const denied = await g1Mate.post(`/api/v1/tasks/${id}/unclaim`);
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'NOT_ASSIGNEE');

  const released = await op1.post(`/api/v1/tasks/${id}/unclaim`);
  assert.is(released.status, 200, JSON.stringify(released.body));
  assert.is(released.body.assignee, null);
  assert.is(released.body.claimedAt, null);
  assert.is(released.body.status, 'open');
  assert.ok(bks(await g1Mate.get('/api/v1/tasks?processKey=tasks_param&mine=true')).includes('TSK-1'));

  const reclaimed = await g1Mate.post(`/api/v1/tasks/${id}/claim`);
  assert.is(reclaimed.status, 200);
  assert.is(reclaimed.body.assignee, g1Mate.username);

  const hist = await op1.get(`/api/v1/process-instances/${released.body.processInstanceId}/history`);
  const unclaim = hist.body.items.find((e: { type: string }) => e.type === 'task.unclaimed');
  assert.ok(unclaim);
  assert.is(unclaim.user, op1.username);
  assert.equal(unclaim.details, { assignee: null, previous: op1.username });
});

test('assign: responsabile → 200; operatore for someone else → 403; self-assign by a candidate → 200', async () => {
  const id = ids['TSK-2']; // G1, unassigned
  const denied = await op1.post(`/api/v1/tasks/${id}/assign`, { user: op2.username });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'ROLE_REQUIRED');
  assert.is((await op1.get(`/api/v1/tasks/${id}`)).body.assignee, null);

  const g1Mate = await app.user({ tenant, roles: ['operatore'], groups: [G1] });
  const byResp = await resp.post(`/api/v1/tasks/${id}/assign`, { user: g1Mate.username });
  assert.is(byResp.status, 200, JSON.stringify(byResp.body));
  assert.is(byResp.body.assignee, g1Mate.username);
  assert.is(byResp.body.claimedAt, app.clock.now().toISOString());
  assert.equal(bks(await g1Mate.get('/api/v1/tasks?processKey=tasks_param&assignee=me&businessKey=TSK-2')), ['TSK-2']);

  // the responsabile may reassign, and the operatore cannot take it back for himself
  const stolen = await op1.post(`/api/v1/tasks/${id}/assign`, { user: op1.username });
  assert.is(stolen.status, 403);
  assert.is(stolen.body.error.code, 'ROLE_REQUIRED');
  const reassigned = await resp.post(`/api/v1/tasks/${id}/assign`, { user: op1.username });
  assert.is(reassigned.status, 200);
  assert.is(reassigned.body.assignee, op1.username);
  const cleared = await resp.post(`/api/v1/tasks/${id}/assign`, { user: null });
  assert.is(cleared.status, 200);
  assert.is(cleared.body.assignee, null);

  const self = await op1.post(`/api/v1/tasks/${id}/assign`, { user: op1.username });
  assert.is(self.status, 200, JSON.stringify(self.body));
  assert.is(self.body.assignee, op1.username);

  const unknown = await resp.post(`/api/v1/tasks/${id}/assign`, { user: `nessuno-${sfx}` });
  assert.is(unknown.status, 422);
  assert.is(unknown.body.error.code, 'UNKNOWN_USER');
  const otherComune = await resp.post(`/api/v1/tasks/${id}/assign`, { user: foreign.username });
  assert.is(otherComune.status, 422);
  assert.is(otherComune.body.error.code, 'UNKNOWN_USER');
  const badBody = await resp.post(`/api/v1/tasks/${id}/assign`, { utente: op1.username });
  assert.is(badBody.status, 422);
  assert.is(badBody.body.error.code, 'VALIDATION_FAILED');
  assert.is((await op1.get(`/api/v1/tasks/${id}`)).body.assignee, op1.username);

  const hist = await resp.get(`/api/v1/process-instances/${self.body.processInstanceId}/history`);
  const assigned = hist.body.items.filter((e: { type: string }) => e.type === 'task.assigned');
  assert.equal(assigned.map((e: { details: { assignee: string | null } }) => e.details.assignee), [g1Mate.username, op1.username, null, op1.username]);
  assert.equal(assigned.map((e: { user: string }) => e.user), [resp.username, resp.username, resp.username, op1.username]);
});

test('issue 10: assignment only to an active user of the comune who may do the work → else 422 ASSIGNEE_NOT_CANDIDATE / USER_INACTIVE / UNKNOWN_USER', async () => {
  const id = ids['TSK-1']; // G1
  const before = (await resp.get(`/api/v1/tasks/${id}`)).body.assignee;
  // an operatore of another group (G2) may not be given a G1 task
  const notCandidate = await resp.post(`/api/v1/tasks/${id}/assign`, { user: op2.username });
  assert.is(notCandidate.status, 422, JSON.stringify(notCandidate.body));
  assert.is(notCandidate.body.error.code, 'ASSIGNEE_NOT_CANDIDATE');
  assert.match(notCandidate.body.error.message, /non può lavorare questo task/);
  assert.equal(notCandidate.body.error.details.errors.map((e: { field: string }) => e.field), ['user']);
  assert.equal(notCandidate.body.error.details.candidateGroups, [G1]);
  // nor a user in no group at all (the responsabile himself here)
  assert.is((await resp.post(`/api/v1/tasks/${id}/assign`, { user: resp.username })).body.error.code, 'ASSIGNEE_NOT_CANDIDATE');
  // a disabled member of the group
  const retired = await app.user({ tenant, roles: ['operatore'], groups: [G1] });
  await app.services.orm.em.fork().nativeUpdate(User, { username: retired.username }, { active: false });
  const inactive = await resp.post(`/api/v1/tasks/${id}/assign`, { user: retired.username });
  assert.is(inactive.status, 422, JSON.stringify(inactive.body));
  assert.is(inactive.body.error.code, 'USER_INACTIVE');
  assert.match(inactive.body.error.message, /disattivato/);
  assert.is((await resp.get(`/api/v1/tasks/${id}`)).body.assignee, before, 'nothing written');
  const hist = await resp.get(`/api/v1/process-instances/${(await resp.get(`/api/v1/tasks/${id}`)).body.processInstanceId}/history`);
  assert.not.ok(hist.body.items.some((e: { type: string; details: { assignee?: string } | null }) => e.type === 'task.assigned' && [op2.username, retired.username, resp.username].includes(e.details?.assignee ?? '')));
  // a named candidate user may be given the task, a group member may not when the task names users only
  const t5 = ids['TSK-5'];
  assert.is((await resp.post(`/api/v1/tasks/${t5}/assign`, { user: op1.username })).body.error.code, 'ASSIGNEE_NOT_CANDIDATE');
  const toCand = await resp.post(`/api/v1/tasks/${t5}/assign`, { user: CAND });
  assert.is(toCand.status, 200, JSON.stringify(toCand.body));
  assert.is(toCand.body.assignee, CAND);
});

test('complete: non-assignee → 403; assignee → 200; completing again → 409 TASK_NOT_OPEN', async () => {
  const id = ids['TSK-4']; // assigned to op1, group G2
  const byGroupMember = await op2.post(`/api/v1/tasks/${id}/complete`, { variables: { esito: 'x' } });
  assert.is(byGroupMember.status, 403);
  assert.is(byGroupMember.body.error.code, 'NOT_ASSIGNEE');
  const byResp = await resp.post(`/api/v1/tasks/${id}/complete`, {});
  assert.is(byResp.status, 403);
  assert.is(byResp.body.error.code, 'NOT_ASSIGNEE');
  const unassignedByStranger = await cand.post(`/api/v1/tasks/${ids['TSK-3']}/complete`, {});
  assert.is(unassignedByStranger.status, 403);
  assert.is(unassignedByStranger.body.error.code, 'NOT_A_CANDIDATE');
  assert.is((await op1.get(`/api/v1/tasks/${id}`)).body.status, 'open', 'a refused completion changes nothing');

  const done = await op1.post(`/api/v1/tasks/${id}/complete`, { variables: { esito: 'ok' } });
  assert.is(done.status, 200, JSON.stringify(done.body));
  assert.is(done.body.status, 'completed');
  assert.is(done.body.completedBy, op1.username);
  assert.is(done.body.endedAt, app.clock.now().toISOString());

  const again = await op1.post(`/api/v1/tasks/${id}/complete`, { variables: { esito: 'di nuovo' } });
  assert.is(again.status, 409);
  assert.is(again.body.error.code, 'TASK_NOT_OPEN');
  assert.is(again.body.error.details.status, 'completed');
  for (const action of ['claim', 'unclaim']) {
    const r = await op1.post(`/api/v1/tasks/${id}/${action}`);
    assert.is(r.status, 409, action);
    assert.is(r.body.error.code, 'TASK_NOT_OPEN', action);
  }
  const reassign = await resp.post(`/api/v1/tasks/${id}/assign`, { user: op2.username });
  assert.is(reassign.status, 409);
  assert.is(reassign.body.error.code, 'TASK_NOT_OPEN');

  const inst = await op1.get(`/api/v1/process-instances/${done.body.processInstanceId}`);
  assert.is(inst.body.status, 'completed');
  assert.is(inst.body.variables.esito, 'ok', 'the second completion did not overwrite variables');

  // closed tasks leave the default (open) list but remain queryable
  const open = await op1.get('/api/v1/tasks?processKey=tasks_param');
  assert.not.ok(bks(open).includes('TSK-4'));
  assert.is(open.body.total, 5);
  const completed = await op1.get('/api/v1/tasks?processKey=tasks_param&status=completed');
  assert.equal(bks(completed), ['TSK-4']);
  assert.is(completed.body.items[0].completedBy, op1.username);
  assert.is((await op1.get('/api/v1/tasks?processKey=tasks_param&status=all')).body.total, 6);

  // an unassigned task may be completed directly by a candidate
  const direct = await op2.post(`/api/v1/tasks/${ids['TSK-3']}/complete`, {});
  assert.is(direct.status, 200, JSON.stringify(direct.body));
  assert.is(direct.body.completedBy, op2.username);
});

test.run();
