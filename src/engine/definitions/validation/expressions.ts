/**
 * Every `${…}` the engine evaluates — user-task attributes, flow and event
 * conditions, timer values, multi-instance settings, camunda:inputOutput
 * values — must parse (`expression-syntax`; a condition must be exactly one
 * `${…}`), may call only the engine's functions (`expression-unknown-function`),
 * may read only existing parameters (`expression-unknown-param`, when the
 * deployment gives the process's parameters) and only variables something
 * defines (`expression-undefined-variable`, see variables.ts for the sources).
 *
 * Undefined variables refuse the deployment only when the check can be exact:
 * the process declares its variables (or the deployment gives the forms'
 * fields) AND every source of variables it uses is known. Otherwise they are
 * warnings, so plain Camunda models that do not declare variables still deploy.
 */
import type { ModdleElement } from 'bpmn-moddle';
import { checkExpression, isExpression } from '../../expressions/index.js';
import { parseExpression, type ExprNode } from '../../expressions/parser.js';
import { expressionScope } from '../../execution/engine-expressions.js';
import { CALENDAR_FUNCTION_NAMES } from '../../calendar/functions.js';
import type { Findings, RuleInput } from './findings.js';
import { collectVariableSources } from './variables.js';
import { allFlowElements, bodyOf, eventDefinitions, extensions, isA, label, list, text } from './walk.js';

interface ExprSource {
  el: ModdleElement;
  where: string;
  source: string;
  /** Must be exactly one `${…}` (a condition). */
  condition?: boolean;
  /** false for output parameters, which may read the activity's local variables. */
  reads: boolean;
}

/** Names of the functions expressions may call: the engine's own scope plus the calendar functions (now(), addWorkingDays…) every comune gets. */
export const ENGINE_FUNCTIONS: ReadonlySet<string> = new Set([...Object.keys(expressionScope({}, { params: {}, clock: { now: () => new Date(0) } }).functions), ...CALENDAR_FUNCTION_NAMES]);
const BUILTINS = new Set(['params', ...ENGINE_FUNCTIONS]);
const USER_TASK_ATTRS = ['assignee', 'candidateUsers', 'candidateGroups', 'formKey', 'dueDate', 'followUpDate', 'priority'];
/** A condition in a script language (refused by the `no-scripts` rule, not parsed here). */
const isScript = (language: unknown) => !/^(juel|expression|)$/i.test(String(language ?? '').trim());

export function checkExpressions(input: RuleInput, out: Findings): void {
  const vars = collectVariableSources(input);
  const strict = vars.declared !== undefined || input.formFields !== undefined;
  const reported = new Set<string>();
  const once = (key: string): boolean => {
    if (reported.has(key)) return false;
    reported.add(key);
    return true;
  };

  for (const src of collectSources(input.proc)) {
    const { el, where } = src;
    out.guard('expression', el.id, () => {
      let used: { identifiers: string[]; functions: string[] };
      try {
        used = checkExpression(src.source);
      } catch (err) {
        out.error('expression-syntax', el.id, `Espressione non valida in ${where} di ${label(el)}: ${(err as Error).message}`);
        return;
      }
      if (src.condition && !isExpression(src.source)) {
        out.error('expression-syntax', el.id, `La condizione in ${where} di ${label(el)} deve essere un'unica espressione \${…}, non "${src.source}"`);
        return;
      }
      for (const fn of used.functions) {
        if (!ENGINE_FUNCTIONS.has(fn) && once(`f:${el.id}:${fn}`)) {
          out.error('expression-unknown-function', el.id, `La funzione "${fn}" usata in ${where} di ${label(el)} non esiste (disponibili: ${[...ENGINE_FUNCTIONS].join(', ')})`);
        }
      }
      if (input.params) {
        for (const path of paramPaths(src.source)) {
          const missing = missingParam(input.params, path);
          if (missing && once(`p:${el.id}:${missing}`)) {
            out.error('expression-unknown-param', el.id, `Il parametro "${missing}" usato in ${where} di ${label(el)} non esiste nei parametri del processo`);
          }
        }
      }
      if (!src.reads) return;
      for (const name of used.identifiers) {
        if (BUILTINS.has(name) || vars.defined.has(name) || !once(`v:${el.id}:${name}`)) continue;
        const what = `La variabile "${name}" usata in ${where} di ${label(el)}`;
        if (!strict) out.warn('expression-undefined-variable', el.id, `${what} non è definita nel modello: se arriva all'avvio, da un messaggio o da un worker esterno dichiararla nella proprietà "variables" del processo (camunda:properties)`);
        else if (vars.unknown.length) out.warn('expression-undefined-variable', el.id, `${what} non è dichiarata né definita; potrebbe impostarla ${vars.unknown.join(', ')}`);
        else out.error('expression-undefined-variable', el.id, `${what} non è mai definita: non è dichiarata nella proprietà "variables" del processo, né è impostata da un modulo, da un handler o dal modello`);
      }
    });
  }
}

