/**
 * Rule `gateway-missing-condition`: when an exclusive or inclusive gateway
 * splits (more than one outgoing flow), every outgoing flow but the gateway's
 * default must carry a condition — otherwise the engine would take it
 * unconditionally (or never), which is never what the modeler meant.
 */
import type { ModdleElement } from 'bpmn-moddle';
import type { Findings } from './findings.js';
import { allFlowElements, bodyOf, isA, label } from './walk.js';

export function checkGatewayConditions(proc: ModdleElement, out: Findings): void {
  const all = allFlowElements(proc);
  const flows = all.filter((el) => isA(el, 'bpmn:SequenceFlow'));
  for (const gw of all) {
    if (!isA(gw, 'bpmn:ExclusiveGateway') && !isA(gw, 'bpmn:InclusiveGateway')) continue;
    const outgoing = flows.filter((f) => f.sourceRef === gw);
    if (outgoing.length < 2) continue;
    for (const f of outgoing) {
      if (f === gw.default || bodyOf(f.conditionExpression)) continue;
      out.error('gateway-missing-condition', f.id, `Il flusso ${label(f)} in uscita dal gateway ${label(gw)} non ha una condizione e non è il flusso di default del gateway`);
    }
  }
}
