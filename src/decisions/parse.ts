/**
 * Parses a DMN 1.3 file (untrusted XML: no DTD, size limit, see xml-guard)
 * with dmn-moddle and compiles its decisions — decision tables and literal
 * expressions, linked by requiredDecision (no imports, no business knowledge
 * models) — checking everything evaluation relies on: FEEL syntax of every
 * cell, hit policy and aggregation, cells per column, required decisions that
 * exist and form no cycle. Problems carry the element id and line, like BPMN
 * deployment problems.
 */
import { DmnModdle, type DmnElement } from 'dmn-moddle';
import type { Problem } from '../shared/errors.js';
import { checkXml, lineOfId } from '../engine/definitions/xml-guard.js';
import { feelSyntaxError } from './feel.js';
import { javaCall } from './feel-ext.js';
import type { Aggregation, CompiledDecision, DmnType, CompiledDmn, DecisionTable, HitPolicy, LiteralExpression, TableOutput } from './model.js';

export interface DmnParseResult {
  dmn: CompiledDmn | null;
  errors: Problem[];
  warnings: Problem[];
}

const DMN13_NS = 'https://www.omg.org/spec/DMN/20191111/MODEL/';
const DMNDI13_NS = 'https://www.omg.org/spec/DMN/20191111/DMNDI/';
/**
 * DMN 1.1, 1.2, 1.4 and 1.5 namespaces, read as DMN 1.3 (what dmn-moddle
 * knows; what Camunda Modeler, Trisotech, KIE and the TCK write): the model
 * elements used here are the same in all of them.
 */
const NAMESPACES: ReadonlyArray<[RegExp, string]> = [
  [/https?:\/\/www\.omg\.org\/spec\/DMN\/20151101\/dmn(11)?\.xsd/g, DMN13_NS],
  [/https?:\/\/www\.omg\.org\/spec\/DMN\/(20180521|20211108|20230324)\/MODEL\/?/g, DMN13_NS],
  [/https?:\/\/www\.omg\.org\/spec\/DMN\/(20180521|20211108|20230324)\/DMNDI\/?/g, DMNDI13_NS],
  [/https:\/\/www\.omg\.org\/spec\/DMN\/20191111\/MODEL\/?/g, DMN13_NS],
];

/** The file with DMN 1.1–1.5 namespaces rewritten to DMN 1.3 (in place: lines do not move). */
export function normaliseDmnNamespaces(xml: string): string {
  let out = xml;
  for (const [from, to] of NAMESPACES) out = out.replace(from, to);
  return boxedExpressions14(localHrefs(out));
}

/** `href="<the file's own namespace>#id"` is a reference inside the file, as `href="#id"` (TCK 0091-local-hrefs). */
function localHrefs(xml: string): string {
  const ns = /<(?:[\w-]+:)?definitions\b[^>]*?\snamespace="([^"]+)"/.exec(xml)?.[1];
  return ns ? xml.split(`href="${ns}#`).join('href="#') : xml;
}

const BOXED14 = /<((?:[\w-]+:)?)(conditional|filter|for|some|every)\b([^>]*)>((?:(?!<(?:[\w-]+:)?(?:conditional|filter|for|some|every)\b)[\s\S])*?)<\/\1\2\s*>/g;

/**
 * DMN 1.4/1.5 boxed conditional, filter and iterators (for, some, every),
 * which dmn-moddle (DMN 1.3) does not know, rewritten to the literal FEEL
 * expression they stand for (innermost first) when each part is a literal
 * expression; lines are kept (the newlines of the original element follow it).
 */
