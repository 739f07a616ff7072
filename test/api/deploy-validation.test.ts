/**
 * Validation before deploy, through the HTTP API: a refused model answers 422
 * with located problems and stores nothing; advice comes back as warnings
 * with a 201. (Rule-by-rule cases are in test/engine/validation.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process } from '../helpers/models.js';

let app: TestApp;
let admin: Client;
let tenant: string;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  tenant = await app.tenant('Comune validazione deploy');
  // The comune's candidate groups are its users' groups: the models below name g1.
  await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
});
test.after(async () => app.close());

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body)}`;
const lineOf = (xml: string, id: string) => xml.split('\n').findIndex((l) => l.includes(`id="${id}"`)) + 1;

async function definitionCount(key: string): Promise<number> {
  const r = await admin.get(`/api/v1/process-definitions?key=${encodeURIComponent(key)}`);
  assert.is(r.status, 200, show(r));
  return r.body.items.length;
}

test('an unreachable task and an unconditioned gateway flow: 422 with rule, element and line; nothing stored', async () => {
  const key = 'deployvalidation_refused';
  const xml = process(key, `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="fA" sourceRef="gw" targetRef="a">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${ok}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fB" sourceRef="gw" targetRef="a" />
    <bpmn:userTask id="a" name="A" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="end" />
    <bpmn:userTask id="nowhere" name="Irraggiungibile" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
    <bpmn:sequenceFlow id="f3" sourceRef="nowhere" targetRef="end" />
    <bpmn:endEvent id="end" />`);
  const r = await deploy(admin, { 'refused.bpmn': xml }, tenant);
  assert.is(r.status, 422, show(r));
  assert.is(r.body.error.code, 'DEPLOYMENT_INVALID');
  const errors = r.body.error.details.errors as Array<{ rule: string; elementId: string; line: number; file: string; message: string }>;
  const brief = errors.map((e) => ({ rule: e.rule, elementId: e.elementId, line: e.line, file: e.file }));
  assert.equal(
    brief.sort((x, y) => x.line - y.line),
    [
      { rule: 'gateway-missing-condition', elementId: 'fB', line: lineOf(xml, 'fB'), file: 'refused.bpmn' },
      { rule: 'unreachable', elementId: 'nowhere', line: lineOf(xml, 'nowhere'), file: 'refused.bpmn' },
    ],
    show(r),
  );
  assert.ok(errors.every((e) => e.message.length > 10));
  assert.ok(Array.isArray(r.body.error.details.warnings));
  assert.is(await definitionCount(key), 0, 'a refused deployment stores nothing');
});

test('a variable read but never defined refuses a process that declares its variables', async () => {
  const key = 'deployvalidation_vars';
  const xml = process(key, `    <bpmn:extensionElements>
      <camunda:properties><camunda:property name="variables" value="richiedente" /></camunda:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="Esame" camunda:assignee="\${istruttore}" camunda:candidateGroups="g1" camunda:dueDate="P2D" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />`);
  const r = await deploy(admin, { 'vars.bpmn': xml }, tenant);
  assert.is(r.status, 422, show(r));
  const [e, ...rest] = r.body.error.details.errors;
  assert.equal(rest, [], show(r));
  assert.is(e.rule, 'expression-undefined-variable');
  assert.is(e.elementId, 'task');
  assert.is(e.line, lineOf(xml, 'task'));
  assert.match(e.message, 'istruttore');
  assert.is(await definitionCount(key), 0);

  // Declaring it makes the same model deploy.
  const fixed = xml.replace('value="richiedente"', 'value="richiedente, istruttore"');
  const ok = await deploy(admin, { 'vars.bpmn': fixed }, tenant);
  assert.is(ok.status, 201, show(ok));
  assert.is(await definitionCount(key), 1);
});

test('advice comes back as warnings with a successful deployment', async () => {
  const key = 'deployvalidation_warnings';
  const xml = process(key, `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="fNo" />
    <bpmn:sequenceFlow id="fYes" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${esito == 'ok'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fNo" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end" />`);
  const r = await deploy(admin, { 'warnings.bpmn': xml }, tenant);
  assert.is(r.status, 201, show(r));
  assert.is(r.body.definitions[0].key, key);
  const warnings = r.body.warnings as Array<{ rule: string; elementId?: string; line?: number; file: string }>;
  const has = (rule: string, elementId: string) => warnings.some((w) => w.rule === rule && w.elementId === elementId && w.line === lineOf(xml, elementId) && w.file === 'warnings.bpmn');
  assert.ok(has('user-task-no-due-date', 'task'), show(r));
  assert.ok(has('user-task-unassigned', 'task'), show(r));
  assert.ok(has('expression-undefined-variable', 'fYes'), 'undeclared variables are only a warning when the process declares none');
  assert.ok(warnings.some((w) => w.rule.startsWith('bpmnlint/')), show(r));
});

test.run();
