/**
 * Business rule tasks (`camunda:decisionRef`): evaluates the decision inside
 * the command's transaction — the comune's latest version of the key, else the
 * shared one, read through the EngineTx and compiled once per version — with
 * the instance's variables and its parameter snapshot as `params`, maps the
 * result (camunda:mapDecisionResult, default resultList) into
 * camunda:resultVariable and records a `decision.evaluated` history event.
 */
import type { EngineTx } from '../engine/store.js';
import type { DecisionTaskSpec } from '../engine/definitions/model.js';
import { compiledDmn, dmnCacheKey } from './cache.js';
import { DecisionNotFoundError } from './errors.js';
import { evaluateDecision } from './evaluate.js';
import { mapDecisionResult, type MapDecisionResult } from './map-result.js';

export interface DecisionTaskRun {
  spec: DecisionTaskSpec;
  elementId: string;
  variables: Record<string, unknown>;
  params: Record<string, unknown>;
  now: Date;
}

/** What the runtime calls for a business rule task; returns the variables to set. */
export interface DecisionRunner {
  run(task: DecisionTaskRun): Promise<Record<string, unknown>>;
}

export function decisionRunner(tx: EngineTx, instance: { id: string; tenant: string }): DecisionRunner {
  return {
    async run({ spec, elementId, variables, params, now }) {
      const def = await tx.latestDecision(spec.decisionRef, instance.tenant);
      if (!def) throw new DecisionNotFoundError(spec.decisionRef, instance.tenant);
      const dmn = await compiledDmn(dmnCacheKey({ id: def.id, fileHash: def.fileHash ?? null, tenant: def.tenant }), () => tx.decisionSource(def.id));
      const outcome = evaluateDecision(dmn, def.key, { ...variables, params });
      const value = mapDecisionResult((spec.mapDecisionResult ?? 'resultList') as MapDecisionResult, outcome.rows, def.key);
      tx.addHistory({
        tenant: instance.tenant,
        instanceId: instance.id,
        at: now,
        type: 'decision.evaluated',
        elementId,
        details: { decisionKey: def.key, definitionId: def.id, version: def.version, definitionTenant: def.tenant, matchedRules: outcome.matchedRules, result: outcome.result },
      });
      return spec.resultVariable ? { [spec.resultVariable]: value } : {};
    },
  };
}
