/** Small BPMN models for tests, written the way Camunda Modeler writes them. */
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
