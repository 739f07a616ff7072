import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

test('start → claim → complete → complete → completed, with history', async () => {
  const tenant = await app.tenant();
  const admin = await app.admin();
  const dep = await deploy(admin, { 'smoke.bpmn': twoTasks('smoke') });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const started = await op.post('/api/v1/process-definitions/smoke/start', { variables: { owner: op.username } });
  assert.is(started.status, 201, JSON.stringify(started.body));
  assert.equal(started.body.activeElements, ['taskA']);
  const inbox = await op.get(`/api/v1/tasks?mine=true&processKey=smoke`);
  assert.is(inbox.body.total, 1);
  const taskId = inbox.body.items[0].id;
  assert.is((await op.post(`/api/v1/tasks/${taskId}/claim`)).status, 200);
  const done = await op.post(`/api/v1/tasks/${taskId}/complete`, { variables: { note: 'ok' } });
  assert.is(done.status, 200, JSON.stringify(done.body));
  const b = await op.get(`/api/v1/tasks?assignee=me&processKey=smoke`);
  assert.is(b.body.total, 1);
  assert.is(b.body.items[0].elementId, 'taskB');
  assert.is((await op.post(`/api/v1/tasks/${b.body.items[0].id}/complete`, {})).status, 200);
  const inst = await op.get(`/api/v1/process-instances/${started.body.id}`);
  assert.is(inst.body.status, 'completed');
  assert.is(inst.body.variables.note, 'ok');
  const hist = await op.get(`/api/v1/process-instances/${started.body.id}/history`);
  const types = hist.body.items.map((e: { type: string }) => e.type);
  assert.ok(types.includes('task.claimed'));
  assert.is(types.filter((t: string) => t === 'task.completed').length, 2);
  assert.is(types.at(-1), 'process.completed');
});

test.run();
