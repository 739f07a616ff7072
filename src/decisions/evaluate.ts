/**
 * Evaluates a decision of a compiled DMN file: its required decisions first
 * (each once), whose values are then visible to it by decision id, name and
 * variable name; then its own table or literal expression. The context holds
 * the caller's variables (missing ones read as null) and `params`.
 */
import { FeelFunction } from 'feelin';
import { checkResultSize, withinBounds } from './bound.js';
import { DecisionNotFoundError } from './errors.js';
import { conform } from './conform.js';
import { coerce, coerceInput, feelValue, toPlain, type FeelContext } from './feel.js';
import type { CompiledDecision, CompiledDmn, DecisionOutcome, DecisionServiceLogic, DecisionTable } from './model.js';
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
  const graph = new Graph(dmn, variables, new Map());
  const top = graph.run(decisionId);
  const required: DecisionOutcome['required'] = {};
  for (const [id, e] of graph.done) if (id !== decisionId) required[id] = { result: resultOf(e), matchedRules: e.matchedRules };
  return {
    decisionId,
    rows: top.rows.map((r) => toPlain(r) as Row),
    value: toPlain(top.value),
    result: resultOf(top),
    matchedRules: top.matchedRules,
    required,
  };
}

/**
 * One evaluation of the requirements graph: each decision once, its required decisions first;
 * `fixed` are decisions whose value is given (a decision service's input decisions).
 */
class Graph {
  readonly done = new Map<string, Evaluated>();

  constructor(
    private readonly dmn: CompiledDmn,
    private readonly variables: FeelContext,
    private readonly fixed: ReadonlyMap<string, unknown>,
  ) {}

  run(id: string): Evaluated {
    const cached = this.done.get(id);
    if (cached) return cached;
    const decision = this.dmn.decisions[id]!;
    let evaluated: Evaluated;
    if (this.fixed.has(id)) {
      const value = this.fixed.get(id);
      evaluated = { decision, rows: [{ [nameOf(decision)]: value }], multiple: false, value, matchedRules: [] };
    } else if (decision.logic.kind === 'service') {
      const service = decision.logic;
      const args = Object.fromEntries(service.parameters.map((p) => [p.name, this.variables[p.name] ?? null]));
      const { value, outputs } = invokeService(this.dmn, service, args);
      evaluated = { decision, rows: [outputs], multiple: false, value, matchedRules: [] };
    } else {
      const context: FeelContext = { ...this.variables };
      for (const req of decision.requires) {
        const r = this.run(req);
        for (const name of namesOf(r.decision)) context[name] = r.value;
      }
      for (const ref of decision.services ?? []) {
        const service = this.dmn.decisions[ref]!;
        if (service.logic.kind !== 'service') continue;
        const fn = serviceFunction(this.dmn, service.logic);
        for (const name of namesOf(service)) context[name] = fn;
      }
      if (this.dmn.tables) context.rei_table = tableFunction(this.dmn.tables, context, decision.id);
      evaluated = evaluateOne(decision, context);
    }
    this.done.set(id, evaluated);
    return evaluated;
  }
}

/** `rei_table(key, locals)`: a decision table inside a boxed expression, evaluated with the decision's context and the local names. */
function tableFunction(tables: Record<string, DecisionTable>, context: FeelContext, decisionId: string): FeelFunction {
  return new FeelFunction((key: unknown, locals: unknown) => {
    const table = tables[String(key)];
    if (!table) return null;
    const { rows, multiple } = evaluateTable(table, { ...context, ...(locals as FeelContext) }, decisionId);
    return tableValue(table, rows, multiple);
  }, ['key', 'locals']);
}

/** A table's DMN value: the single output's value or the row as a context; a list of them for multiple hits. */
function tableValue(table: DecisionTable, rows: Row[], multiple: boolean): unknown {
  const names = table.outputs.map((o) => o.name);
  const valueOf = (row: Row) => (names.length === 1 ? row[names[0]!] : row);
  return multiple ? rows.map(valueOf) : rows[0] ? valueOf(rows[0]) : null;
}

/** A decision service as a FEEL function (positional or named arguments, as its parameters). */
function serviceFunction(dmn: CompiledDmn, service: DecisionServiceLogic): FeelFunction {
  const names = service.parameters.map((p) => p.name);
  // Called with fewer arguments than parameters, or with a value not of an input decision's type: null (a FEEL error).
  const call = (...args: unknown[]) => (args.length < names.length ? null : invokeService(dmn, service, Object.fromEntries(names.map((n, i) => [n, args[i] ?? null]))).value);
  return new FeelFunction(call, names);
}

/** Evaluates a decision service's outputs with its parameters: input data typed as declared, input decisions as given. */
function invokeService(dmn: CompiledDmn, service: DecisionServiceLogic, args: FeelContext): { value: unknown; outputs: Row } {
  const variables: FeelContext = {};
  const fixed = new Map<string, unknown>();
  for (const p of service.parameters) {
    const given = args[p.name] ?? null;
    if (p.decision) {
      try {
        fixed.set(p.decision, coerce(given, p.typeRef, `parametro "${p.name}" del decision service "${service.id}"`));
      } catch {
        return { value: null, outputs: {} };
      }
    }
    else variables[p.name] = dmn.inputs?.[p.name] ? coerceInput(given, dmn.inputs[p.name]!) : given;
  }
  const graph = new Graph(dmn, variables, fixed);
  const outputs: Row = {};
  for (const id of service.outputs) {
    const e = graph.run(id);
    outputs[nameOf(e.decision)] = e.value;
  }
  const values = Object.values(outputs);
  return { value: values.length === 1 ? values[0] : outputs, outputs };
}

function namesOf(d: CompiledDecision): Set<string> {
  return new Set([d.id, d.name, d.variableName].filter((n): n is string => Boolean(n)));
}

function nameOf(d: CompiledDecision): string {
  return d.variableName ?? d.name ?? d.id;
}

function evaluateOne(decision: CompiledDecision, context: FeelContext): Evaluated {
  const logic = decision.logic;
  if (logic.kind === 'literal') {
    const where = `decisione "${decision.id}"`;
    const coerced = coerce(feelValue(logic.expression, context, where), logic.typeRef, where);
    const value = logic.type ? conform(coerced, logic.type) : coerced;
    return { decision, rows: [{ [logic.name]: value }], multiple: false, value, matchedRules: [] };
  }
  if (logic.kind === 'service') throw new Error(`decision service ${logic.id} evaluated as a decision`);
  const { rows, matchedRules, multiple } = evaluateTable(logic, context, decision.id);
  return { decision, rows, multiple, value: tableValue(logic, rows, multiple), matchedRules };
}

function resultOf(e: Evaluated): DecisionOutcome['result'] {
  const rows = e.rows.map((r) => toPlain(r) as Row);
  return e.multiple ? rows : (rows[0] ?? null);
}
