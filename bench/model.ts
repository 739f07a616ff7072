/**
 * The case-like model every step benchmark runs, on both paths:
 * start → verificaIsee (in-process service task) → gateway on ${iseeOk}
 *       → istruttoria (user task) → approvazione (user task) → end.
 * The "no" branch of the gateway (rigetto) exists so the gateway is a real
 * decision, but the benchmark cases all pass the ISEE check.
 * One case = 3 steps: start, complete istruttoria, complete approvazione.
 * No camunda:formKey: forms are deployed per comune and the benchmark must not
 * depend on the form files of the checkout.
 */
export const BENCH_PROCESS_KEY = 'bench_caso_rei';
export const BENCH_GROUP = 'bench-operatori';

/** The user tasks of a case, in the order they are completed. */
export const USER_TASKS = ['istruttoria', 'approvazione'] as const;
export const STEPS_PER_CASE = 1 + USER_TASKS.length;

/** ISEE under the REI threshold (6,000 €), so verificaIsee sets iseeOk = true. */
export const caseVariables = (i: number) => ({ isee: 1000 + (i % 4000), richiedente: `Richiedente ${i}` });
/** Variables sent with each task completion. */
export const completionVariables = (elementId: string) => ({ [`esito_${elementId}`]: 'ok', note: `completato ${elementId}` });

export const BENCH_MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="bench-definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${BENCH_PROCESS_KEY}" name="Caso REI (benchmark)" isExecutable="true">
    <bpmn:startEvent id="domanda" name="Domanda presentata" />
    <bpmn:sequenceFlow id="f_start" sourceRef="domanda" targetRef="verificaIsee" />
    <bpmn:serviceTask id="verificaIsee" name="Verifica soglia ISEE" camunda:delegateExpression="\${verificaIsee}" />
    <bpmn:sequenceFlow id="f_isee" sourceRef="verificaIsee" targetRef="gwIsee" />
    <bpmn:exclusiveGateway id="gwIsee" name="ISEE entro soglia?" default="f_ko" />
    <bpmn:sequenceFlow id="f_ok" sourceRef="gwIsee" targetRef="istruttoria">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${iseeOk}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ko" sourceRef="gwIsee" targetRef="rigetto" />
    <bpmn:userTask id="istruttoria" name="Istruttoria" camunda:candidateGroups="${BENCH_GROUP}" camunda:dueDate="P15D" camunda:priority="60" />
    <bpmn:sequenceFlow id="f_istruttoria" sourceRef="istruttoria" targetRef="approvazione" />
    <bpmn:userTask id="approvazione" name="Approvazione" camunda:candidateGroups="${BENCH_GROUP}" camunda:dueDate="P5D" />
    <bpmn:sequenceFlow id="f_approvazione" sourceRef="approvazione" targetRef="accolta" />
    <bpmn:endEvent id="accolta" name="Domanda accolta" />
    <bpmn:userTask id="rigetto" name="Comunicazione di rigetto" camunda:candidateGroups="${BENCH_GROUP}" />
    <bpmn:sequenceFlow id="f_rigetto" sourceRef="rigetto" targetRef="respinta" />
    <bpmn:endEvent id="respinta" name="Domanda respinta" />
  </bpmn:process>
</bpmn:definitions>`;
