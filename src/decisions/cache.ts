/**
 * Compiled DMN files by decision-definition id. A deployed version never
 * changes (a new version is a new row), so its compiled form is kept for the
 * life of the process; the map is bounded and simply cleared when full.
 */
import { DecisionEvaluationError } from './errors.js';
import type { CompiledDmn } from './model.js';
import { parseDmn } from './parse.js';

const MAX_ENTRIES = 500;
const compiled = new Map<string, Promise<CompiledDmn>>();

export function compiledDmn(definitionId: string, loadXml: () => Promise<string | null>): Promise<CompiledDmn> {
  let entry = compiled.get(definitionId);
  if (!entry) {
    if (compiled.size >= MAX_ENTRIES) compiled.clear();
    entry = compile(definitionId, loadXml);
    compiled.set(definitionId, entry);
    entry.catch(() => compiled.delete(definitionId));
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
