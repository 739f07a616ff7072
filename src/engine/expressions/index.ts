/**
 * Safe evaluator for Camunda-7-style `${…}` / `#{…}` expressions (a JUEL subset), used for
 * sequence-flow conditions, assignee/dueDate expressions, etc. No eval/Function/vm anywhere.
 *
 * Sources: a string that is exactly one `${…}` (surrounding whitespace ignored) evaluates to the
 * raw value; text mixing literal parts and `${…}` evaluates to a string (null → '', dates → ISO,
 * objects/arrays → JSON); text without `${`/`#{` is returned unchanged. A `}` inside a quoted
 * string does not close the expression.
 *
 * Semantics:
 * - Identifiers read own properties of `scope.variables`; unknown ones are `null` (no error).
 *   Literals: `null`, `true`, `false`, numbers (`12`, `3.5`, `1e3`), '…' and "…" strings.
 * - Operators (JUEL precedence): `a.b` `a[i]` `f(x)` › `-` `!`/`not` `empty` › `*` `/`/`div` `%`/`mod`
 *   › `+` `-` › `<` `>` `<=` `>=` (`lt gt le ge`) › `==` `!=` (`eq ne`) › `&&`/`and` › `||`/`or` › `a ? b : c`.
 *   Not supported (syntax error): `===` `!==`, bitwise/shift ops, `**`, `??`, `?.`, assignment,
 *   `this`, `new`, object literals, arrow functions, template literals, several statements.
 * - `+` concatenates when either side is a string, otherwise adds. `- * / %` coerce numeric
 *   strings to numbers; null counts as 0; anything else is an error; division by zero is an error.
 * - `==`: null == undefined; number vs numeric string compares as numbers; dates by time;
 *   otherwise strict. `< > <= >=`: strings compare lexically (ISO dates work), numbers (or a
 *   number and a numeric string) numerically; a null operand gives false (`<=`/`>=` are true if equal).
 * - Boolean context (`&& || ! ?:`): null → false, 'true' (any case) → true, other strings → false,
 *   number ≠ 0 → true; arrays/objects are an error. `&&`/`||` short-circuit and return booleans.
 * - `empty x`: true for null, '', [] and {} (no own keys).
 * - `a.b`, `a[0]`, `a['k']`: property of null → null; missing own property → null; `length` of
 *   strings/arrays is allowed. `__proto__`, `prototype`, `constructor` and inherited properties
 *   (e.g. `x.toString`) are an ExpressionEvaluationError. `[1, 2]` array literals are allowed.
 * - Calls: only `name(args)` where `name` is a key of `scope.functions`; method calls (`x.f()`)
 *   and calling variables are an ExpressionEvaluationError.
 */
import { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.js';
import { evaluate, toText, type ExprScope } from './evaluate.js';
import { parseExpression, type ExprNode } from './parser.js';

export { ExpressionEvaluationError, ExpressionSyntaxError };
export type { ExprScope };

type Part = string | { body: string; start: number };

/** Splits a source into literal text and `${…}` / `#{…}` bodies (`start` = offset of the body). */
function split(source: string): Part[] {
  const parts: Part[] = [];
  let pos = 0;
  for (;;) {
    const open = source.slice(pos).search(/[$#]\{/);
    if (open < 0) break;
    const start = pos + open + 2;
    let quote = '';
    let i = start;
    for (; i < source.length; i++) {
      const ch = source[i];
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '}') break;
    }
    if (i >= source.length) throw new ExpressionSyntaxError(source, 'missing closing "}"', start - 2);
    if (pos + open > pos) parts.push(source.slice(pos, pos + open));
    parts.push({ body: source.slice(start, i), start });
    pos = i + 1;
  }
  if (pos < source.length) parts.push(source.slice(pos));
  return parts;
}

function parseIn(source: string, body: string, start: number): ExprNode {
  try {
    return parseExpression(body);
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    throw new ExpressionSyntaxError(source, err.reason, err.position === undefined ? undefined : start + err.position);
  }
}

function trySplit(s: unknown): Part[] | undefined {
  if (typeof s !== 'string') return undefined;
  try {
    return split(s);
  } catch {
    return undefined;
  }
}

/** True if `s` is a string made of exactly one `${…}` (ignoring surrounding whitespace). */
export function isExpression(s: unknown): boolean {
  const parts = trySplit(typeof s === 'string' ? s.trim() : s);
  return parts?.length === 1 && typeof parts[0] !== 'string';
}

/** True if `s` is a string containing at least one complete `${…}`. */
export function hasExpression(s: unknown): boolean {
  return trySplit(s)?.some((p) => typeof p !== 'string') ?? false;
}

/** Evaluates a source string (see header for the rules). Throws ExpressionSyntaxError / ExpressionEvaluationError. */
export function evaluateExpression(source: string, scope: ExprScope): unknown {
  const parts = split(source);
  if (!parts.some((p) => typeof p !== 'string')) return source;
  const run = (p: Part): unknown => {
    if (typeof p === 'string') return p;
    const node = parseIn(source, p.body, p.start);
    try {
      return evaluate(node, scope);
    } catch (err) {
      if (err instanceof ExpressionEvaluationError && err.expression === undefined) err.expression = source;
      throw err;
    }
  };
  const exprs = parts.filter((p) => typeof p !== 'string');
  if (exprs.length === 1 && parts.every((p) => typeof p !== 'string' || p.trim() === '')) return run(exprs[0]!);
  return parts.map((p) => toText(run(p))).join('');
}

/**
 * Parses every `${…}` in `source` (throws ExpressionSyntaxError on the first bad one) and returns
 * the root variable names it reads and the function names it calls, in order of appearance.
 */
export function checkExpression(source: string): { identifiers: string[]; functions: string[] } {
  const identifiers = new Set<string>();
  const functions = new Set<string>();
  const walk = (n: ExprNode): void => {
    switch (n.type) {
      case 'Literal': return;
      case 'Identifier': identifiers.add(n.name); return;
      case 'Member': walk(n.object); walk(n.property); return;
      case 'Call':
        if (n.callee.type === 'Identifier') functions.add(n.callee.name);
        else walk(n.callee);
        n.args.forEach(walk);
        return;
      case 'Array': n.elements.forEach(walk); return;
      case 'Unary': walk(n.argument); return;
      case 'Binary': walk(n.left); walk(n.right); return;
      case 'Conditional': walk(n.test); walk(n.consequent); walk(n.alternate); return;
    }
  };
  for (const p of split(source)) if (typeof p !== 'string') walk(parseIn(source, p.body, p.start));
  return { identifiers: [...identifiers], functions: [...functions] };
}
