import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { process } from '../helpers/models.js';

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

const model = process(
  'subprocess_tasks',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub" name="Istruttoria">
      <bpmn:startEvent id="subStart" />
      <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="inner" />
      <bpmn:userTask id="inner" name="Task interno" camunda:candidateGroups="g1" />
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="subEnd" />
      <bpmn:endEvent id="subEnd" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after" />
    <bpmn:userTask id="after" name="Dopo" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

test('a user task inside a sub-process becomes an inbox task and completing it leaves the sub-process', async () => {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const admin = await app.admin();
  assert.is((await deploy(admin, { 'sub.bpmn': model })).status, 201);
  const started = await op.post('/api/v1/process-definitions/subprocess_tasks/start', { variables: {} });
  assert.is(started.status, 201, JSON.stringify(started.body));
  const tasks = await op.get(`/api/v1/tasks?processInstanceId=${started.body.id}`);
  assert.equal(tasks.body.items.map((t: { elementId: string }) => t.elementId), ['inner']);
  const done = await op.post(`/api/v1/tasks/${tasks.body.items[0].id}/complete`, { variables: { esito: 'ok' } });
  assert.is(done.status, 200, JSON.stringify(done.body));
  const next = await op.get(`/api/v1/tasks?processInstanceId=${started.body.id}`);
  assert.equal(next.body.items.map((t: { elementId: string }) => t.elementId), ['after']);
  const inst = await op.get(`/api/v1/process-instances/${started.body.id}`);
  assert.is(inst.body.variables.esito, 'ok');
  assert.is((await op.post(`/api/v1/tasks/${next.body.items[0].id}/complete`, {})).status, 200);
  assert.is((await op.get(`/api/v1/process-instances/${started.body.id}`)).body.status, 'completed');
});

test.run();
