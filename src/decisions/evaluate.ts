/**
 * Evaluates a decision of a compiled DMN file: its required decisions first
 * (each once), whose values are then visible to it by decision id, name and
 * variable name; then its own table or literal expression. The context holds
 * the caller's variables (missing ones read as null) and `params`.
 */
import { checkResultSize, withinBounds } from './bound.js';
import { DecisionNotFoundError } from './errors.js';
import { coerce, coerceInput, feelValue, toPlain, type FeelContext } from './feel.js';
import type { CompiledDecision, CompiledDmn, DecisionOutcome } from './model.js';
import { evaluateTable, type Row } from './table.js';

interface Evaluated {
  decision: CompiledDecision;
  rows: Row[];
  multiple: boolean;
  /** DMN value (FEEL types kept) for dependent decisions. */
  value: unknown;
  matchedRules: string[];
}

/** Evaluates within the time and size bounds of ./bound.ts (422 beyond them). */
export function evaluateDecision(dmn: CompiledDmn, decisionId: string, variables: FeelContext): DecisionOutcome {
  if (!dmn.decisions[decisionId]) throw new DecisionNotFoundError(decisionId, null);
  return withinBounds(decisionId, () => {
    const outcome = evaluateUnbounded(dmn, decisionId, variables);
    checkResultSize(decisionId, outcome.rows);
    return outcome;
  });
}

function evaluateUnbounded(dmn: CompiledDmn, decisionId: string, given: FeelContext): DecisionOutcome {
  const variables: FeelContext = { ...given };
  for (const [name, type] of Object.entries(dmn.inputs ?? {})) if (name in variables) variables[name] = coerceInput(variables[name], type);
  const done = new Map<string, Evaluated>();
  const run = (id: string): Evaluated => {
    const cached = done.get(id);
    if (cached) return cached;
    const decision = dmn.decisions[id]!;
    const context: FeelContext = { ...variables };
    for (const req of decision.requires) {
      const r = run(req);
      for (const name of new Set([r.decision.id, r.decision.name, r.decision.variableName])) if (name) context[name] = r.value;
    }
    const evaluated = evaluateOne(decision, context);
    done.set(id, evaluated);
    return evaluated;
  };
  const top = run(decisionId);
  const required: DecisionOutcome['required'] = {};
  for (const [id, e] of done) if (id !== decisionId) required[id] = { result: resultOf(e), matchedRules: e.matchedRules };
  return {
    decisionId,
    rows: top.rows.map((r) => toPlain(r) as Row),
    value: toPlain(top.value),
    result: resultOf(top),
    matchedRules: top.matchedRules,
    required,
  };
}

function evaluateOne(decision: CompiledDecision, context: FeelContext): Evaluated {
  const logic = decision.logic;
  if (logic.kind === 'literal') {
    const where = `decisione "${decision.id}"`;
    const value = coerce(feelValue(logic.expression, context, where), logic.typeRef, where);
    return { decision, rows: [{ [logic.name]: value }], multiple: false, value, matchedRules: [] };
  }
  const { rows, matchedRules, multiple } = evaluateTable(logic, context, decision.id);
  const names = logic.outputs.map((o) => o.name);
  const valueOf = (row: Row) => (names.length === 1 ? row[names[0]!] : row);
  const value = multiple ? rows.map(valueOf) : rows[0] ? valueOf(rows[0]) : null;
  return { decision, rows, multiple, value, matchedRules };
}

function resultOf(e: Evaluated): DecisionOutcome['result'] {
  const rows = e.rows.map((r) => toPlain(r) as Row);
  return e.multiple ? rows : (rows[0] ?? null);
}
