/**
 * Small BPMN models for tests, written the way Camunda Modeler writes them.
 * `flow(id, [steps])` builds the common shape start → steps… → end (sequence
 * flows f1, f2, … in order) from element builders (`userTask`, `externalTask`,
 * `serviceTask`, `timer`, `receiveTask`); anything else (boundary events,
 * messages, errors) goes in `extra`/`definitions`. `process(id, body)` takes
 * a hand-written body for the shapes the builder does not cover.
 */
export const HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

export function process(id: string, body: string, extra = ''): string {
  return `${HEADER}
  <bpmn:process id="${id}" name="${id}" isExecutable="true">
${body}
  </bpmn:process>${extra}
</bpmn:definitions>`;
}

/** start → userTask A (group g1) → userTask B (group g1) → end */
export function twoTasks(id: string, opts: { label?: string; group?: string } = {}): string {
  const g = opts.group ?? 'g1';
  return process(
    id,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="taskA" />
    <bpmn:userTask id="taskA" name="Task A${opts.label ?? ''}" camunda:candidateGroups="${g}" camunda:dueDate="P3D" camunda:priority="70" />
    <bpmn:sequenceFlow id="f2" sourceRef="taskA" targetRef="taskB" />
    <bpmn:userTask id="taskB" name="Task B" camunda:candidateGroups="${g}" camunda:assignee="\${owner}" />
    <bpmn:sequenceFlow id="f3" sourceRef="taskB" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

/** start → gateway on ${amount > 1000 && approved} → big | small (default) */
export function gateway(id: string): string {
  return process(
    id,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="toSmall" />
    <bpmn:sequenceFlow id="toBig" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${amount &gt; 1000 &amp;&amp; approved}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toSmall" sourceRef="gw" targetRef="small" />
    <bpmn:userTask id="big" name="Big" camunda:candidateGroups="g1" />
    <bpmn:userTask id="small" name="Small" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="big" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="small" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

/** start → receiveTask (message "esito") → userTask → end; plus an external service task first. */
export function messageAndExternal(id: string): string {
  return process(
    id,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ext" />
    <bpmn:serviceTask id="ext" name="Invio" camunda:type="external" camunda:topic="invio">
      <bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="protocollo">\${protocollo}</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="ext" targetRef="wait" />
    <bpmn:receiveTask id="wait" name="Attesa esito" messageRef="msg1" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="after" />
    <bpmn:userTask id="after" name="Dopo esito" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end" />
    <bpmn:endEvent id="end" />`,
    `
  <bpmn:message id="msg1" name="esito" />`,
  );
}

// ---------------------------------------------------------------- builder

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const attrs = (a: Record<string, string | undefined>) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join('');

/** A user task for candidate group `group` (default g1); optional due date, assignee and any other attribute. */
export function userTask(id: string, name = id, opts: { group?: string; due?: string; assignee?: string; attrs?: Record<string, string> } = {}): string {
  return `<bpmn:userTask${attrs({ id, name, 'camunda:candidateGroups': opts.group ?? 'g1', 'camunda:dueDate': opts.due, 'camunda:assignee': opts.assignee, ...opts.attrs })} />`;
}

/** An external service task on `topic` (Camunda 7 external task); `inner` for extension elements (e.g. a retry cycle). */
export function externalTask(id: string, topic: string, name?: string, inner?: string): string {
  const open = `<bpmn:serviceTask${attrs({ id, name, 'camunda:type': 'external', 'camunda:topic': topic })}`;
  return inner ? `${open}>${inner}</bpmn:serviceTask>` : `${open} />`;
}

/**
 * An error boundary event on `attachedTo` catching `errorCode`, leading to a user task (id `to`, group g1)
 * and its own end: spread into flow()'s options (`{ extra, definitions }`).
 */
export function errorPath(attachedTo: string, o: { errorCode: string; errorName: string; to: string; toName: string }): { extra: string; definitions: string } {
  return {
    extra: `<bpmn:boundaryEvent id="onError" attachedToRef="${attachedTo}">
      <bpmn:errorEventDefinition id="onErrorDef" errorRef="err1" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="fe1" sourceRef="onError" targetRef="${o.to}" />
    ${userTask(o.to, o.toName)}
    <bpmn:sequenceFlow id="fe2" sourceRef="${o.to}" targetRef="end2" />
    <bpmn:endEvent id="end2" />`,
    definitions: `<bpmn:error id="err1" name="${esc(o.errorName)}" errorCode="${esc(o.errorCode)}" />`,
  };
}

/** A service task run by a handler (`\${handler}` delegate expression); `inner` for extension elements. */
export function serviceTask(id: string, handler: string, opts: { name?: string; attrs?: Record<string, string>; inner?: string } = {}): string {
  const open = `<bpmn:serviceTask${attrs({ id, name: opts.name, ...opts.attrs, 'camunda:delegateExpression': `\${${handler}}` })}`;
  return opts.inner ? `${open}>${opts.inner}</bpmn:serviceTask>` : `${open} />`;
}

/** An intermediate timer catch event: exactly one of duration, date, cycle. */
export function timer(id: string, when: { duration: string } | { date: string } | { cycle: string }, name?: string): string {
  const [tag, value] = 'duration' in when ? ['timeDuration', when.duration] : 'date' in when ? ['timeDate', when.date] : ['timeCycle', when.cycle];
  return `<bpmn:intermediateCatchEvent${attrs({ id, name })}><bpmn:timerEventDefinition><bpmn:${tag}>${value}</bpmn:${tag}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`;
}

/** A receive task waiting for the message with id `messageRef` (declare it in `definitions`). */
export function receiveTask(id: string, messageRef: string, name?: string): string {
  return `<bpmn:receiveTask${attrs({ id, name, messageRef })} />`;
}

/**
 * start → steps (in order) → end. Each step is one element from the builders above (its id is read
 * from it); `extra` adds elements to the process (boundary events and their targets), `definitions`
 * adds root elements (messages, errors).
 */
export function flow(id: string, steps: string[], opts: { extra?: string; definitions?: string } = {}): string {
  const ids = ['start', ...steps.map(idOf), 'end'];
  const flows = ids.slice(1).map((target, i) => `<bpmn:sequenceFlow id="f${i + 1}" sourceRef="${ids[i]}" targetRef="${target}" />`);
  const body = ['<bpmn:startEvent id="start" />', ...steps, ...flows, '<bpmn:endEvent id="end" />', ...(opts.extra ? [opts.extra.trim()] : [])];
  return process(id, body.map((l) => `    ${l}`).join('\n'), opts.definitions ? `\n  ${opts.definitions.trim()}` : '');
}

/** start → parallel fork → two timers (waitA, waitB, each `duration`) → join → end. */
export function parallelTimers(id: string, duration: string): string {
  return process(
    id,
    [
      '<bpmn:startEvent id="start" />',
      '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />',
      '<bpmn:parallelGateway id="fork" />',
      '<bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="waitA" />',
      '<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="waitB" />',
      timer('waitA', { duration }),
      timer('waitB', { duration }),
      '<bpmn:sequenceFlow id="f4" sourceRef="waitA" targetRef="join" />',
      '<bpmn:sequenceFlow id="f5" sourceRef="waitB" targetRef="join" />',
      '<bpmn:parallelGateway id="join" />',
      '<bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end" />',
      '<bpmn:endEvent id="end" />',
    ]
      .map((l) => `    ${l}`)
      .join('\n'),
  );
}

function idOf(element: string): string {
  const m = /^\s*<bpmn:\w+[^>]*?\sid="([^"]+)"/.exec(element);
  if (!m) throw new Error(`flow(): a step without id: ${element.slice(0, 80)}`);
  return m[1]!;
}
