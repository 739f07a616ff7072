/**
 * What validation hands back: refusals (errors) and advice (warnings), each a
 * Problem with rule id, element id and source line. `guard` runs one rule so
 * that an internal failure on an exotic model becomes a warning, never a crash.
 */
import type { ModdleElement } from 'bpmn-moddle';
import type { Problem } from '../../../shared/errors.js';
import type { ModelIndex } from '../model.js';
import { lineOfId } from '../xml-guard.js';

/** Everything a rule may look at for one executable process. */
export interface RuleInput {
  xml: string;
  /** The bpmn:Process element being deployed. */
  proc: ModdleElement;
  index: ModelIndex;
  handlerNames: ReadonlySet<string>;
  /** Declared outputs of registered handlers; a handler absent here has unknown outputs. */
  handlerOutputs?: ReadonlyMap<string, readonly string[]>;
  /** Form ids that exist for this deployment; undefined skips the form check. */
  formIds?: ReadonlySet<string>;
  /** Field keys by form id; undefined (or a missing id) means "unknown". */
  formFields?: Readonly<Record<string, readonly string[]>>;
  /** The variables each visible form writes, read from the forms themselves: used to know a variable, never to make the check strict. */
  formVariables?: Readonly<Record<string, readonly string[]>>;
  /** Candidate groups that exist; undefined skips the group check. */
  groups?: ReadonlySet<string>;
  /** Decision keys business rule tasks may reference; undefined skips the check. */
  decisionKeys?: ReadonlySet<string>;
  /** This process's merged parameters (params.…); undefined skips the parameter check. */
  params?: Record<string, unknown>;
}

export class Findings {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  constructor(private readonly xml: string) {}

  error(rule: string, elementId: string | undefined, message: string): void {
    this.errors.push(this.problem(rule, elementId, message));
  }

  warn(rule: string, elementId: string | undefined, message: string): void {
    this.warnings.push(this.problem(rule, elementId, message));
  }

  /** Runs a rule; if it throws, records a warning (the model is not refused for our bug). */
  guard(rule: string, elementId: string | undefined, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.warn('validation-internal', elementId, `Controllo "${rule}" non eseguito per un errore interno: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private problem(rule: string, elementId: string | undefined, message: string): Problem {
    const line = lineOfId(this.xml, elementId);
    return { rule, message, ...(elementId ? { elementId } : {}), ...(line ? { line } : {}) };
  }
}
