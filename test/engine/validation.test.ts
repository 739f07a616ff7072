/**
 * Deploy-time validation (src/engine/definitions/validation), through
 * compileBpmn: one crafted model per refusal rule (rule id, element id and
 * source line asserted), the advice returned as warnings, and valid models
 * (declared variables, rei.bpmn) passing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { compileBpmn, type CompileOptions, type DeployContext } from '../../src/engine/definitions/compile.js';
import { Findings } from '../../src/engine/definitions/validation/index.js';
import { formIdOf } from '../../src/engine/definitions/validation/user-tasks.js';
import { timerValueProblem } from '../../src/engine/definitions/validation/timers.js';
import type { Problem } from '../../src/shared/errors.js';
import { defaultHandlers } from '../../src/tasks/handlers/index.js';
import { formVariables, parseFormSource } from '../../src/tailoring/forms/schema.js';

const registry = defaultHandlers();
const base: CompileOptions = { handlerNames: registry.names(), handlerOutputs: registry.outputs() };

const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

/** A process `validation_<key>`; `variables` adds the camunda:properties declaration. */
function model(key: string, body: string, opts: { variables?: string; extra?: string } = {}): string {
  const declared = opts.variables === undefined
    ? ''
    : `
    <bpmn:extensionElements>
      <camunda:properties>
        <camunda:property name="variables" value="${opts.variables}" />
      </camunda:properties>
    </bpmn:extensionElements>`;
  return `${HEADER}
  <bpmn:process id="validation_${key}" name="${key}" isExecutable="true">${declared}
${body}
  </bpmn:process>${opts.extra ?? ''}
</bpmn:definitions>`;
}

/** 1-based line of the element with that id in the test's own source. */
const line = (xml: string, id: string): number => xml.split('\n').findIndex((l) => l.includes(`id="${id}"`)) + 1;

const compile = (xml: string, context?: DeployContext, extra: Partial<CompileOptions> = {}) => compileBpmn(xml, { ...base, ...extra, ...(context ? { context } : {}) });
const show = (ps: Problem[]) => JSON.stringify(ps, null, 1);
const ofRule = (ps: Problem[], rule: string) => ps.filter((p) => p.rule === rule);

/** Asserts exactly one error of `rule`, on `elementId`, at that element's line; returns it. */
function onlyError(result: { errors: Problem[]; processes: unknown[] }, rule: string, elementId: string, xml: string): Problem {
  assert.is(result.processes.length, 0, 'a refused file compiles no process');
  const found = ofRule(result.errors, rule);
  assert.is(found.length, 1, show(result.errors));
  const p = found[0]!;
  assert.is(p.elementId, elementId);
  assert.is(p.line, line(xml, elementId));
  assert.ok(p.line! > 1);
  assert.type(p.message, 'string');
  return p;
}

const TASK = (id: string, attrs = '') => `    <bpmn:userTask id="${id}" name="${id}" camunda:candidateGroups="g1" camunda:dueDate="P3D" ${attrs} />`;
const FLOW = (id: string, from: string, to: string, condition?: string) =>
  condition === undefined
    ? `    <bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}" />`
    : `    <bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>`;
/** start → task(attrs) → end */
const linear = (key: string, taskAttrs = '', opts: { variables?: string } = {}) =>
  model(key, [`    <bpmn:startEvent id="start" />`, FLOW('f1', 'start', 'task'), TASK('task', taskAttrs), FLOW('f2', 'task', 'end'), `    <bpmn:endEvent id="end" />`].join('\n'), opts);

// ---------------------------------------------------------------- 1. XML

test('xml-syntax: a file that does not parse is refused with line and column', async () => {
  const xml = linear('xml').replace('<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end">');
  const r = await compile(xml);
  assert.is(r.processes.length, 0);
  const e = ofRule(r.errors, 'xml-syntax')[0];
  assert.ok(e, show(r.errors));
  assert.type(e!.line, 'number');
  assert.type(e!.column, 'number');
  assert.ok(e!.line! >= line(xml, 'end'), show(r.errors));
});

