/**
 * The DMN part of a deployment (called by DeploymentService): compile the
 * `.dmn` files first (nothing is stored if one is refused), then, inside the
 * deployment's transaction, store a new version of each decision whose file
 * changed. Every decision of a file is stored with the whole file, which is
 * its requirements graph; an unchanged redeploy creates no version.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Problem } from '../shared/errors.js';
import { DecisionDefinition } from '../db/entities/index.js';
import { versionedRow, type ResourceOrigin, type SkippedResource } from '../services/resource-version.js';
import type { CompiledDmn } from './model.js';
import { parseDmn } from './parse.js';

export const DMN_FILE = /\.dmn$/i;

export interface DmnFile {
  name: string;
  content: string;
}

export interface PreparedDmn {
  file: DmnFile;
  dmn: CompiledDmn;
}

export interface DecisionView {
  id: string;
  key: string;
  version: number;
  tenant: string | null;
  name: string | null;
  deploymentId: string;
  resourceName: string;
  /** Where the version came from: file (processes/ at start-up), api or modeler. */
  origin: ResourceOrigin;
  createdAt: Date;
}

export async function prepareDmnFiles(files: readonly DmnFile[], maxBytes: number): Promise<{ prepared: PreparedDmn[]; errors: Problem[]; warnings: Problem[] }> {
  const prepared: PreparedDmn[] = [];
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const owner = new Map<string, string>();
  for (const file of files) {
    const result = await parseDmn(file.content, maxBytes);
    errors.push(...result.errors.map((e) => ({ ...e, file: file.name })));
    warnings.push(...result.warnings.map((w) => ({ ...w, file: file.name })));
    if (!result.dmn) continue;
    for (const key of Object.keys(result.dmn.decisions)) {
      const other = owner.get(key);
      if (other) errors.push({ file: file.name, elementId: key, rule: 'duplicate-decision', message: `La decisione "${key}" compare sia in ${other} sia in ${file.name}` });
      owner.set(key, file.name);
    }
    prepared.push({ file, dmn: result.dmn });
  }
  return { prepared, errors, warnings };
}

export function decisionKeysOf(prepared: readonly PreparedDmn[]): string[] {
  return prepared.flatMap((p) => Object.keys(p.dmn.decisions));
}

/** Stores new versions (inside the caller's transaction); `fresh` are the rows to persist. */
export async function storeDecisions(
  em: EntityManager,
  prepared: readonly PreparedDmn[],
  target: { deploymentId: string; tenant: string | null; now: Date; origin: ResourceOrigin },
): Promise<{ views: Array<DecisionView & { created: boolean }>; fresh: DecisionDefinition[]; skipped: SkippedResource[] }> {
  const views: Array<DecisionView & { created: boolean }> = [];
  const fresh: DecisionDefinition[] = [];
  const skipped: SkippedResource[] = [];
  for (const { file, dmn } of prepared) {
    for (const decision of Object.values(dmn.decisions)) {
      const { row, created, skipped: skip } = await versionedRow(em, DecisionDefinition, { key: decision.id, tenant: target.tenant }, decision.id, file.content, target.origin, (v) =>
        Object.assign(new DecisionDefinition(), {
          id: randomUUID(),
          key: decision.id,
          ...v,
          tenant: target.tenant,
          name: decision.name ?? null,
          deploymentId: target.deploymentId,
          resourceName: file.name,
          xml: file.content,
          createdAt: target.now,
        }),
      );
      if (skip) {
        skipped.push({ kind: 'decision', key: decision.id, tenant: target.tenant, resourceName: file.name, latest: { version: row.version, origin: row.origin } });
        continue;
      }
      if (created) fresh.push(row);
      views.push({ ...decisionView(row), created });
    }
  }
  return { views, fresh, skipped };
}

/** Keys of the decisions a comune can use (its own and the shared ones); for tenant null only the shared ones. */
export async function visibleDecisionKeys(em: EntityManager, tenant: string | null): Promise<Set<string>> {
  const rows = await em.find(DecisionDefinition, tenant ? { $or: [{ tenant }, { tenant: null }] } : { tenant: null }, { fields: ['key'] });
  return new Set(rows.map((r) => r.key));
}

export function decisionView(d: DecisionDefinition): DecisionView {
  return { id: d.id, key: d.key, version: d.version, tenant: d.tenant, name: d.name, deploymentId: d.deploymentId, resourceName: d.resourceName, origin: d.origin, createdAt: d.createdAt };
}
