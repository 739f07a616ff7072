/**
 * Business rules checked when a task is completed, by form id (the task's
 * camunda:formKey): a broken rule refuses the completion with 422
 * BUSINESS_RULE_FAILED and `details.errors: [{field, message}]`, before
 * anything is written — the task stays open and the case does not move.
 * The form's own checks (required fields, patterns) run first (FORM_VALIDATION_FAILED).
 */
import type { CompletionRule, RuleContext } from './types.js';
import { ValidationError } from '../../shared/errors.js';
import { convocazioneRule } from './convocazione.js';

export type { CompletionRule, RuleContext, RuleViolation } from './types.js';

const rules: ReadonlyMap<string, readonly CompletionRule[]> = group([convocazioneRule]);

/** The rules of a form id (none for most forms). */
export function completionRulesOf(formId: string): readonly CompletionRule[] {
  return rules.get(formId) ?? [];
}

/** Throws 422 BUSINESS_RULE_FAILED listing every broken rule of the form. */
export function enforceCompletionRules(formId: string, ctx: RuleContext): void {
  const errors = completionRulesOf(formId).flatMap((r) => r.check(ctx));
  if (errors.length) {
    throw new ValidationError(`Il task non può essere completato: ${errors.map((e) => e.message).join('; ')}`, { formId, errors }, 'BUSINESS_RULE_FAILED');
  }
}

function group(list: readonly CompletionRule[]): Map<string, CompletionRule[]> {
  const out = new Map<string, CompletionRule[]>();
  for (const rule of list) out.set(rule.formId, [...(out.get(rule.formId) ?? []), rule]);
  return out;
}
