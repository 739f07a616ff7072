/**
 * Exclusive gateways driven by `${…}` conditions, verified through the
 * activeElements (and open tasks) of the started instance.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client, TestApp } from '../helpers/harness.js';
import { startFixture } from '../helpers/fixtures.js';
import { gateway, process } from '../helpers/models.js';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** start → gw: `expr` → yes | default → no */
function condition(id: string, expr: string): string {
  return process(
    id,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="toNo" />
    <bpmn:sequenceFlow id="toYes" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${xmlText(expr)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toNo" sourceRef="gw" targetRef="no" />
    <bpmn:userTask id="yes" name="Sì" camunda:candidateGroups="gw-g" />
    <bpmn:userTask id="no" name="No" camunda:candidateGroups="gw-g" />
    <bpmn:sequenceFlow id="f4" sourceRef="yes" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="no" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

/** A three-way gateway without default: conditions on a string variable. */
const triage = process(
  'gw_triage',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="toUrgent" sourceRef="gw" targetRef="urgent">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${tipo == "urgente"}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toOrdinary" sourceRef="gw" targetRef="ordinary">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${tipo == 'ordinaria'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toOther" sourceRef="gw" targetRef="other">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${tipo != "urgente" &amp;&amp; tipo != "ordinaria"}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="urgent" name="Urgente" camunda:candidateGroups="gw-g" />
    <bpmn:userTask id="ordinary" name="Ordinaria" camunda:candidateGroups="gw-g" />
    <bpmn:userTask id="other" name="Altro" camunda:candidateGroups="gw-g" />
    <bpmn:sequenceFlow id="f5" sourceRef="urgent" targetRef="end" />
    <bpmn:sequenceFlow id="f6" sourceRef="ordinary" targetRef="end" />
    <bpmn:sequenceFlow id="f7" sourceRef="other" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

let app: TestApp;
let op: Client;

test.before(async () => {
  const models = {
    'amount.bpmn': gateway('gw_amount'),
    'ne.bpmn': condition('gw_ne', "${esito != 'respinto'}"),
    'empty.bpmn': condition('gw_empty', '${empty documenti}'),
    'notempty.bpmn': condition('gw_notempty', '${not empty allegati && allegati.length >= 2}'),
    'arith.bpmn': condition('gw_arith', '${richiesta.importi[0] * 2 >= 100}'),
    'mixed.bpmn': condition('gw_mixed', "${(isee + params_extra) / 2 < soglie['base'] - 1 || richiesta.tipo.codice == 'X1'}"),
    'words.bpmn': condition('gw_words', '${amount gt 1000 and not respinta}'),
    'triage.bpmn': triage,
  };
  ({ app, op } = await startFixture({ models, groups: ['gw-g', 'g1'] }));
});
test.after(async () => app.close());

/** Starts `key` and returns its activeElements, checked against the detail and the open task. */
async function route(key: string, variables: Record<string, unknown>): Promise<string[]> {
  const r = await op.post(`/api/v1/process-definitions/${key}/start`, { variables });
  assert.is(r.status, 201, `${key} ${JSON.stringify(variables)}: ${JSON.stringify(r.body)}`);
  assert.is(r.body.status, 'active');
  const detail = await op.get(`/api/v1/process-instances/${r.body.id}`);
  assert.is(detail.status, 200);
  assert.equal(detail.body.activeElements, r.body.activeElements);
  assert.equal(detail.body.openTasks.map((t: { elementId: string }) => t.elementId), r.body.activeElements);
  return r.body.activeElements;
}

test('${amount > 1000 && approved}: both branches', async () => {
  assert.equal(await route('gw_amount', { amount: 1500, approved: true }), ['big']);
  assert.equal(await route('gw_amount', { amount: 1500, approved: false }), ['small']);
  assert.equal(await route('gw_amount', { amount: 1000, approved: true }), ['small'], '1000 is not > 1000');
  assert.equal(await route('gw_amount', { amount: 1000.5, approved: true }), ['big']);
  assert.equal(await route('gw_amount', { amount: 500, approved: true }), ['small']);
  assert.equal(await route('gw_amount', { amount: '2500', approved: 'true' }), ['big'], 'numeric string and "true" coerce');
  assert.equal(await route('gw_amount', { amount: 2500 }), ['small'], 'missing approved is null → false');
  assert.equal(await route('gw_amount', {}), ['small']);
});

test('the branch taken is recorded: the other one is never entered', async () => {
  const r = await op.post('/api/v1/process-definitions/gw_amount/start', { variables: { amount: 5000, approved: true } });
  assert.is(r.status, 201);
  const hist = await op.get(`/api/v1/process-instances/${r.body.id}/history?detail=engine`);
  const entered = hist.body.items.filter((e: { type: string }) => e.type === 'element.entered').map((e: { elementId: string }) => e.elementId);
  assert.ok(entered.includes('gw'));
  assert.ok(entered.includes('big'));
  assert.not.ok(entered.includes('small'));
  const created = hist.body.items.filter((e: { type: string }) => e.type === 'task.created');
  assert.equal(created.map((e: { elementId: string }) => e.elementId), ['big']);
});

test('!= with a string literal', async () => {
  assert.equal(await route('gw_ne', { esito: 'accolto' }), ['yes']);
  assert.equal(await route('gw_ne', { esito: 'respinto' }), ['no']);
  assert.equal(await route('gw_ne', { esito: 'RESPINTO' }), ['yes'], 'string comparison is case-sensitive');
  assert.equal(await route('gw_ne', {}), ['yes'], 'null != "respinto"');
});

test('== with string literals (double and single quotes), three-way gateway', async () => {
  assert.equal(await route('gw_triage', { tipo: 'urgente' }), ['urgent']);
  assert.equal(await route('gw_triage', { tipo: 'ordinaria' }), ['ordinary']);
  assert.equal(await route('gw_triage', { tipo: 'differita' }), ['other']);
  assert.equal(await route('gw_triage', { tipo: 'Urgente' }), ['other']);
});

test('empty and not empty', async () => {
  assert.equal(await route('gw_empty', {}), ['yes'], 'missing');
  assert.equal(await route('gw_empty', { documenti: null }), ['yes']);
  assert.equal(await route('gw_empty', { documenti: '' }), ['yes']);
  assert.equal(await route('gw_empty', { documenti: [] }), ['yes']);
  assert.equal(await route('gw_empty', { documenti: {} }), ['yes']);
  assert.equal(await route('gw_empty', { documenti: ['isee.pdf'] }), ['no']);
  assert.equal(await route('gw_empty', { documenti: 'isee.pdf' }), ['no']);
  assert.equal(await route('gw_empty', { documenti: { isee: true } }), ['no']);
  assert.equal(await route('gw_empty', { documenti: 0 }), ['no'], '0 is not empty');

  assert.equal(await route('gw_notempty', { allegati: ['a', 'b'] }), ['yes']);
  assert.equal(await route('gw_notempty', { allegati: ['a'] }), ['no']);
  assert.equal(await route('gw_notempty', { allegati: [] }), ['no']);
  assert.equal(await route('gw_notempty', {}), ['no']);
});

test('arithmetic with property and index access: ${richiesta.importi[0] * 2 >= 100}', async () => {
  assert.equal(await route('gw_arith', { richiesta: { importi: [50, 1] } }), ['yes'], '50 * 2 >= 100');
  assert.equal(await route('gw_arith', { richiesta: { importi: [49.5, 1000] } }), ['no'], 'only index 0 counts');
  assert.equal(await route('gw_arith', { richiesta: { importi: ['75'] } }), ['yes'], 'numeric string');
  assert.equal(await route('gw_arith', { richiesta: { importi: [] } }), ['no'], 'missing index is null → 0');
  assert.equal(await route('gw_arith', { richiesta: {} }), ['no'], 'missing property is null');
  assert.equal(await route('gw_arith', {}), ['no'], 'missing root is null');

  // (isee + params_extra) / 2 < soglie['base'] - 1 || richiesta.tipo.codice == 'X1'
  assert.equal(await route('gw_mixed', { isee: 100, params_extra: 100, soglie: { base: 102 } }), ['yes'], '100 < 101');
  assert.equal(await route('gw_mixed', { isee: 100, params_extra: 102, soglie: { base: 102 } }), ['no'], '101 < 101 is false');
  assert.equal(await route('gw_mixed', { isee: 100, params_extra: 102, soglie: { base: 102 }, richiesta: { tipo: { codice: 'X1' } } }), ['yes']);

  assert.equal(await route('gw_words', { amount: 1001, respinta: false }), ['yes']);
  assert.equal(await route('gw_words', { amount: 1001, respinta: true }), ['no']);
  assert.equal(await route('gw_words', { amount: 999 }), ['no']);
});

test('a condition that cannot be evaluated → 422 PROCESS_EXECUTION_FAILED and no instance is stored', async () => {
  const before = await op.get('/api/v1/process-instances?key=gw_arith');
  const r = await op.post('/api/v1/process-definitions/gw_arith/start', { variables: { richiesta: { importi: ['molti'] } } });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'PROCESS_EXECUTION_FAILED');
  assert.match(r.body.error.message, /number/i);
  const after = await op.get('/api/v1/process-instances?key=gw_arith');
  assert.is(after.body.total, before.body.total);
  const tasks = await op.get('/api/v1/tasks?processKey=gw_arith');
  assert.is(tasks.body.total, before.body.total, 'one open task per stored instance, none for the failed start');

  const proto = await op.post('/api/v1/process-definitions/gw_arith/start', { variables: { richiesta: { importi: 'abc' } } });
  assert.is(proto.status, 422, 'a string indexed by 0 gives its first character, which is not a number');
  assert.is(proto.body.error.code, 'PROCESS_EXECUTION_FAILED');
  assert.is((await op.get('/api/v1/process-instances?key=gw_arith')).body.total, before.body.total);
});

test('after the gateway the instance runs on to completion', async () => {
  const r = await op.post('/api/v1/process-definitions/gw_amount/start', { variables: { amount: 10, approved: true } });
  assert.equal(r.body.activeElements, ['small']);
  const taskId = r.body.openTasks[0].id;
  const done = await op.post(`/api/v1/tasks/${taskId}/complete`, {});
  assert.is(done.status, 200, JSON.stringify(done.body));
  const inst = await op.get(`/api/v1/process-instances/${r.body.id}`);
  assert.is(inst.body.status, 'completed');
  assert.equal(inst.body.activeElements, []);
  assert.equal(inst.body.openTasks, []);
});

test.run();