function boxedExpressions14(xml: string): string {
  if (!/<(?:[\w-]+:)?(conditional|filter|for|some|every)\b/.test(xml)) return xml;
  let out = xml;
  for (let pass = 0; pass < 50; pass++) {
    let changed = false;
    out = out.replace(BOXED14, (whole, prefix: string, kind: string, attrs: string, inner: string) => {
      const part = (name: string): string | null => {
        const m = new RegExp(`<${prefix}${name}\\b[^>]*>\\s*<${prefix}literalExpression\\b[^>]*>\\s*<${prefix}text>([\\s\\S]*?)</${prefix}text>\\s*</${prefix}literalExpression>\\s*</${prefix}${name}>`).exec(inner);
        return m ? `(${m[1]}\n)` : null;
      };
      const variable = /iteratorVariable="([^"]*)"/.exec(attrs)?.[1];
      let feel: string | null = null;
      // A condition, match or satisfies that is not boolean, or an `in` that is not a list, gives null (TCK 1150–1154).
      const booleans = (v: string, list: string, test: string) => `every ${v} in ${list} satisfies ${test} instance of boolean`;
      if (kind === 'conditional') {
        const [c, t, e] = [part('if'), part('then'), part('else')];
        if (c && t && e) feel = `if ${c} instance of boolean then (if ${c} then ${t} else ${e}) else if ${c} = null then ${e} else null`;
      } else if (kind === 'filter') {
        const [list, match] = [part('in'), part('match')];
        if (list && match) feel = `if ${booleans('item', list, match)} then ${list}[${match}] else null`;
      } else if (variable) {
        const [list, body] = [part('in'), part(kind === 'for' ? 'return' : 'satisfies')];
        if (list && body) feel = `${kind} ${variable} in ${list} ${kind === 'for' ? 'return' : 'satisfies'} ${body}`;
        if (feel && kind !== 'for') feel = `if ${booleans(variable, list!, body!)} then (${feel}) else null`;
      }
      if (feel === null) return whole;
      changed = true;
      const lines = '\n'.repeat(Math.max(0, (whole.match(/\n/g) ?? []).length - (feel.match(/\n/g) ?? []).length));
      return `<${prefix}literalExpression><${prefix}text>${feel}</${prefix}text></${prefix}literalExpression>${lines}`;
    });
    if (!changed) break;
  }
  return out;
}
const HIT_POLICIES: readonly HitPolicy[] = ['UNIQUE', 'FIRST', 'ANY', 'PRIORITY', 'COLLECT', 'RULE ORDER', 'OUTPUT ORDER'];
const AGGREGATIONS: readonly Aggregation[] = ['SUM', 'MIN', 'MAX', 'COUNT'];
/** Decision ids are the keys decisions are deployed, looked up and referenced by. */
const KEY = /^[A-Za-z_][\w.-]{0,254}$/;

