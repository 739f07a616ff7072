/**
 * Business rule tasks (camunda:decisionRef): the decision must be deployed
 * for the comune or as shared default, or come in the same deployment
 * (`decision-unknown`, when the deployment gives the keys); the decision is
 * named literally, not by an expression, and bound to its latest version
 * (`decision-binding`); camunda:mapDecisionResult must be one of Camunda's
 * four (`decision-map-result`). A task without resultVariable only records
 * the result in history (warning `decision-no-result-variable`).
 */
import type { Findings, RuleInput } from './findings.js';

const MAP_RESULTS = new Set(['singleResult', 'singleEntry', 'collectEntries', 'resultList']);

export function checkDecisionTasks(input: RuleInput, out: Findings): void {
  for (const el of Object.values(input.index.elements)) {
    const spec = el.service;
    if (spec?.kind !== 'decision') continue;
    const label = `"${el.name ?? el.id}"`;
    if (/[$#]\{/.test(spec.decisionRef)) {
      out.error('decision-binding', el.id, `Il business rule task ${label} indica la decisione con un'espressione (${spec.decisionRef}): serve la chiave della decisione`);
    } else if (input.decisionKeys && !input.decisionKeys.has(spec.decisionRef)) {
      const known = [...input.decisionKeys].sort().join(', ') || 'nessuna';
      out.error('decision-unknown', el.id, `La decisione "${spec.decisionRef}" del business rule task ${label} non è distribuita per questo comune né come predefinita (disponibili: ${known}); includere il file .dmn nella deployment`);
    }
    if (spec.binding && spec.binding !== 'latest') {
      out.error('decision-binding', el.id, `camunda:decisionRefBinding="${spec.binding}" del business rule task ${label} non è supportato: si usa sempre l'ultima versione della decisione ("latest")`);
    }
    if (spec.mapDecisionResult && !MAP_RESULTS.has(spec.mapDecisionResult)) {
      out.error('decision-map-result', el.id, `camunda:mapDecisionResult="${spec.mapDecisionResult}" del business rule task ${label} non è valido (ammessi: ${[...MAP_RESULTS].join(', ')})`);
    }
    if (!spec.resultVariable) {
      out.warn('decision-no-result-variable', el.id, `Il business rule task ${label} non ha camunda:resultVariable: il risultato della decisione resta solo nello storico`);
    }
  }
}