// ---------------------------------------------------------------- 2. forms and groups

test('form-unknown: a user task naming a form the comune does not have', async () => {
  const xml = linear('form', 'camunda:formKey="camunda-forms:deployment:modulo-fantasma"');
  const r = await compile(xml, { tenant: 'F205', formIds: new Set(['domanda']) });
  const e = onlyError(r, 'form-unknown', 'task', xml);
  assert.match(e.message, 'modulo-fantasma');
});

test('form ids: plain, camunda-forms:deployment: and camunda-forms:app: keys; skipped without formIds', async () => {
  assert.is(formIdOf('domanda'), 'domanda');
  assert.is(formIdOf('camunda-forms:deployment:domanda'), 'domanda');
  assert.is(formIdOf('camunda-forms:app:forms/sub/domanda.form'), 'domanda');
  assert.is(formIdOf('${formScelto}'), undefined);
  const ctx: DeployContext = { tenant: 'F205', formIds: new Set(['domanda']) };
  for (const key of ['domanda', 'camunda-forms:deployment:domanda', 'camunda-forms:app:forms/domanda.form']) {
    const r = await compile(linear('form_ok', `camunda:formKey="${key}"`), ctx);
    assert.equal(r.errors, [], `${key}: ${show(r.errors)}`);
  }
  const skipped = await compile(linear('form_skip', 'camunda:formKey="qualunque"'), { tenant: null });
  assert.equal(skipped.errors, [], show(skipped.errors));
});

test('candidate-group-unknown: literal groups must exist, ${…} items are not checked', async () => {
  const xml = linear('group').replace('camunda:candidateGroups="g1"', 'camunda:candidateGroups="g1, fantasma, ${params.gruppi.operatori}"');
  const r = await compile(xml, { tenant: 'F205', groups: new Set(['g1']) });
  const e = onlyError(r, 'candidate-group-unknown', 'task', xml);
  assert.match(e.message, '"fantasma"');
  const skipped = await compile(xml, { tenant: null });
  assert.equal(skipped.errors, [], show(skipped.errors));
});

// ---------------------------------------------------------------- 3. service tasks

test('service-implementation and service-handler: a service task must name a registered handler or a topic', async () => {
  const none = model('svc_none', [`    <bpmn:startEvent id="start" />`, FLOW('f1', 'start', 'svc'), `    <bpmn:serviceTask id="svc" name="Niente" />`, FLOW('f2', 'svc', 'end'), `    <bpmn:endEvent id="end" />`].join('\n'));
  onlyError(await compile(none), 'service-implementation', 'svc', none);
  const unknown = none.replace('name="Niente"', 'name="Ignoto" camunda:delegateExpression="${handlerIgnoto}"');
  const e = onlyError(await compile(unknown), 'service-handler', 'svc', unknown);
  assert.match(e.message, 'handlerIgnoto');
  const external = none.replace('name="Niente"', 'name="Esterno" camunda:type="external" camunda:topic="invio"');
  assert.equal((await compile(external)).errors, []);
});

// ---------------------------------------------------------------- 4. expressions