function collectSources(proc: ModdleElement): ExprSource[] {
  const out: ExprSource[] = [];
  const push = (el: ModdleElement, where: string, value: unknown, opts: { condition?: boolean; reads?: boolean; onlyIfExpression?: boolean } = {}) => {
    const source = text(value);
    if (!source) return;
    if (opts.onlyIfExpression && !/[$#]\{/.test(source)) return;
    out.push({ el, where, source, condition: opts.condition, reads: opts.reads ?? true });
  };
  for (const el of allFlowElements(proc)) {
    if (isA(el, 'bpmn:UserTask')) for (const attr of USER_TASK_ATTRS) push(el, `camunda:${attr}`, el[attr]);
    const cond = el.conditionExpression as ModdleElement | undefined;
    if (isA(el, 'bpmn:SequenceFlow') && cond && !isScript(cond.language)) push(el, 'conditionExpression', bodyOf(cond), { condition: true });
    for (const def of eventDefinitions(el)) {
      if (isA(def, 'bpmn:TimerEventDefinition')) {
        for (const kind of ['timeDuration', 'timeDate', 'timeCycle']) push(el, kind, bodyOf(def[kind]), { onlyIfExpression: true });
      }
      if (isA(def, 'bpmn:ConditionalEventDefinition')) {
        const c = def.condition as ModdleElement | undefined;
        if (c && !isScript(c.language)) push(el, 'condition', bodyOf(c), { condition: true });
      }
    }
    const loop = el.loopCharacteristics as ModdleElement | undefined;
    if (loop) {
      push(el, 'loopCardinality', bodyOf(loop.loopCardinality), { onlyIfExpression: true });
      push(el, 'completionCondition', bodyOf(loop.completionCondition), { condition: true });
      push(el, 'camunda:collection', loop.collection, { onlyIfExpression: true });
      push(el, 'loopCondition', bodyOf(loop.loopCondition), { condition: true });
    }
    for (const io of extensions(el, 'camunda:InputOutput')) {
      for (const p of list(io.inputParameters)) push(el, `camunda:inputParameter "${String(p.name)}"`, p.value, { onlyIfExpression: true });
      for (const p of list(io.outputParameters)) push(el, `camunda:outputParameter "${String(p.name)}"`, p.value, { onlyIfExpression: true, reads: false });
    }
  }
  return out;
}

/** The static paths read under `params` (`${params.a.b}` → ['a', 'b']). The source has parsed already. */
export function paramPaths(source: string): string[][] {
  const paths: string[][] = [];
  const staticPath = (n: ExprNode): string[] | undefined => {
    if (n.type === 'Identifier') return [n.name];
    if (n.type !== 'Member' || n.property.type !== 'Literal') return undefined;
    const v = n.property.value;
    const base = staticPath(n.object);
    return base && (typeof v === 'string' || typeof v === 'number') ? [...base, String(v)] : undefined;
  };
  const walk = (n: ExprNode): void => {
    if (n.type === 'Member') {
      const p = staticPath(n);
      if (p) {
        if (p[0] === 'params') paths.push(p.slice(1));
        return;
      }
      walk(n.object);
      walk(n.property);
      return;
    }
    if (n.type === 'Call') [n.callee, ...n.args].forEach(walk);
    else if (n.type === 'Array') n.elements.forEach(walk);
    else if (n.type === 'Unary') walk(n.argument);
    else if (n.type === 'Binary') [n.left, n.right].forEach(walk);
    else if (n.type === 'Conditional') [n.test, n.consequent, n.alternate].forEach(walk);
  };
  for (const body of expressionBodies(source)) walk(parseExpression(body));
  return paths;
}

/** `params.a.b` if `a.b` is not in the parameters (stopping at the first missing key), else undefined. */
export function missingParam(params: Record<string, unknown>, path: string[]): string | undefined {
  let cur: unknown = params;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (key === 'length' && (typeof cur === 'string' || Array.isArray(cur))) return undefined;
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return ['params', ...path.slice(0, i + 1)].join('.');
    cur = (cur as Record<string, unknown>)[key];
  }
  return undefined;
}

/** Bodies of the `${…}` / `#{…}` in a source (a `}` inside quotes does not close one). */
function expressionBodies(source: string): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < source.length; i++) {
    if ((source[i] !== '$' && source[i] !== '#') || source[i + 1] !== '{') continue;
    const start = i + 2;
    let quote = '';
    for (i = start; i < source.length; i++) {
      const ch = source[i];
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '}') break;
    }
    bodies.push(source.slice(start, i));
  }
  return bodies;
}
