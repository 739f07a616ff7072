/**
 * Service tasks must name a registered in-process handler or an external
 * topic (rules `service-implementation`, `service-handler`); inline scripts
 * are refused (`no-scripts`). Works on the compiled ModelIndex.
 */
import type { Findings, RuleInput } from './findings.js';

const SERVICE_LIKE = new Set(['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask']);

export function checkServices(input: RuleInput, out: Findings): void {
  const available = [...input.handlerNames].join(', ') || 'nessuno';
  for (const el of Object.values(input.index.elements)) {
    if (SERVICE_LIKE.has(el.type) && !el.service) {
      out.error('service-implementation', el.id, `Il service task "${el.name ?? el.id}" non indica né un handler (camunda:delegateExpression="\${nome}" o camunda:class) né un topic esterno (camunda:type="external")`);
    }
    if (el.service?.kind === 'handler' && !input.handlerNames.has(el.service.handler)) {
      out.error('service-handler', el.id, `Handler "${el.service.handler}" non registrato (disponibili: ${available})`);
    }
    if (el.scriptLanguage) {
      out.error('no-scripts', el.id, `Script inline (${el.scriptLanguage}) non ammessi per sicurezza: usare un'espressione \${…} o un service task con handler registrato`);
    }
  }
}
