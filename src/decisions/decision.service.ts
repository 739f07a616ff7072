/**
 * Deployed decisions for the API: the latest version of a key for a comune
 * (its own, else the shared default), direct evaluation with the comune's
 * parameters, listing and the DMN source. Tenancy checks on the caller are the
 * routes' job; here `tenant` is the comune the work is for (null = shared default).
 */
import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { DecisionDefinition, DecisionFile } from '../db/entities/index.js';
import { NotFoundError } from '../shared/errors.js';
import { compiledDmn, dmnCacheKey } from './cache.js';
import { decisionView, type DecisionView } from './deploy.js';
import { DecisionNotFoundError } from './errors.js';
import { evaluateDecision } from './evaluate.js';
import type { DecisionOutcome } from './model.js';
import { decisionParams, type DecisionParameters } from './params.js';

export interface EvaluationView {
  decisionKey: string;
  definitionId: string;
  version: number;
  /** The comune evaluated for (null: the shared default with default parameters). */
  tenant: string | null;
  /** Whose version was used: the comune's own or the shared default (null). */
  definitionTenant: string | null;
  result: DecisionOutcome['result'];
  /** The decision's DMN value (what dependent decisions see; what the DMN TCK checks). */
  value: unknown;
  matchedRules: string[];
  requiredDecisions: DecisionOutcome['required'];
}

export class DecisionService {
  constructor(
    private readonly em: EntityManager,
    private readonly parameters?: DecisionParameters,
  ) {}

  async evaluate(key: string, tenant: string | null, variables: Record<string, unknown>): Promise<EvaluationView> {
    const em = this.em.fork();
    const def = await latestDecision(em, key, tenant);
    if (!def) throw new DecisionNotFoundError(key, tenant);
    const dmn = await compiledDmn(dmnCacheKey(def), () => decisionXml(em, def.id));
    const params = await decisionParams(em, this.parameters, key, tenant);
    const outcome = evaluateDecision(dmn, def.key, { ...variables, params });
    return { decisionKey: def.key, definitionId: def.id, version: def.version, tenant, definitionTenant: def.tenant, result: outcome.result, value: outcome.value, matchedRules: outcome.matchedRules, requiredDecisions: outcome.required };
  }

  /** Versions visible to `scope` (a comune: its own and the shared ones; null: all), newest first per key. */
  async list(q: { key?: string; tenant?: string | null; scope: string | null; latest?: boolean }): Promise<DecisionView[]> {
    const where: FilterQuery<DecisionDefinition> & Record<string, unknown> = {};
    if (q.key) where.key = q.key;
    if (q.tenant !== undefined) where.tenant = q.tenant;
    else if (q.scope) where.$or = [{ tenant: q.scope }, { tenant: null }];
    let rows = await this.em.fork().find(DecisionDefinition, where, { orderBy: [{ key: 'asc' }, { tenant: 'asc nulls first' }, { version: 'desc' }] });
    if (q.latest) rows = rows.filter((d, i) => i === 0 || rows[i - 1]!.key !== d.key || rows[i - 1]!.tenant !== d.tenant);
    return rows.map(decisionView);
  }

  /** The DMN file of a version visible to `scope`; another comune's version is not found. */
  async source(id: string, scope: string | null): Promise<{ view: DecisionView; xml: string }> {
    const em = this.em.fork();
    const def = await em.findOne(DecisionDefinition, { id });
    if (!def || (scope && def.tenant && def.tenant !== scope)) throw new NotFoundError('Definizione di decisione', id, 'DECISION_NOT_FOUND', 'f');
    return { view: decisionView(def), xml: (await decisionXml(em, id)) ?? '' };
  }
}

/** The comune's latest version of `key`, else the latest shared one; for tenant null only the shared ones. */
export async function latestDecision(em: EntityManager, key: string, tenant: string | null): Promise<DecisionDefinition | null> {
  const [row] = await em.find(DecisionDefinition, tenant ? { key, $or: [{ tenant }, { tenant: null }] } : { key, tenant: null }, {
    orderBy: [{ tenant: 'asc nulls last' }, { version: 'desc' }],
    limit: 1,
  });
  return row ?? null;
}

/** The DMN file of a decision version: its own copy (older versions) or the stored file it points at. */
export async function decisionXml(em: EntityManager, id: string): Promise<string | null> {
  const row = await em.findOne(DecisionDefinition, { id }, { populate: ['xml'] });
  if (!row) return null;
  if (row.xml !== null) return row.xml;
  if (!row.fileId) return null;
  const file = await em.findOne(DecisionFile, { id: row.fileId }, { populate: ['xml'] });
  return file?.xml ?? null;
}

