/**
 * Bounds on evaluating analyst-written DMN (issue 11, item 11: a
 * `count(for i in 1..n return i)` with n = 2,000,000 blocked the event loop
 * for 4.2 s). Evaluation is synchronous FEEL inside feelin, so it runs under a
 * V8 watchdog (node:vm's `timeout`, which interrupts any JavaScript running in
 * the isolate, feelin's included) and its result has a size limit. Either
 * bound gives a 422 DECISION_EVALUATION_FAILED, never a blocked server.
 */
import vm from 'node:vm';
import { DecisionEvaluationError } from './errors.js';

export const DECISION_LIMITS = {
  /** Milliseconds one evaluation (a decision and its requirements) may run. */
  timeoutMs: Number(process.env.DMN_EVAL_TIMEOUT_MS) > 0 ? Number(process.env.DMN_EVAL_TIMEOUT_MS) : 1000,
  /** Largest result, as JSON characters. */
  maxResultChars: Number(process.env.DMN_EVAL_MAX_RESULT_CHARS) > 0 ? Number(process.env.DMN_EVAL_MAX_RESULT_CHARS) : 1_000_000,
};

const context = vm.createContext({});
const script = new vm.Script('run()');

export function withinBounds<T>(decisionId: string, fn: () => T): T {
  (context as { run?: () => T }).run = fn;
  try {
    return script.runInContext(context, { timeout: DECISION_LIMITS.timeoutMs }) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new DecisionEvaluationError(`Valutazione della decisione "${decisionId}" interrotta: supera il limite di ${DECISION_LIMITS.timeoutMs} ms`, { decisionId, limitMs: DECISION_LIMITS.timeoutMs });
    }
    throw err;
  } finally {
    (context as { run?: () => T }).run = undefined;
  }
}

export function checkResultSize(decisionId: string, plain: unknown): void {
  const size = JSON.stringify(plain)?.length ?? 0;
  if (size > DECISION_LIMITS.maxResultChars) {
    throw new DecisionEvaluationError(`Il risultato della decisione "${decisionId}" è troppo grande (${size} caratteri, al massimo ${DECISION_LIMITS.maxResultChars})`, { decisionId, maxResultChars: DECISION_LIMITS.maxResultChars });
  }
}