test('expression-syntax: in a timer value, a user-task attribute and a condition', async () => {
  const timer = model('expr_timer', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'wait'),
    `    <bpmn:intermediateCatchEvent id="wait" name="Attesa">
      <bpmn:timerEventDefinition id="wait_def"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">\${giorni +}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>`,
    FLOW('f2', 'wait', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), { variables: 'giorni' });
  onlyError(await compile(timer), 'expression-syntax', 'wait', timer);

  const attr = linear('expr_attr', 'camunda:assignee="${owner ==}"', { variables: 'owner' });
  onlyError(await compile(attr), 'expression-syntax', 'task', attr);

  const notAnExpression = model('expr_cond', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" default="fNo" />`,
    FLOW('fYes', 'gw', 'end', 'importo &gt; 10'),
    FLOW('fNo', 'gw', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'));
  const e = onlyError(await compile(notAnExpression), 'expression-syntax', 'fYes', notAnExpression);
  assert.match(e.message, '${…}');
});

/** start → gateway on `condition` (else default) → end, plus a service task using verificaIsee. */
const gatewayOn = (key: string, condition: string, opts: { variables?: string } = {}) =>
  model(key, [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'isee'),
    `    <bpmn:serviceTask id="isee" name="Verifica" camunda:delegateExpression="\${verificaIsee}" />`,
    FLOW('f2', 'isee', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" default="fNo" />`,
    FLOW('fYes', 'gw', 'end', condition),
    FLOW('fNo', 'gw', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), opts);

test('expression-undefined-variable: an error when the process declares its variables', async () => {
  const xml = gatewayOn('vars_strict', '${iseeOk &amp;&amp; esitoIgnoto == \'ok\'}', { variables: 'isee, richiedente' });
  const e = onlyError(await compile(xml), 'expression-undefined-variable', 'fYes', xml);
  assert.match(e.message, '"esitoIgnoto"');
  assert.not.match(e.message, 'iseeOk', 'iseeOk is a declared output of verificaIsee');
});

test('expression-undefined-variable: only a warning when the process declares nothing, or a source is unknown', async () => {
  const undeclared = gatewayOn('vars_loose', '${esitoIgnoto == \'ok\'}');
  const r = await compile(undeclared);
  assert.equal(r.errors, [], show(r.errors));
  assert.is(r.processes.length, 1);
  const w = ofRule(r.warnings, 'expression-undefined-variable');
  assert.is(w.length, 1, show(r.warnings));
  assert.is(w[0]!.elementId, 'fYes');
  assert.is(w[0]!.line, line(undeclared, 'fYes'));
  assert.match(w[0]!.message, 'variables');

  // Declared, but verificaIsee's outputs are not known to this compile: it might set the variable.
  const declared = gatewayOn('vars_unknown_source', '${esitoIgnoto == \'ok\'}', { variables: 'isee' });
  const unknown = await compile(declared, undefined, { handlerOutputs: new Map() });
  assert.equal(unknown.errors, [], show(unknown.errors));
  assert.match(ofRule(unknown.warnings, 'expression-undefined-variable')[0]?.message ?? '', 'verificaIsee');
});

test('variables defined by form fields (context.formFields), output parameters, result variables', async () => {
  const xml = model('vars_sources', [
    `    <bpmn:startEvent id="start" camunda:formKey="domanda" />`,
    FLOW('f1', 'start', 'calc'),
    `    <bpmn:serviceTask id="calc" name="Calcolo" camunda:type="external" camunda:topic="calcolo">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:outputParameter name="punteggio">\${risultatoGrezzo * 2}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`,
    FLOW('f2', 'calc', 'review'),
    TASK('review', 'camunda:formKey="camunda-forms:deployment:revisione" camunda:assignee="${operatore}"'),
    FLOW('f3', 'review', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" default="fNo" />`,
    FLOW('fYes', 'gw', 'end', '${approvato &amp;&amp; punteggio &gt; params.soglia}'),
    FLOW('fNo', 'gw', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'));
  const ctx: DeployContext = {
    tenant: 'F205',
    formIds: new Set(['domanda', 'revisione']),
    formFields: { domanda: ['operatore', 'isee'], revisione: ['approvato', 'note'] },
    params: { validation_vars_sources: { soglia: 10 } },
  };
  const ok = await compile(xml, ctx);
  assert.equal(ok.errors, [], show(ok.errors));
  assert.equal(ofRule(ok.warnings, 'expression-undefined-variable'), [], show(ok.warnings));

  // formFields given makes the check strict even without a declaration: a field that is not there is an error.
  const r = await compile(xml, { ...ctx, formFields: { domanda: ['operatore'], revisione: ['note'] } });
  const e = onlyError(r, 'expression-undefined-variable', 'fYes', xml);
  assert.match(e.message, '"approvato"');
});

test('expression-unknown-param: params.x.y must exist in the process parameters', async () => {
  const xml = linear('params', 'camunda:followUpDate="${params.scadenze.sollecito}"').replace('camunda:candidateGroups="g1"', 'camunda:candidateGroups="${params.gruppi.operatori}"');
  const params = { validation_params: { gruppi: { operatori: 'operatori-rei' }, scadenze: { primo: 'P1D' } } };
  const e = onlyError(await compile(xml, { tenant: 'F205', params }), 'expression-unknown-param', 'task', xml);
  assert.match(e.message, 'params.scadenze.sollecito');
  const fine = await compile(xml, { tenant: 'F205', params: { validation_params: { ...params.validation_params, scadenze: { sollecito: 'P2D' } } } });
  assert.equal(fine.errors, [], show(fine.errors));
  const skipped = await compile(xml, { tenant: 'F205' });
  assert.equal(skipped.errors, [], 'without parameters for the key the check is skipped');
});

test('expression-unknown-function: only the engine functions can be called', async () => {
  const xml = linear('fn', 'camunda:followUpDate="${aggiungiGiorni(now(), 3)}"');
  const e = onlyError(await compile(xml), 'expression-unknown-function', 'task', xml);
  assert.match(e.message, 'aggiungiGiorni');
  const fine = await compile(linear('fn_ok', 'camunda:followUpDate="${now()}"'));
  assert.equal(fine.errors, []);
});

// ---------------------------------------------------------------- 5. timers

/** start → timer catch event with `<kind>value</kind>` → end */
const timerModel = (key: string, kind: string, value: string) =>
  model(key, [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'timer'),
    `    <bpmn:intermediateCatchEvent id="timer" name="Attesa">
      <bpmn:timerEventDefinition id="timer_def"><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${value}</bpmn:${kind}></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>`,
    FLOW('f2', 'timer', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), { variables: 'giorni, quando' });

test('timer-invalid: duration, date-time and cycle formats (cron is not supported)', async () => {
  const bad: Array<[string, string, string]> = [
    ['timeDuration', '3 giorni', 'durata'],
    ['timeDuration', 'P', 'durata'],
    ['timeDate', '2026-02-30T10:00:00Z', 'data-ora'],
    ['timeDate', '01/03/2026', 'data-ora'],
    ['timeCycle', '0 0 9 * * ?', 'cron'],
    ['timeCycle', 'PT1H', 'R[n]'],
  ];
  for (const [kind, value, hint] of bad) {
    const xml = timerModel(`timer_bad_${kind}`, kind, value);
    const e = onlyError(await compile(xml), 'timer-invalid', 'timer', xml);
    assert.match(e.message, hint, `${kind}=${value}: ${e.message}`);
  }
  const empty = timerModel('timer_empty', 'timeDuration', '').replace(/<bpmn:timeDuration[^>]*><\/bpmn:timeDuration>/, '');
  onlyError(await compile(empty), 'timer-invalid', 'timer', empty);

  const good: Array<[string, string]> = [
    ['timeDuration', 'P3D'],
    ['timeDuration', 'PT12H30M'],
    ['timeDuration', 'P${giorni}D'],
    ['timeDate', '2026-03-01T09:00:00Z'],
    ['timeDate', '2026-03-01T09:00:00+01:00'],
    ['timeDate', '${quando}'],
    ['timeCycle', 'R3/PT1H'],
    ['timeCycle', 'R/2026-01-01T08:00:00Z/P1D'],
  ];
  for (const [kind, value] of good) {
    const r = await compile(timerModel(`timer_ok`, kind, value));
    assert.equal(r.errors, [], `${kind}=${value}: ${show(r.errors)}`);
  }
  assert.is(timerValueProblem('timeCycle', 'R2/2026-01-01T08:00:00Z/2026-01-02T08:00:00Z'), undefined);
});

// ---------------------------------------------------------------- 6. reachability

test('unreachable: a task no path leads to', async () => {
  const xml = model('unreach', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'task'),
    TASK('task'),
    FLOW('f2', 'task', 'end'),
    TASK('orphan'),
    FLOW('f3', 'orphan', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'));
  const e = onlyError(await compile(xml), 'unreachable', 'orphan', xml);
  assert.match(e.message, 'orphan');
});

test('unreachable: inside a sub-process, from its own start; an unreachable sub-process is reported once', async () => {
  const xml = model('unreach_sub', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'sub'),
    `    <bpmn:subProcess id="sub" name="Sotto">
      <bpmn:startEvent id="subStart" />
      <bpmn:sequenceFlow id="sf1" sourceRef="subStart" targetRef="subTask" />
      <bpmn:userTask id="subTask" name="Dentro" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
      <bpmn:sequenceFlow id="sf2" sourceRef="subTask" targetRef="subEnd" />
      <bpmn:userTask id="subOrphan" name="Isolato" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
      <bpmn:sequenceFlow id="sf3" sourceRef="subOrphan" targetRef="subEnd" />
      <bpmn:endEvent id="subEnd" />
    </bpmn:subProcess>`,
    FLOW('f2', 'sub', 'end'),
    `    <bpmn:subProcess id="deadSub" name="Mai avviato">
      <bpmn:startEvent id="deadStart" />
      <bpmn:sequenceFlow id="df1" sourceRef="deadStart" targetRef="deadEnd" />
      <bpmn:endEvent id="deadEnd" />
    </bpmn:subProcess>`,
    FLOW('f3', 'deadSub', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'));
  const r = await compile(xml);
  const found = ofRule(r.errors, 'unreachable');
  assert.equal(found.map((e) => e.elementId).sort(), ['deadSub', 'subOrphan'], show(r.errors));
  assert.is(found.find((e) => e.elementId === 'subOrphan')!.line, line(xml, 'subOrphan'));
});

test('reachable: boundary events of a reachable task, event sub-processes, link events, start-less sub-processes', async () => {
  const xml = model('reach_ok', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'task'),
    TASK('task'),
    `    <bpmn:boundaryEvent id="late" attachedToRef="task">
      <bpmn:timerEventDefinition id="late_def"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P5D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>`,
    FLOW('f2', 'late', 'lateEnd'),
    `    <bpmn:endEvent id="lateEnd" />`,
    FLOW('f3', 'task', 'throwLink'),
    `    <bpmn:intermediateThrowEvent id="throwLink"><bpmn:linkEventDefinition id="l1" name="salto" /></bpmn:intermediateThrowEvent>`,
    `    <bpmn:intermediateCatchEvent id="catchLink"><bpmn:linkEventDefinition id="l2" name="salto" /></bpmn:intermediateCatchEvent>`,
    FLOW('f4', 'catchLink', 'inner'),
    `    <bpmn:subProcess id="inner" name="Senza inizio">
      <bpmn:userTask id="innerTask" name="Primo" camunda:candidateGroups="g1" camunda:dueDate="P1D" />
    </bpmn:subProcess>`,
    FLOW('f5', 'inner', 'end'),
    `    <bpmn:endEvent id="end" />`,
    `    <bpmn:subProcess id="onMessage" triggeredByEvent="true">
      <bpmn:startEvent id="msgStart" isInterrupting="false"><bpmn:messageEventDefinition id="md" messageRef="msg" /></bpmn:startEvent>
      <bpmn:sequenceFlow id="ef1" sourceRef="msgStart" targetRef="msgEnd" />
      <bpmn:endEvent id="msgEnd" />
    </bpmn:subProcess>`,
  ].join('\n'), { extra: '\n  <bpmn:message id="msg" name="avviso" />' });
  const r = await compile(xml);
  assert.equal(r.errors, [], show(r.errors));
  assert.is(r.processes.length, 1);
});

// ---------------------------------------------------------------- 7. gateway conditions

test('gateway-missing-condition: a split flow without condition that is not the default', async () => {
  const xml = model('gw_cond', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" />`,
    FLOW('fYes', 'gw', 'end', '${approvato}'),
    FLOW('fNo', 'gw', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), { variables: 'approvato' });
  onlyError(await compile(xml), 'gateway-missing-condition', 'fNo', xml);

  const withDefault = xml.replace('<bpmn:exclusiveGateway id="gw" />', '<bpmn:exclusiveGateway id="gw" default="fNo" />');
  assert.equal((await compile(withDefault)).errors, []);
  const inclusive = xml.replace('<bpmn:exclusiveGateway id="gw" />', '<bpmn:inclusiveGateway id="gw" />');
  onlyError(await compile(inclusive), 'gateway-missing-condition', 'fNo', inclusive);
  const single = model('gw_single', [`    <bpmn:startEvent id="start" />`, FLOW('f1', 'start', 'gw'), `    <bpmn:exclusiveGateway id="gw" />`, FLOW('f2', 'gw', 'end'), `    <bpmn:endEvent id="end" />`].join('\n'));
  assert.equal((await compile(single)).errors, [], 'one outgoing flow needs no condition');
});

// ---------------------------------------------------------------- warnings

test('warnings: user task without due date or without anybody to take it; bpmnlint advice', async () => {
  const xml = model('warn', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'lonely'),
    `    <bpmn:userTask id="lonely" />`,
    FLOW('f2', 'lonely', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'));
  const r = await compile(xml);
  assert.equal(r.errors, [], show(r.errors));
  assert.is(r.processes.length, 1, 'warnings never block');
  for (const rule of ['user-task-no-due-date', 'user-task-unassigned']) {
    const w = ofRule(r.warnings, rule);
    assert.is(w.length, 1, `${rule}: ${show(r.warnings)}`);
    assert.is(w[0]!.elementId, 'lonely');
    assert.is(w[0]!.line, line(xml, 'lonely'));
  }
  const lint = r.warnings.filter((w) => w.rule?.startsWith('bpmnlint/'));
  assert.ok(lint.some((w) => w.rule === 'bpmnlint/label-required' && w.elementId === 'lonely'), show(lint));
  assert.ok(lint.some((w) => w.rule === 'bpmnlint/no-bpmndi'), 'a model without diagram gets the no-bpmndi advice');
  assert.ok(ofRule(r.warnings, 'bpmnlint/no-bpmndi').length === 1, 'identical advice on many elements is grouped');
});

test('bpmnlint rules that duplicate ours are off, and bpmnlint never refuses', async () => {
  const xml = model('lint_dup', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" default="fNo" />`,
    FLOW('fYes', 'gw', 'end', '${ok}'),
    FLOW('fNo', 'gw', 'orphan'),
    TASK('orphan'),
    TASK('island'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), { variables: 'ok' });
  const r = await compile(xml);
  assert.equal(r.errors.map((e) => `${e.rule}:${e.elementId}`), ['unreachable:island'], show(r.errors));
  for (const rule of ['no-disconnected', 'no-implicit-start', 'conditional-flows']) assert.equal(ofRule(r.warnings, `bpmnlint/${rule}`), []);
  assert.ok(r.warnings.some((w) => w.rule === 'bpmnlint/no-implicit-end' && w.elementId === 'orphan'), show(r.warnings));
});

test('a failing rule becomes a validation-internal warning, never a crash', () => {
  const findings = new Findings('<x id="el"/>');
  findings.guard('prova', 'el', () => {
    throw new TypeError('boom');
  });
  assert.equal(findings.errors, []);
  assert.is(findings.warnings.length, 1);
  assert.is(findings.warnings[0]!.rule, 'validation-internal');
  assert.is(findings.warnings[0]!.elementId, 'el');
  assert.match(findings.warnings[0]!.message, 'boom');
});

// ---------------------------------------------------------------- valid models

test('a valid model with declared variables passes without variable warnings', async () => {
  const xml = model('valid', [
    `    <bpmn:startEvent id="start" />`,
    FLOW('f1', 'start', 'scadenza'),
    `    <bpmn:serviceTask id="scadenza" name="Scadenza" camunda:delegateExpression="\${calcolaScadenza}" />`,
    FLOW('f2', 'scadenza', 'task'),
    `    <bpmn:userTask id="task" name="Istruttoria" camunda:candidateGroups="\${params.gruppi.operatori}" camunda:assignee="\${operatore}" camunda:dueDate="\${scadenzaIstruttoria}" />`,
    `    <bpmn:boundaryEvent id="sollecito" attachedToRef="task" cancelActivity="false">
      <bpmn:timerEventDefinition id="sollecito_def"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P\${params.giorni}D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>`,
    FLOW('f3', 'sollecito', 'sollecitoEnd'),
    `    <bpmn:endEvent id="sollecitoEnd" />`,
    FLOW('f4', 'task', 'gw'),
    `    <bpmn:exclusiveGateway id="gw" default="fNo" />`,
    FLOW('fYes', 'gw', 'end', '${esito == \'ok\' &amp;&amp; isee &lt;= params.iseeMax}'),
    FLOW('fNo', 'gw', 'end'),
    `    <bpmn:endEvent id="end" />`,
  ].join('\n'), { variables: 'isee, operatore, esito' });
  const ctx: DeployContext = { tenant: 'F205', groups: new Set(['operatori-rei']), formIds: new Set(), formFields: {}, params: { validation_valid: { gruppi: { operatori: 'operatori-rei' }, giorni: 3, iseeMax: 6000 } } };
  const r = await compile(xml, ctx);
  assert.equal(r.errors, [], show(r.errors));
  assert.is(r.processes.length, 1);
  assert.is(r.processes[0]!.key, 'validation_valid');
  assert.equal(r.warnings.filter((w) => !w.rule?.startsWith('bpmnlint/')), [], show(r.warnings));
});

/** The shared forms of forms/ with the variables their fields write, as a deployment sees them. */
function reiForms(): Pick<DeployContext, 'formIds' | 'formFields'> {
  const formFields: Record<string, string[]> = {};
  for (const file of readdirSync('forms').filter((f) => f.endsWith('.form'))) formFields[file.replace(/\.form$/, '')] = formVariables(parseFormSource(readFileSync(`forms/${file}`, 'utf8')).schema!);
  return { formIds: new Set(Object.keys(formFields)), formFields };
}

test('processes/rei.bpmn deploys: strictly checked with the handlers outputs and its forms\' fields', async () => {
  const xml = readFileSync('processes/rei.bpmn', 'utf8');
  const params = JSON.parse(readFileSync('processes/rei.params.json', 'utf8')) as Record<string, unknown>;
  const strict = await compile(xml, {
    tenant: 'F205',
    params: { rei: params },
    groups: new Set(Object.values(params.gruppi as Record<string, string>)),
    ...reiForms(),
  });
  assert.equal(strict.errors, [], show(strict.errors));
  assert.is(strict.processes.length, 1);
  assert.equal(ofRule(strict.warnings, 'expression-undefined-variable'), []);
  const bare = await compileBpmn(xml, { handlerNames: registry.names() });
  assert.equal(bare.errors, [], show(bare.errors));
  assert.is(bare.processes.length, 1);
});

test.run();
