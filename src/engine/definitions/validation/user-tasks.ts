/**
 * User tasks: the form a task names must exist (`form-unknown`), literal
 * candidate groups must exist in the comune (`candidate-group-unknown`);
 * advice when a task has no due date or nobody who can take it.
 * `${…}` values are resolved at run time and are not checked here.
 */
import { hasExpression } from '../../expressions/index.js';
import type { Findings, RuleInput } from './findings.js';

/**
 * The form id a camunda:formKey refers to: `camunda-forms:deployment:<id>` → id,
 * `camunda-forms:app:forms/<id>.form` → id, a plain key → itself; undefined
 * for an expression (known only at run time).
 */
export function formIdOf(formKey: string | undefined): string | undefined {
  const key = formKey?.trim();
  if (!key || hasExpression(key)) return undefined;
  const prefixed = /^camunda-forms:(?:deployment|app):(.+)$/i.exec(key);
  // embedded:…, app:…, http:… name no form-js form: nothing to check (same rule as src/tailoring/forms/schema.ts formIdFromKey)
  if (!prefixed && /^[A-Za-z][\w+.-]*:/.test(key)) return undefined;
  const rest = prefixed ? prefixed[1]!.trim() : key;
  return rest.slice(rest.lastIndexOf('/') + 1).replace(/\.form$/i, '');
}

export function checkUserTasks(input: RuleInput, out: Findings): void {
  for (const el of Object.values(input.index.elements)) {
    const ut = el.userTask;
    if (!ut) continue;
    const name = el.name ?? el.id;
    const formId = formIdOf(ut.formKey);
    if (formId !== undefined && input.formIds && !input.formIds.has(formId)) {
      out.error('form-unknown', el.id, `Il task "${name}" usa il modulo "${formId}" (camunda:formKey="${ut.formKey}"), che non esiste per questo comune`);
    }
    if (ut.candidateGroups && input.groups) {
      for (const group of literalItems(ut.candidateGroups)) {
        if (!input.groups.has(group)) out.error('candidate-group-unknown', el.id, `Il task "${name}" indica il gruppo candidato "${group}", che non esiste per questo comune`);
      }
    }
    if (!ut.dueDate) out.warn('user-task-no-due-date', el.id, `Il task "${name}" non ha una scadenza (camunda:dueDate)`);
    if (!ut.assignee && !ut.candidateGroups && !ut.candidateUsers) {
      out.warn('user-task-unassigned', el.id, `Il task "${name}" non ha assegnatario né gruppi o utenti candidati: non comparirà nella lista di nessun operatore finché non viene assegnato`);
    }
  }
}

/** Items of a comma list, leaving out every `${…}` / `#{…}` (a `}` inside quotes does not close one). */
export function literalItems(value: string): string[] {
  let literal = '';
  for (let i = 0; i < value.length; i++) {
    if ((value[i] === '$' || value[i] === '#') && value[i + 1] === '{') {
      let quote = '';
      for (i += 2; i < value.length; i++) {
        const ch = value[i];
        if (quote) {
          if (ch === '\\') i++;
          else if (ch === quote) quote = '';
        } else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '}') break;
      }
      literal += ',';
      continue;
    }
    literal += value[i];
  }
  return [...new Set(literal.split(',').map((s) => s.trim()).filter(Boolean))];
}
