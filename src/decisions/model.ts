/**
 * The compiled form of a DMN 1.3 file (its decision requirements graph): what
 * evaluation needs, extracted once at deploy time from the dmn-moddle tree.
 * FEEL texts are kept as text and evaluated by feelin.
 */
export type HitPolicy = 'UNIQUE' | 'FIRST' | 'ANY' | 'PRIORITY' | 'COLLECT' | 'RULE ORDER' | 'OUTPUT ORDER';
export type Aggregation = 'SUM' | 'MIN' | 'MAX' | 'COUNT';

export interface TableInput {
  id: string;
  label?: string;
  /** FEEL expression giving the input value. */
  expression: string;
  typeRef?: string;
}

export interface TableOutput {
  id: string;
  /** Key of the value in the result (the output's name, else its label, else its id). */
  name: string;
  typeRef?: string;
  /** FEEL unary tests listing the allowed values (also the priority order for PRIORITY / OUTPUT ORDER). */
  outputValues?: string;
  /** FEEL expression used when no rule matches (single-hit tables). */
  defaultOutput?: string;
}

export interface TableRule {
  id: string;
  /** FEEL unary tests, one per input ('-' or empty: any value). */
  inputEntries: string[];
  /** FEEL expressions, one per output (empty: null). */
  outputEntries: string[];
  description?: string;
}

export interface DecisionTable {
  kind: 'table';
  id: string;
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: TableInput[];
  outputs: TableOutput[];
  rules: TableRule[];
}

export interface LiteralExpression {
  kind: 'literal';
  id: string;
  expression: string;
  /** Result key (the decision's variable name, else its name, else its id). */
  name: string;
  typeRef?: string;
  /** The declared type when it is an itemDefinition (list, context): a result that does not conform is null. */
  type?: DmnType;
}

/**
 * A decision service (DMN 1.3 §10.4), evaluable by its id like a decision and callable as a FEEL
 * function by decisions that require it: its parameters (input data, then input decisions) are
 * bound by name, its output decisions evaluated with them; one output gives its value, several a
 * context by output name.
 */
export interface DecisionServiceLogic {
  kind: 'service';
  id: string;
  /** Output decision ids, in order. */
  outputs: string[];
  /** Parameters in order: each input data, then each input decision (its id in `decision`). */
  parameters: Array<{ name: string; decision?: string; typeRef?: string }>;
}

export interface CompiledDecision {
  id: string;
  name?: string;
  /** Name the result is known by in the FEEL context of dependent decisions (besides id and name). */
  variableName?: string;
  /** Ids of the decisions this one requires (evaluated first). */
  requires: string[];
  /** Ids of the decision services it invokes as functions (knowledge requirements), bound by name in its context. */
  services?: string[];
  logic: DecisionTable | LiteralExpression | DecisionServiceLogic;
}

/** A DMN type (typeRef, resolved through the file's itemDefinitions): what input values are coerced to. */
export type DmnType = { kind: 'builtin'; name: string } | { kind: 'collection'; of: DmnType } | { kind: 'context'; fields: Record<string, DmnType> };

export interface CompiledDmn {
  /** The definitions' id and name. */
  id: string;
  name?: string;
  decisions: Record<string, CompiledDecision>;
  /** Typed input data (by FEEL name): values given for them are coerced to the type (a value that does not fit is null). */
  inputs?: Record<string, DmnType>;
  /** Decision tables inside boxed expressions and business knowledge models, by the key `rei_table` is called with. */
  tables?: Record<string, DecisionTable>;
}

/**
 * The outcome of one decision, as Camunda's DmnDecisionResult: a list of
 * result entries (one map of output name → value per matched rule; one entry
 * for an aggregation or a literal expression).
 */
export interface DecisionOutcome {
  decisionId: string;
  /** The result list (one map per matched rule / aggregate / literal value). */
  rows: Array<Record<string, unknown>>;
  /** The value dependent decisions see (DMN semantics: value, context, or list of them). */
  value: unknown;
  /** Result for API callers: one map for single-hit tables, aggregates and literals; a list for multi-hit tables. */
  result: Record<string, unknown> | Array<Record<string, unknown>> | null;
  matchedRules: string[];
  /** Outcomes of the required decisions, by decision id. */
  required: Record<string, { result: DecisionOutcome['result']; matchedRules: string[] }>;
}
