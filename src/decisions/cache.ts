/**
 * Compiled DMN files by file (comune + content hash; see dmnCacheKey), so the
 * 1,087 decisions of one file share one compile. A deployed file never changes,
 * so its compiled form is kept for the life of the process; the map is bounded
 * and simply cleared when full.
 */
import { DecisionEvaluationError } from './errors.js';
import type { CompiledDmn } from './model.js';
import { parseDmn } from './parse.js';

const MAX_ENTRIES = 500;
const compiled = new Map<string, Promise<CompiledDmn>>();

/** Compiled DMN is cached per file (its content hash and comune), not per decision: one compile serves all its decisions. */
export function dmnCacheKey(def: { id: string; fileHash: string | null; tenant: string | null }): string {
  return def.fileHash ? `${def.tenant ?? '-'}:${def.fileHash}` : def.id;
}

export function compiledDmn(cacheKey: string, loadXml: () => Promise<string | null>): Promise<CompiledDmn> {
  let entry = compiled.get(cacheKey);
  if (!entry) {
    if (compiled.size >= MAX_ENTRIES) compiled.clear();
    entry = compile(cacheKey, loadXml);
    compiled.set(cacheKey, entry);
    entry.catch(() => compiled.delete(cacheKey));
  }
  return entry;
}

async function compile(definitionId: string, loadXml: () => Promise<string | null>): Promise<CompiledDmn> {
  const xml = await loadXml();
  if (xml === null) throw new DecisionEvaluationError(`Sorgente della decisione ${definitionId} non trovata`, { definitionId });
  // No size limit here: the file passed it when it was deployed.
  const { dmn, errors } = await parseDmn(xml, Number.MAX_SAFE_INTEGER);
  if (!dmn) throw new DecisionEvaluationError('La decisione distribuita non è più compilabile', { definitionId, errors });
  return dmn;
}