export async function parseDmn(source: string, maxBytes?: number): Promise<DmnParseResult> {
  const warnings: Problem[] = [];
  const guard = checkXml(source, maxBytes);
  if (guard.length) return { dmn: null, errors: guard, warnings };
  const xml = normaliseDmnNamespaces(source);
  let parsed;
  try {
    parsed = await new DmnModdle().fromXML(xml, 'dmn:Definitions');
  } catch (err) {
    const hint = ` (atteso un <definitions> DMN 1.1–1.5, ad esempio namespace ${DMN13_NS})`;
    return { dmn: null, errors: [{ rule: 'dmn-parse', message: `DMN non leggibile: ${(err as Error).message}${hint}` }], warnings };
  }
  const errors: Problem[] = [];
  const problem = (rule: string, elementId: string | undefined, message: string): Problem => {
    const line = lineOfId(xml, elementId);
    return { rule, message, ...(elementId ? { elementId } : {}), ...(line ? { line } : {}) };
  };
  for (const w of parsed.warnings) {
    const p = problem('dmn-schema', w.element?.id, w.message.split('\n')[0] ?? w.message);
    if (/unresolved reference/i.test(w.message)) errors.push(p);
    else warnings.push(p);
  }
  const definitions = parsed.rootElement;
  const decisions: Record<string, CompiledDecision> = {};
  // The names each decision is known by in FEEL (id, name, variable name), so expressions parse them as names.
  const feelNames = new Map<string, string[]>();
  for (const el of list(definitions.drgElement)) {
    const id = text(el.id) ?? text(el.name);
    if (el.$type === 'dmn:Decision' && id) feelNames.set(id, [id, text(el.name), text((el.variable as DmnElement | undefined)?.name)].filter((n): n is string => Boolean(n)));
  }
  // Input data and business knowledge models are known by name in every expression (for the syntax check).
  const globalNames = list(definitions.drgElement)
    .filter((el) => el.$type === 'dmn:InputData' || el.$type === 'dmn:BusinessKnowledgeModel' || el.$type === 'dmn:DecisionService')
    .map((el) => text((el.variable as DmnElement | undefined)?.name) ?? text(el.name))
    .filter((n): n is string => Boolean(n));
  // Decision tables inside boxed expressions (of decisions and of business knowledge models), by key.
  const tables: Record<string, DecisionTable> = {};
  const bkmCheck: Check = {
    report: (rule, elementId, message) => errors.push(problem(rule, elementId, message)),
    syntax: (t, kind, locals = []) => feelSyntaxError(t, kind, [...globalNames, ...locals]),
  };
  const bkms = businessKnowledgeModels(definitions, tables, bkmCheck);
  const resolveType = typeResolver(definitions);
  const serviceIds = new Set(list(definitions.drgElement).filter((el) => el.$type === 'dmn:DecisionService').map((el) => text(el.id) ?? text(el.name) ?? ''));
  for (const el of list(definitions.drgElement)) {
    if (el.$type !== 'dmn:Decision' && el.$type !== 'dmn:DecisionService') continue;
    // A decision without an id (allowed by DMN) is deployed under its name.
    const id = text(el.id) ?? text(el.name);
    if (!id || !KEY.test(id)) {
      errors.push(problem('decision-id', id, `Decisione con id non valido "${id ?? ''}": servono lettere, cifre, _ . - (l'id è la chiave con cui la decisione si valuta)`));
      continue;
    }
    if (decisions[id]) {
      errors.push(problem('decision-duplicate', id, `La decisione "${id}" compare due volte nel file`));
      continue;
    }
    const report: Report = (rule, elementId, message) => errors.push(problem(rule, elementId, message));
    const compiled = el.$type === 'dmn:DecisionService' ? compileService(el, id, definitions, report) : compileDecision(el, id, feelNames, globalNames, bkms, serviceIds, tables, resolveType, report);
    if (compiled) decisions[id] = compiled;
  }
  if (!Object.keys(decisions).length && !errors.length) errors.push(problem('no-decision', undefined, 'Il file DMN non contiene decisioni (tabelle decisionali o espressioni letterali)'));
  for (const d of Object.values(decisions)) {
    const refs = d.logic.kind === 'service' ? [...d.logic.outputs, ...d.logic.parameters.flatMap((p) => (p.decision ? [p.decision] : []))] : [...d.requires, ...(d.services ?? [])];
    for (const req of refs) {
      if (!decisions[req]) errors.push(problem('decision-required-unknown', d.id, `La decisione "${d.id}" richiede "${req}", che non è nel file`));
    }
  }
  const cycle = findCycle(decisions);
  if (cycle) errors.push(problem('decision-cycle', cycle[0], `Dipendenze circolari tra decisioni: ${cycle.join(' → ')}`));
  if (errors.length) return { dmn: null, errors, warnings };
  return { dmn: { id: text(definitions.id) ?? 'definitions', name: text(definitions.name), decisions, inputs: inputTypes(definitions), ...(Object.keys(tables).length ? { tables } : {}) }, errors, warnings };
}

type Report = (rule: string, elementId: string | undefined, message: string) => void;

/** What compiling one decision reports to: problems, and FEEL syntax checks that know its required decisions' names. */
interface Check {
  report: Report;
  /** `locals`: names in scope besides the decision's (context entries, function parameters). */
  syntax: (text: string, kind: 'expression' | 'unaryTests', locals?: readonly string[]) => string | null;
}

/**
 * Where a boxed expression sits: decision tables inside it are compiled into the file's `tables`
 * and written as a call of `rei_table` with the local names in scope (see evaluate.ts).
 */
interface Scope {
  tables: Record<string, DecisionTable>;
  locals: readonly string[];
  check: Check;
  decisionId: string;
  /** typeRefs resolved through the file's itemDefinitions (typed function parameters and results). */
  resolveType?: (typeRef: string) => DmnType | null;
}

