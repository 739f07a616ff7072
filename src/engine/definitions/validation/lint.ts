/**
 * bpmnlint's recommended rules, reported as warnings only (rule
 * `bpmnlint/<name>`): they are modelling advice, never a reason to refuse a
 * deployment. Rules our own checks already enforce as errors are switched off
 * (no-disconnected and no-implicit-start ⊂ `unreachable`, conditional-flows ≈
 * `gateway-missing-condition`). A rule that fails on an exotic model reports a
 * warning for that element instead of aborting.
 */
import { createRequire } from 'node:module';
import type { ModdleElement } from 'bpmn-moddle';
import type { Findings } from './findings.js';
import { isA, list } from './walk.js';
import { italianLintMessage } from './lint-messages.js';

type Reporter = { report(id: string | undefined, message: string): void };
type EnterFn = (node: ModdleElement, reporter: Reporter) => boolean | void;
type LeaveFn = (node: ModdleElement, reporter: Reporter) => void;
type Check = EnterFn | { enter?: EnterFn; leave?: LeaveFn };
type RuleDefinition = { meta?: unknown; check: Check };
interface LintReport {
  id?: string;
  message: string;
  category: string;
}
interface Linter {
  lint(root: ModdleElement): Promise<Record<string, LintReport[]>>;
}

const require = createRequire(import.meta.url);
const bpmnlint = require('bpmnlint') as { Linter: new (opts: unknown) => Linter };
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver') as new (opts?: unknown) => unknown;

/** Our rules that already cover these, as errors. */
export const DUPLICATED_RULES = ['no-disconnected', 'no-implicit-start', 'conditional-flows'];

const CONFIG = {
  extends: 'bpmnlint:recommended',
  rules: Object.fromEntries(DUPLICATED_RULES.map((r) => [r, 'off'])),
};

/** Beyond this many identical reports of one rule (e.g. no-bpmndi on a model without diagram), one grouped warning. */
const GROUP_OVER = 3;

/** A fresh linter per run: some bpmnlint rules keep state in their closure (no-duplicate-sequence-flows). */
function newLinter(): Linter {
  return new bpmnlint.Linter({ config: CONFIG, resolver: new NodeResolver({ require }), transformRule: isolate });
}

/** Lints the whole definitions element; findings go to `out` as warnings. */
export async function lintDefinitions(definitions: ModdleElement, out: Findings): Promise<void> {
  try {
    fillFlowReferences(definitions);
    const results = await newLinter().lint(definitions);
    for (const [rule, reports] of Object.entries(results)) {
      const byMessage = new Map<string, LintReport[]>();
      for (const r of reports) {
        const message = italianLintMessage(r.message);
        byMessage.set(message, [...(byMessage.get(message) ?? []), r]);
      }
      for (const [message, same] of byMessage) {
        const id = same[0]!.category === 'rule-error' ? 'validation-internal' : `bpmnlint/${rule}`;
        if (same.length <= GROUP_OVER) for (const r of same) out.warn(id, r.id, message);
        else out.warn(id, same[0]!.id, `${message} (${same.length} elementi: ${summary(same.map((r) => r.id ?? '?'))})`);
      }
    }
  } catch (err) {
    out.warn('validation-internal', undefined, `Controlli bpmnlint non eseguiti: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** Wraps a rule's check so an exception on one element becomes a report on that element. */
function isolate(rule: RuleDefinition): RuleDefinition {
  const guard = <F extends (node: ModdleElement, reporter: Reporter) => unknown>(fn: F | undefined) =>
    fn &&
    ((node: ModdleElement, reporter: Reporter) => {
      try {
        return fn(node, reporter);
      } catch (err) {
        reporter.report(node?.id, `controllo non applicabile a questo elemento (${(err as Error)?.message ?? String(err)})`);
        return undefined;
      }
    });
  const check = rule.check;
  if (typeof check === 'function') return { ...rule, check: guard(check) as EnterFn };
  return { ...rule, check: { ...(check.enter ? { enter: guard(check.enter) as EnterFn } : {}), ...(check.leave ? { leave: guard(check.leave) as LeaveFn } : {}) } };
}

/**
 * bpmnlint reads flow nodes' incoming/outgoing lists, which BPMN makes
 * redundant with the flows' sourceRef/targetRef and many hand-written models
 * omit: fill them in from the flows (call after compiling, never before).
 */
function fillFlowReferences(definitions: ModdleElement): void {
  const visit = (container: ModdleElement, depth: number) => {
    if (depth > 100) return;
    for (const el of list(container.flowElements)) {
      if (isA(el, 'bpmn:SequenceFlow')) {
        attach(el.sourceRef, 'outgoing', el);
        attach(el.targetRef, 'incoming', el);
      }
      if (el.flowElements) visit(el, depth + 1);
    }
  };
  for (const root of list(definitions.rootElements)) if (isA(root, 'bpmn:Process')) visit(root, 0);
}

function attach(node: unknown, prop: 'incoming' | 'outgoing', flow: ModdleElement): void {
  if (!isA(node, 'bpmn:FlowNode')) return;
  const current = Array.isArray(node[prop]) ? (node[prop] as unknown[]) : [];
  if (!current.includes(flow)) node[prop] = [...current, flow];
}

function summary(ids: string[]): string {
  return ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, …` : ids.join(', ');
}
