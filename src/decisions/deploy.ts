/**
 * The DMN part of a deployment (called by DeploymentService): compile the
 * `.dmn` files first (nothing is stored if one is refused), then, inside the
 * deployment's transaction, store a new version of each decision whose file
 * changed. The file (the decisions' requirements graph) is stored once, in
 * decision_file; an unchanged redeploy creates no version.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Problem } from '../shared/errors.js';
import { DecisionDefinition, DecisionFile } from '../db/entities/index.js';
import type { ResourceOrigin, SkippedResource } from '../services/resource-version.js';
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

/**
 * Stores new versions (inside the caller's transaction); `fresh` are the rows to persist.
 * Linear in the file: the file is hashed and stored once (decision_file, per comune and
 * content), the latest versions of all its keys are read in one query, and each decision
 * row only points at the file. Versioning as versionedRow: same key and content → no new
 * version; a start-up file does not go on top of an API/Modeler version.
 */
export async function storeDecisions(
  em: EntityManager,
  prepared: readonly PreparedDmn[],
  target: { deploymentId: string; tenant: string | null; now: Date; origin: ResourceOrigin },
): Promise<{ views: Array<DecisionView & { created: boolean }>; fresh: Array<DecisionDefinition | DecisionFile>; skipped: SkippedResource[] }> {
  const views: Array<DecisionView & { created: boolean }> = [];
  const fresh: Array<DecisionDefinition | DecisionFile> = [];
  const skipped: SkippedResource[] = [];
  for (const { file, dmn } of prepared) {
    const fileHash = createHash('sha256').update(file.content).digest('hex');
    const keys = Object.keys(dmn.decisions);
    const latest = new Map<string, DecisionDefinition>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await em.find(DecisionDefinition, { key: { $in: keys.slice(i, i + 1000) }, tenant: target.tenant }, { orderBy: { key: 'asc', version: 'desc' } });
      for (const row of rows) if (!latest.has(row.key)) latest.set(row.key, row);
    }
    let stored: DecisionFile | null = null;
    const fileRow = async (): Promise<DecisionFile> => {
      stored ??= await em.findOne(DecisionFile, { fileHash, tenant: target.tenant });
      if (!stored) {
        stored = Object.assign(new DecisionFile(), { id: randomUUID(), tenant: target.tenant, fileHash, xml: file.content, createdAt: target.now });
        fresh.push(stored);
      }
      return stored;
    };
    for (const decision of Object.values(dmn.decisions)) {
      const last = latest.get(decision.id);
      if (last && last.fileHash === fileHash) {
        views.push({ ...decisionView(last), created: false });
        continue;
      }
      if (last && target.origin === 'file' && last.origin !== 'file') {
        skipped.push({ kind: 'decision', key: decision.id, tenant: target.tenant, resourceName: file.name, latest: { version: last.version, origin: last.origin } });
        continue;
      }
      const row = Object.assign(new DecisionDefinition(), {
        id: randomUUID(),
        key: decision.id,
        version: (last?.version ?? 0) + 1,
        sourceHash: createHash('sha256').update(decision.id).update('\0').update(fileHash).digest('hex'),
        origin: target.origin,
        fileHash,
        tenant: target.tenant,
        name: decision.name ?? null,
        deploymentId: target.deploymentId,
        resourceName: file.name,
        xml: null,
        fileId: (await fileRow()).id,
        createdAt: target.now,
      });
      fresh.push(row);
      views.push({ ...decisionView(row), created: true });
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
