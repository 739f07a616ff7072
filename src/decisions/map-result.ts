/**
 * camunda:mapDecisionResult for business rule tasks, as in Camunda 7, over
 * the decision's result list (one map of output name → value per entry):
 *   singleResult   one map (null when nothing matched; more than one is an error)
 *   singleEntry    the single value of the single map (null when nothing matched)
 *   collectEntries the list of the single values of every map
 *   resultList     the list of maps (Camunda's default)
 */
import { DecisionEvaluationError } from './errors.js';

export const MAP_DECISION_RESULTS = ['singleResult', 'singleEntry', 'collectEntries', 'resultList'] as const;
export type MapDecisionResult = (typeof MAP_DECISION_RESULTS)[number];

export function mapDecisionResult(mode: MapDecisionResult, rows: Array<Record<string, unknown>>, decisionKey: string): unknown {
  const fail = (why: string): never => {
    throw new DecisionEvaluationError(`Risultato della decisione "${decisionKey}" non compatibile con mapDecisionResult="${mode}": ${why}`, { decisionKey, mapDecisionResult: mode, results: rows.length });
  };
  const singleValue = (row: Record<string, unknown>): unknown => {
    const values = Object.values(row);
    if (values.length !== 1) fail(`ogni risultato deve avere un solo valore, ne ha ${values.length}`);
    return values[0];
  };
  switch (mode) {
    case 'resultList':
      return rows;
    case 'collectEntries':
      return rows.map(singleValue);
    case 'singleResult':
      if (rows.length > 1) fail(`${rows.length} risultati invece di uno`);
      return rows[0] ?? null;
    case 'singleEntry':
      if (rows.length > 1) fail(`${rows.length} risultati invece di uno`);
      return rows[0] ? singleValue(rows[0]) : null;
    default: {
      const never: never = mode;
      return fail(String(never));
    }
  }
}
