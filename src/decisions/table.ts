/**
 * Evaluates one decision table: input expressions (coerced to their typeRef),
 * the rules whose unary tests all hold, their output entries (coerced and
 * checked against the allowed output values), then the hit policy:
 *   UNIQUE (more than one match is an error), FIRST, ANY (matches must agree),
 *   PRIORITY / OUTPUT ORDER (by the order of the outputs' allowed values),
 *   RULE ORDER, COLLECT (optionally SUM / MIN / MAX / COUNT of the single output;
 *   COUNT counts distinct values, as in the DMN specification).
 * Single-hit tables with no matching rule give the outputs' default values, if any.
 */
import { DecisionEvaluationError } from './errors.js';
import { coerce, feelTest, feelValue, samePlain, toPlain, type FeelContext } from './feel.js';
import type { DecisionTable, TableOutput } from './model.js';

export type Row = Record<string, unknown>;

export interface TableResult {
  rows: Row[];
  matchedRules: string[];
  /** True for hit policies returning a list (COLLECT without aggregation, RULE ORDER, OUTPUT ORDER). */
  multiple: boolean;
}

const SINGLE = new Set(['UNIQUE', 'FIRST', 'ANY', 'PRIORITY']);

export function evaluateTable(table: DecisionTable, context: FeelContext, decisionId: string): TableResult {
  const inputs = table.inputs.map((input, i) => {
    const where = `input ${i + 1}${input.label ? ` ("${input.label}")` : ''} di "${decisionId}"`;
    return coerce(feelValue(input.expression, context, where), input.typeRef, where);
  });
  const matched = table.rules.filter((rule) =>
    rule.inputEntries.every((cell, i) => feelTest(cell, inputs[i], { ...context, cellInput: inputs[i] }, `regola ${rule.id} di "${decisionId}"`)),
  );
  const rows = matched.map((rule) => outputRow(table.outputs, rule.outputEntries, context, `regola ${rule.id} di "${decisionId}"`));
  const ids = matched.map((r) => r.id);
  const single = SINGLE.has(table.hitPolicy) || Boolean(table.aggregation);

  if (!matched.length && single && table.outputs.some((o) => o.defaultOutput)) {
    const defaults = table.outputs.map((o) => o.defaultOutput ?? '');
    return { rows: [outputRow(table.outputs, defaults, context, `valori predefiniti di "${decisionId}"`)], matchedRules: [], multiple: false };
  }

  switch (table.hitPolicy) {
    case 'UNIQUE':
      if (matched.length > 1) throw new DecisionEvaluationError(`Hit policy UNIQUE violata in "${decisionId}": ${matched.length} regole soddisfatte (${ids.join(', ')})`, { decisionId, matchedRules: ids });
      return { rows, matchedRules: ids, multiple: false };
    case 'FIRST':
      return { rows: rows.slice(0, 1), matchedRules: ids.slice(0, 1), multiple: false };
    case 'ANY':
      if (rows.some((r) => !samePlain(r, rows[0]))) throw new DecisionEvaluationError(`Hit policy ANY violata in "${decisionId}": le regole soddisfatte (${ids.join(', ')}) danno risultati diversi`, { decisionId, matchedRules: ids });
      return { rows: rows.slice(0, 1), matchedRules: ids.slice(0, 1), multiple: false };
    case 'PRIORITY':
    case 'OUTPUT ORDER': {
      const order = byPriority(table.outputs, rows, context, decisionId);
      const sortedRows = order.map((i) => rows[i]!);
      const sortedIds = order.map((i) => ids[i]!);
      return table.hitPolicy === 'PRIORITY' ? { rows: sortedRows.slice(0, 1), matchedRules: sortedIds.slice(0, 1), multiple: false } : { rows: sortedRows, matchedRules: sortedIds, multiple: true };
    }
    case 'RULE ORDER':
      return { rows, matchedRules: ids, multiple: true };
    case 'COLLECT': {
      if (!table.aggregation) return { rows, matchedRules: ids, multiple: true };
      const name = table.outputs[0]!.name;
      return { rows: [{ [name]: aggregate(table.aggregation, rows.map((r) => r[name]), decisionId) }], matchedRules: ids, multiple: false };
    }
    default: {
      const never: never = table.hitPolicy;
      throw new DecisionEvaluationError(`Hit policy ${String(never)} non supportata`);
    }
  }
}

function outputRow(outputs: TableOutput[], entries: string[], context: FeelContext, where: string): Row {
  const row: Row = {};
  outputs.forEach((o, i) => {
    const at = `${where}, output "${o.name}"`;
    const value = coerce(feelValue(entries[i] ?? '', context, at), o.typeRef, at);
    if (o.outputValues && value !== null && !feelTest(o.outputValues, value, context, at)) {
      throw new DecisionEvaluationError(`Valore ${JSON.stringify(toPlain(value))} non ammesso per l'output "${o.name}" (${at}): ammessi ${o.outputValues}`, { where: at, value: toPlain(value), allowed: o.outputValues });
    }
    row[o.name] = value;
  });
  return row;
}

/** Indexes of rows sorted by the position of their values among each output's allowed values (stable). */
function byPriority(outputs: TableOutput[], rows: Row[], context: FeelContext, decisionId: string): number[] {
  const rank = (o: TableOutput, value: unknown): number => {
    if (!o.outputValues) return 0;
    const parts = splitTests(o.outputValues);
    const i = parts.findIndex((p) => feelTest(p, value, context, `valori ammessi dell'output "${o.name}" di "${decisionId}"`));
    return i === -1 ? parts.length : i;
  };
  const keys = rows.map((r) => outputs.map((o) => rank(o, r[o.name])));
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      for (let k = 0; k < outputs.length; k++) if (keys[a]![k] !== keys[b]![k]) return keys[a]![k]! - keys[b]![k]!;
      return a - b;
    });
}

/** Splits `"a", "b", [1..2]` into its top-level comma-separated tests. */
function splitTests(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === '"') quote = false;
    } else if (ch === '"') quote = true;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

function aggregate(kind: 'SUM' | 'MIN' | 'MAX' | 'COUNT', values: unknown[], decisionId: string): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (kind === 'COUNT') return new Set(present.map((v) => JSON.stringify(toPlain(v)))).size;
  if (!present.length) return null;
  if (present.some((v) => typeof v !== 'number')) {
    throw new DecisionEvaluationError(`Aggregazione ${kind} in "${decisionId}" possibile solo su numeri`, { decisionId, values: present.map(toPlain) });
  }
  const nums = present as number[];
  if (kind === 'SUM') return nums.reduce((a, b) => a + b, 0);
  return kind === 'MIN' ? Math.min(...nums) : Math.max(...nums);
}
