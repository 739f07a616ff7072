/**
 * Which process parameters a decision sees as `params` when evaluated
 * directly (POST /decisions/{key}/evaluate): those of the process key named by
 * the decision key's prefix before the first '-' (rei-requisiti → rei), merged
 * for the comune (defaults, comune file, edited overrides). A prefix with no
 * parameter file gives empty params. Inside a process (business rule task) the
 * decision sees the instance's own parameter snapshot instead.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { ParameterCatalog } from '../tailoring/parameters/catalog.js';
import type { ParameterService } from '../tailoring/parameters/parameter.service.js';

export interface DecisionParameters {
  service: ParameterService;
  catalog: ParameterCatalog;
}

export function parameterKeyOf(decisionKey: string): string {
  return decisionKey.split('-')[0] ?? decisionKey;
}

export async function decisionParams(em: EntityManager, parameters: DecisionParameters | undefined, decisionKey: string, tenant: string | null): Promise<Record<string, unknown>> {
  const key = parameterKeyOf(decisionKey);
  const model = parameters?.catalog.get(key);
  if (!parameters || !model) return {};
  return tenant ? (await parameters.service.resolve(em, key, tenant)).values : model.defaults;
}
