/**
 * Errors raised by the `${…}` expression language: syntax errors (at parse time,
 * e.g. while validating a model) and evaluation errors (at run time).
 */

export class ExpressionSyntaxError extends Error {
  readonly code = 'EXPRESSION_SYNTAX';

  constructor(
    /** The text that failed to parse (the whole source string when known). */
    readonly expression: string,
    /** What is wrong, without the expression text (e.g. `Expected expression after &&`). */
    readonly reason: string,
    /** 0-based character offset of the problem inside `expression`, when known. */
    readonly position?: number,
  ) {
    const shown = expression.length > 200 ? `${expression.slice(0, 200)}…` : expression;
    super(`Invalid expression "${shown}": ${reason}${position === undefined ? '' : ` (at position ${position})`}`);
    this.name = 'ExpressionSyntaxError';
  }
}

export class ExpressionEvaluationError extends Error {
  readonly code = 'EXPRESSION_EVALUATION';
  /** The source being evaluated; filled in by `evaluateExpression`. */
  expression?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExpressionEvaluationError';
  }
}
