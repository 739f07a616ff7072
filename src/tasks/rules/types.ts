/** The shapes of a completion rule (see registry.ts). */
import type { WorkingCalendar } from '../../engine/calendar/index.js';

export interface RuleContext {
  /** The case's variables with the submission applied on top. */
  variables: Record<string, unknown>;
  /** The case's parameters (params.*). */
  params: Record<string, unknown>;
  now: Date;
  /** The comune's working calendar (national holidays, patron day, closures). */
  calendar: WorkingCalendar;
}

export interface RuleViolation {
  /** Path of the field in the submitted variables, e.g. `convocazione.dataOra`. */
  field: string;
  /** In Italian, for the person filling the form. */
  message: string;
}

export interface CompletionRule {
  formId: string;
  description: string;
  check(ctx: RuleContext): RuleViolation[];
}
