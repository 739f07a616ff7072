/**
 * Adapts the safe `${…}` evaluator to bpmn-engine's expressions interface:
 * process variables are the scope, `params` the instance's parameter snapshot,
 * plus date functions from the injected clock.
 */
import type { Clock } from '../../shared/clock.js';
import { evaluateExpression, hasExpression, isExpression } from '../expressions/index.js';

export type ExpressionFunctions = Record<string, (...args: unknown[]) => unknown>;

export interface ScopeExtras {
  params: Record<string, unknown>;
  clock: Clock;
  /** Extra functions for this instance (e.g. working-day arithmetic on its comune's calendar). */
  functions?: ExpressionFunctions;
}

export function expressionScope(variables: Record<string, unknown>, extras: ScopeExtras) {
  return {
    variables: { ...variables, params: extras.params },
    functions: {
      now: () => extras.clock.now().toISOString(),
      ...extras.functions,
    } as ExpressionFunctions,
  };
}

export function createEngineExpressions(extras: ScopeExtras) {
  return {
    resolveExpression(expression: string, message?: { environment?: { variables?: Record<string, unknown> } }) {
      if (typeof expression !== 'string' || !hasExpression(expression)) return expression;
      return evaluateExpression(expression, expressionScope(message?.environment?.variables ?? {}, extras));
    },
    isExpression,
    hasExpression,
  };
}