/** A decision service: its output decisions and its parameters (input data, then input decisions, by name; as the TCK `0085` expects). */
function compileService(el: DmnElement, id: string, definitions: DmnElement, report: Report): CompiledDecision | null {
  const byId = new Map(list(definitions.drgElement).map((d) => [text(d.id) ?? '', d]));
  const refs = (key: string) => list(el[key]).map((r) => text(r.href)?.replace(/^#/, '') ?? '');
  const nameOf = (ref: string) => {
    const target = byId.get(ref);
    return text((target?.variable as DmnElement | undefined)?.name) ?? text(target?.name) ?? ref;
  };
  const outputs = refs('outputDecision');
  if (!outputs.length) {
    report('decision-service-output', id, `Il decision service "${id}" non ha decisioni di output`);
    return null;
  }
  const typeOf = (ref: string) => text((byId.get(ref)?.variable as DmnElement | undefined)?.typeRef);
  const parameters = [...refs('inputData').map((d) => ({ name: nameOf(d) })), ...refs('inputDecision').map((d) => ({ name: nameOf(d), decision: d, typeRef: typeOf(d) }))];
  return { id, name: text(el.name), variableName: text((el.variable as DmnElement | undefined)?.name), requires: [], logic: { kind: 'service', id, outputs, parameters } };
}

function compileDecision(el: DmnElement, id: string, feelNames: ReadonlyMap<string, string[]>, globalNames: readonly string[], bkms: ReadonlyMap<string, Bkm>, serviceIds: ReadonlySet<string>, tables: Record<string, DecisionTable>, resolveType: (typeRef: string) => DmnType | null, report: Report): CompiledDecision | null {
  const name = text(el.name);
  const variableName = text((el.variable as DmnElement | undefined)?.name);
  const requires: string[] = [];
  for (const req of list(el.informationRequirement)) {
    const href = text((req.requiredDecision as DmnElement | undefined)?.href);
    if (!href) continue;
    if (!href.startsWith('#')) {
      report('decision-import', id, `La decisione "${id}" richiede "${href}" da un altro file: le importazioni non sono supportate, mettere le decisioni nello stesso file`);
      continue;
    }
    requires.push(href.slice(1));
  }
  // Business knowledge models it invokes (and those they invoke), as FEEL functions around its expression.
  const used: Bkm[] = [];
  const addBkm = (href: string | undefined, seen: Set<string>) => {
    const bkm = href?.startsWith('#') ? bkms.get(href.slice(1)) : undefined;
    if (!bkm || seen.has(bkm.id)) return;
    seen.add(bkm.id);
    for (const dep of bkm.requires) addBkm(dep, seen);
    if (!used.includes(bkm)) used.push(bkm);
  };
  const services: string[] = [];
  for (const req of list(el.knowledgeRequirement)) {
    const href = text((req.requiredKnowledge as DmnElement | undefined)?.href);
    if (href?.startsWith('#') && serviceIds.has(href.slice(1))) services.push(href.slice(1));
    else if (!href || !bkms.has(href.replace(/^#/, ''))) report('decision-bkm', id, `La decisione "${id}" richiede il business knowledge model "${href ?? ''}", che non è nel file o non è supportato (serve una funzione con espressione FEEL)`);
    else addBkm(href, new Set());
  }
  const logic = el.decisionLogic as DmnElement | undefined;
  const names = [...requires.flatMap((r) => feelNames.get(r) ?? []), ...globalNames];
  let failed = false;
  const check: Check = {
    report(rule, elementId, message) {
      failed = true;
      report(rule, elementId, message);
    },
    syntax: (textToCheck, kind, locals = []) => feelSyntaxError(textToCheck, kind, [...names, ...locals]),
  };
  const scope: Scope = { tables, locals: [], check, decisionId: id, resolveType };
  let compiled: DecisionTable | LiteralExpression | null = null;
  if (logic?.$type === 'dmn:DecisionTable') compiled = compileTable(logic, id, check);
  else if (logic?.$type === 'dmn:LiteralExpression' && !used.length) compiled = compileLiteral(logic, id, variableName ?? name ?? id, text((el.variable as DmnElement | undefined)?.typeRef) ?? text(logic.typeRef), check);
  else if (logic && logic.$type !== 'dmn:DecisionTable' && boxedFeel(logic, scope) !== null) {
    // Boxed expressions (context, invocation, list, relation, function definition) are written as the FEEL they stand for.
    const body = boxedFeel(logic, scope)!;
    const expression = used.length ? `{${used.map((b) => `${JSON.stringify(b.name)}: ${b.feel}`).join(', ')}, "__result": ${body}}.__result` : body;
    compiled = compileLiteral({ ...logic, text: expression, id: text(logic.id) ?? id } as DmnElement, id, variableName ?? name ?? id, text((el.variable as DmnElement | undefined)?.typeRef) ?? text(logic.typeRef), check);
  }
  // A decision without logic (DMN allows it: decided by a person, or given as a decision service's input decision) is null.
  else if (!logic) compiled = { kind: 'literal', id, expression: '', name: variableName ?? name ?? id, typeRef: undefined };
  else check.report('decision-logic', id, `La decisione "${id}" usa ${logic.$type.replace('dmn:', '')}: sono supportate tabelle decisionali ed espressioni (letterali, contesti, invocazioni, liste, relazioni, funzioni)`);
  if (!compiled || failed) return null;
  // A literal result typed by an itemDefinition (a list, a context…) must conform to it, else it is null.
  const declared = text((el.variable as DmnElement | undefined)?.typeRef);
  const type = compiled.kind === 'literal' && declared ? resolveType(declared) : null;
  if (compiled.kind === 'literal' && type && type.kind !== 'builtin') compiled = { ...compiled, type };
  return { id, name, variableName, requires, ...(services.length ? { services } : {}), logic: compiled };
}

function compileLiteral(el: DmnElement, decisionId: string, name: string, typeRef: string | undefined, { report, syntax: syntaxOf }: Check): LiteralExpression | null {
  const expression = text(el.text) ?? '';
  const lang = text(el.expressionLanguage);
  if (lang && !/feel/i.test(lang)) report('decision-language', el.id ?? decisionId, `Linguaggio di espressione "${lang}" non supportato in "${decisionId}": solo FEEL`);
  if (!expression) report('decision-literal-empty', el.id ?? decisionId, `L'espressione letterale della decisione "${decisionId}" è vuota`);
  const syntax = syntaxOf(expression, 'expression');
  if (syntax) report('feel-syntax', el.id ?? decisionId, `Espressione FEEL non valida nella decisione "${decisionId}": ${syntax}`);
  return { kind: 'literal', id: el.id ?? decisionId, expression, name, typeRef };
}

function compileTable(el: DmnElement, decisionId: string, { report, syntax: syntaxOf }: Check): DecisionTable {
  const tableId = text(el.id) ?? decisionId;
  const hitPolicy = (text(el.hitPolicy) ?? 'UNIQUE').toUpperCase() as HitPolicy;
  if (!HIT_POLICIES.includes(hitPolicy)) report('hit-policy', tableId, `Hit policy "${hitPolicy}" non supportata in "${decisionId}" (ammesse: ${HIT_POLICIES.join(', ')})`);
  const aggregation = text(el.aggregation)?.toUpperCase() as Aggregation | undefined;
  if (aggregation && !AGGREGATIONS.includes(aggregation)) report('aggregation', tableId, `Aggregazione "${aggregation}" non supportata in "${decisionId}" (ammesse: ${AGGREGATIONS.join(', ')})`);
  if (aggregation && hitPolicy !== 'COLLECT') report('aggregation', tableId, `L'aggregazione ${aggregation} in "${decisionId}" vale solo con hit policy COLLECT`);

  const inputs = list(el.input).map((input, i) => {
    const ie = input.inputExpression as DmnElement | undefined;
    const id = text(input.id) ?? `${tableId}-input-${i + 1}`;
    const label = text(input.label);
    const expression = text(ie?.text) ?? '';
    if (!expression) report('input-expression', id, `La colonna di input ${i + 1}${label ? ` ("${label}")` : ''} di "${decisionId}" non ha un'espressione`);
    const syntax = syntaxOf(expression, 'expression');
    if (syntax) report('feel-syntax', id, `Espressione di input non valida nella colonna ${i + 1}${label ? ` ("${label}")` : ''} di "${decisionId}": ${syntax}`);
    return { id, label, expression, typeRef: text(ie?.typeRef) };
  });

  const rawOutputs = list(el.output);
  if (!rawOutputs.length) report('output-missing', tableId, `La tabella di "${decisionId}" non ha colonne di output`);
  const outputs: TableOutput[] = rawOutputs.map((o, i) => {
    const id = text(o.id) ?? `${tableId}-output-${i + 1}`;
    const name = text(o.name) ?? text(o.label) ?? (rawOutputs.length === 1 ? decisionId : id);
    if (rawOutputs.length > 1 && !text(o.name)) report('output-name', id, `Con più colonne di output ogni colonna di "${decisionId}" deve avere un nome (colonna ${i + 1})`);
    const outputValues = text((o.outputValues as DmnElement | undefined)?.text);
    const defaultOutput = text((o.defaultOutputEntry as DmnElement | undefined)?.text);
    for (const [what, value, kind] of [['valori ammessi', outputValues, 'unaryTests'], ['valore predefinito', defaultOutput, 'expression']] as const) {
      const syntax = value ? syntaxOf(value, kind) : null;
      if (syntax) report('feel-syntax', id, `FEEL non valido nei ${what} dell'output "${name}" di "${decisionId}": ${syntax}`);
    }
    return { id, name, typeRef: text(o.typeRef), outputValues, defaultOutput };
  });
  const names = outputs.map((o) => o.name);
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) report('output-name', tableId, `Due colonne di output di "${decisionId}" si chiamano "${dup}"`);
  if (aggregation && outputs.length > 1) report('aggregation', tableId, `L'aggregazione ${aggregation} in "${decisionId}" richiede una sola colonna di output`);
  if ((hitPolicy === 'PRIORITY' || hitPolicy === 'OUTPUT ORDER') && !outputs.some((o) => o.outputValues)) {
    report('hit-policy', tableId, `La hit policy ${hitPolicy} di "${decisionId}" ordina per i valori ammessi degli output (outputValues), che mancano`);
  }

  const rules = list(el.rule).map((rule, r) => {
    const id = text(rule.id) ?? `${tableId}-rule-${r + 1}`;
    const inputEntries = list(rule.inputEntry).map((e) => String(e.text ?? '').trim());
    const outputEntries = list(rule.outputEntry).map((e) => String(e.text ?? '').trim());
    if (inputEntries.length !== inputs.length) report('rule-cells', id, `La regola ${r + 1} di "${decisionId}" ha ${inputEntries.length} celle di input invece di ${inputs.length}`);
    if (outputEntries.length !== outputs.length) report('rule-cells', id, `La regola ${r + 1} di "${decisionId}" ha ${outputEntries.length} celle di output invece di ${outputs.length}`);
    inputEntries.forEach((cell, c) => {
      const syntax = syntaxOf(cell, 'unaryTests');
      if (syntax) report('feel-syntax', id, `Test FEEL non valido nella regola ${r + 1}, colonna "${inputs[c]?.label ?? inputs[c]?.expression ?? c + 1}" di "${decisionId}": ${syntax}`);
    });
    outputEntries.forEach((cell, c) => {
      const syntax = syntaxOf(cell, 'expression');
      if (syntax) report('feel-syntax', id, `Espressione FEEL non valida nella regola ${r + 1}, output "${outputs[c]?.name ?? c + 1}" di "${decisionId}": ${syntax}`);
    });
    return { id, inputEntries, outputEntries, description: text(rule.description) };
  });
  return { kind: 'table', id: tableId, hitPolicy, aggregation, inputs, outputs, rules };
}

/** A cycle among required decisions (as a path whose first and last id coincide), if any. */
function findCycle(decisions: Record<string, CompiledDecision>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done' || !decisions[id]) return null;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const req of decisions[id]!.requires) {
      const found = visit(req);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of Object.keys(decisions)) {
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

interface Bkm {
  id: string;
  name: string;
  /** `function(a, b) body` */
  feel: string;
  /** hrefs of the business knowledge models it invokes. */
  requires: string[];
}

/** The file's business knowledge models whose logic is a FEEL function (boxed expressions included). */
function businessKnowledgeModels(definitions: DmnElement, tables: Record<string, DecisionTable>, check: Check): Map<string, Bkm> {
  const resolveType = typeResolver(definitions);
  const out = new Map<string, Bkm>();
  for (const el of list(definitions.drgElement)) {
    if (el.$type !== 'dmn:BusinessKnowledgeModel') continue;
    const id = text(el.id) ?? text(el.name);
    const name = text((el.variable as DmnElement | undefined)?.name) ?? text(el.name);
    const logic = el.encapsulatedLogic as DmnElement | undefined;
    if (!id || !name) continue;
    const feel = logic ? boxedFeel({ ...logic, $type: 'dmn:FunctionDefinition' } as DmnElement, { tables, locals: [], check, decisionId: id, resolveType }) : null;
    if (feel === null) continue;
    const requires = list(el.knowledgeRequirement)
      .map((r) => text((r.requiredKnowledge as DmnElement | undefined)?.href))
      .filter((h): h is string => Boolean(h));
    out.set(id, { id, name, feel, requires });
  }
  return out;
}

/**
 * A boxed expression as the FEEL text it stands for (DMN 1.3 ch. 10 / 12):
 * literal expression, context (entries in order; the entry without a name is
 * the result), invocation (named parameters), list, relation and FEEL
 * function definition. null when a part is not expressible this way (a
 * decision table inside a context, a Java/PMML function…).
 */
export function boxedFeel(el: DmnElement, scope?: Scope): string | null {
  const inner = (child: DmnElement, locals: readonly string[] = []) => boxedFeel(child, scope && { ...scope, locals: [...scope.locals, ...locals] });
  switch (el.$type) {
    case 'dmn:DecisionTable': {
      if (!scope) return null;
      const { check, locals } = scope;
      const key = `t${Object.keys(scope.tables).length + 1}`;
      scope.tables[key] = compileTable(el, scope.decisionId, { report: check.report, syntax: (t, kind, more = []) => check.syntax(t, kind, [...locals, ...more]) });
      return `rei_table(${JSON.stringify(key)}, {${locals.map((n) => `${JSON.stringify(n)}: ${n}`).join(', ')}})`;
    }
    case 'dmn:LiteralExpression': {
      const t = text(el.text);
      return t === undefined ? 'null' : `(${t}\n)`;
    }
    case 'dmn:Context': {
      const entries: string[] = [];
      const defined: string[] = [];
      let result: string | null = null;
      for (const entry of list(el.contextEntry)) {
        const value = entry.value as DmnElement | undefined;
        const feel = value ? inner(value, defined) : 'null';
        if (feel === null) return null;
        const name = text((entry.variable as DmnElement | undefined)?.name);
        if (name) defined.push(name);
        if (name) entries.push(`${JSON.stringify(name)}: ${feel}`);
        else result = feel;
      }
      if (result === null) return `{${entries.join(', ')}}`;
      return `{${[...entries, `"__result": ${result}`].join(', ')}}.__result`;
    }
    case 'dmn:Invocation': {
      const callee = el.calledFunction as DmnElement | undefined;
      const fn = callee ? inner(callee) : null;
      if (fn === null) return null;
      const args: string[] = [];
      for (const b of list(el.binding)) {
        const param = text((b.parameter as DmnElement | undefined)?.name);
        const value = b.bindingFormula as DmnElement | undefined;
        const feel = value ? inner(value) : 'null';
        if (!param || feel === null) return null;
        args.push(`${param}: ${feel}`);
      }
      return `${fn.replace(/^\((.*)\n\)$/s, '$1').trim()}(${args.join(', ')})`;
    }
    case 'dmn:List': {
      const items = list(el.elements).map((e) => inner(e));
      return items.some((i) => i === null) ? null : `[${items.join(', ')}]`;
    }
    case 'dmn:Relation': {
      const columns = list(el.column).map((c) => text(c.name) ?? '');
      const rows: string[] = [];
      for (const row of list(el.row)) {
        const cells = list(row.elements).map((e) => inner(e));
        if (cells.some((c) => c === null)) return null;
        rows.push(`{${columns.map((c, i) => `${JSON.stringify(c)}: ${cells[i] ?? 'null'}`).join(', ')}}`);
      }
      return `[${rows.join(', ')}]`;
    }
    case 'dmn:FunctionDefinition': {
      const kind = text(el.kind);
      const body = el.body as DmnElement | undefined;
      const params = list(el.formalParameter).map((p) => text(p.name) ?? '');
      if (kind?.toUpperCase() === 'JAVA' && body?.$type === 'dmn:Context') {
        // The body is a context with a class and a method signature (see ./java-functions.ts).
        const entry = (name: string) => {
          const e = list(body.contextEntry).find((c) => text((c.variable as DmnElement | undefined)?.name) === name)?.value as DmnElement | undefined;
          return e ? inner(e) : null;
        };
        const [cls, signature] = [entry('class'), entry('method signature')];
        return cls && signature ? `(${javaCall(cls, signature, params)})` : null;
      }
      if (kind && kind.toUpperCase() !== 'FEEL') return null;
      const feel = body ? inner(body, params) : 'null';
      if (feel === null) return null;
      // Typed parameters or result: checked by rei_typed (feel-ext.ts), with the types as JSON.
      const typeJson = (typeRef: string | undefined) => {
        const t = typeRef && scope?.resolveType ? scope.resolveType(typeRef) : null;
        return t ? JSON.stringify(JSON.stringify(t)) : 'null';
      };
      const paramTypes = list(el.formalParameter).map((p) => typeJson(text(p.typeRef)));
      const resultType = typeJson(text(body?.typeRef));
      if (resultType !== 'null' || paramTypes.some((t) => t !== 'null')) {
        return `(function(${params.join(', ')}) rei_typed(${feel}, ${resultType}, [${params.join(', ')}], [${paramTypes.join(', ')}]))`;
      }
      return `(function(${params.join(', ')}) ${feel})`;
    }
    default:
      return null;
  }
}

/** A typeRef resolved through the file's itemDefinitions (null: untyped, or a cycle). */
function typeResolver(definitions: DmnElement): (typeRef: string | undefined) => DmnType | null {
  const items = new Map(list(definitions.itemDefinition).map((d) => [text(d.name) ?? '', d]));
  const resolve = (typeRef: string | undefined, seen: Set<string>): DmnType | null => {
    if (!typeRef) return null;
    const name = typeRef.replace(/^(feel|FEEL):/, '');
    const item = items.get(name) ?? items.get(name.replace(/^[^:]*:/, ''));
    if (!item) return { kind: 'builtin', name: name.toLowerCase() };
    if (seen.has(name)) return null;
    const next = new Set(seen).add(name);
    return itemType(item, next);
  };
  const itemType = (item: DmnElement, seen: Set<string>): DmnType | null => {
    let type: DmnType | null;
    const components = list(item.itemComponent);
    if (components.length) {
      const fields: Record<string, DmnType> = {};
      for (const c of components) {
        const t = itemType(c, seen);
        if (t && text(c.name)) fields[text(c.name)!] = t;
      }
      type = { kind: 'context', fields };
    } else type = resolve(text(item.typeRef), seen);
    return type && item.isCollection === true ? { kind: 'collection', of: type } : type;
  };
  return (typeRef) => resolve(typeRef, new Set());
}

/** The types of the file's input data, resolved through its itemDefinitions (unknown or untyped inputs are left out). */
function inputTypes(definitions: DmnElement): Record<string, DmnType> {
  const resolve = typeResolver(definitions);
  const out: Record<string, DmnType> = {};
  for (const el of list(definitions.drgElement)) {
    if (el.$type !== 'dmn:InputData') continue;
    const variable = el.variable as DmnElement | undefined;
    const name = text(variable?.name) ?? text(el.name);
    const type = resolve(text(variable?.typeRef));
    if (name && type) out[name] = type;
  }
  return out;
}

function list(v: unknown): DmnElement[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as DmnElement[]) : [];
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
