/** Outputs of a service handler inside a sub-process are case variables (visible to the API, gateways after the sub-process and workers). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestApp, Client } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { process as bpmn } from '../helpers/models.js';
import { HandlerRegistry } from '../../src/engine/execution/handlers.js';

let app: TestApp;
let op: Client;

test.before(async () => {
  const handlers = new HandlerRegistry([
    { name: 'valuta', description: 'sets esito from punteggio', outputs: ['esito'], run: ({ variables }) => ({ esito: Number(variables.punteggio) >= 10 ? 'alto' : 'basso' }) },
  ]);
  const models = {
    'sub.bpmn': bpmn(
      'sub_outputs',
      `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="s_start" />
      <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="calc" />
      <bpmn:serviceTask id="calc" name="Valuta" camunda:delegateExpression="\${valuta}" />
      <bpmn:sequenceFlow id="s2" sourceRef="calc" targetRef="s_wait" />
      <bpmn:userTask id="s_wait" name="Controllo" camunda:candidateGroups="g1" />
      <bpmn:sequenceFlow id="s3" sourceRef="s_wait" targetRef="s_end" />
      <bpmn:endEvent id="s_end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="high"><bpmn:conditionExpression>\${esito == 'alto'}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="low"><bpmn:conditionExpression>\${esito == 'basso'}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="high" name="Alto" camunda:candidateGroups="g1" />
    <bpmn:userTask id="low" name="Basso" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f5" sourceRef="high" targetRef="end" />
    <bpmn:sequenceFlow id="f6" sourceRef="low" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    ),
  };
  ({ app, op } = await startFixture({ handlers, models }));
});
test.after(async () => app.close());

test('a handler output set inside a sub-process reaches the case and the gateway after it', async () => {
  const inst = (await op.post('/api/v1/process-definitions/sub_outputs/start', { variables: { punteggio: 12 } })).body;
  const waiting = (await op.get(`/api/v1/process-instances/${inst.id}`)).body;
  assert.ok(waiting.activeElements.includes('s_wait'));
  assert.is(waiting.variables.esito, 'alto', 'visible while the sub-process still runs');
  const task = (await op.get(`/api/v1/tasks?processInstanceId=${inst.id}`)).body.items[0];
  assert.is((await op.post(`/api/v1/tasks/${task.id}/complete`, {})).status, 200);
  const got = (await op.get(`/api/v1/process-instances/${inst.id}`)).body;
  assert.equal(got.activeElements, ['high']);
  assert.is(got.variables.esito, 'alto');
});

test.run();
