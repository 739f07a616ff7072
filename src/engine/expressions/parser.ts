/**
 * Parses the body of a `${…}` expression (JUEL subset) with a jsep instance configured
 * once at import, then converts jsep's loose AST into the small, closed `ExprNode` union
 * (rejecting anything outside the subset). Parsed ASTs are cached by source string.
 */
import jsep from 'jsep';
import { ExpressionSyntaxError } from './errors.js';

export type UnaryOp = '-' | '!' | 'empty';
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';

export type ExprNode =
  | { type: 'Literal'; value: string | number | boolean | null }
  | { type: 'Identifier'; name: string }
  | { type: 'Member'; object: ExprNode; property: ExprNode }
  | { type: 'Call'; callee: ExprNode; args: ExprNode[] }
  | { type: 'Array'; elements: ExprNode[] }
  | { type: 'Unary'; op: UnaryOp; argument: ExprNode }
  | { type: 'Binary'; op: BinaryOp; left: ExprNode; right: ExprNode }
  | { type: 'Conditional'; test: ExprNode; consequent: ExprNode; alternate: ExprNode };

// JUEL word operators and their symbolic equivalents.
const UNARY: Record<string, UnaryOp> = { '-': '-', '!': '!', not: '!', empty: 'empty' };
const BINARY: Record<string, [BinaryOp, number]> = {
  '||': ['||', 1], or: ['||', 1],
  '&&': ['&&', 2], and: ['&&', 2],
  '==': ['==', 6], eq: ['==', 6], '!=': ['!=', 6], ne: ['!=', 6],
  '<': ['<', 7], lt: ['<', 7], '>': ['>', 7], gt: ['>', 7],
  '<=': ['<=', 7], le: ['<=', 7], '>=': ['>=', 7], ge: ['>=', 7],
  '+': ['+', 9], '-': ['-', 9],
  '*': ['*', 10], '/': ['/', 10], div: ['/', 10], '%': ['%', 10], mod: ['%', 10],
};

// jsep is a process-wide singleton; this module owns its configuration. Everything not
// listed above (bitwise ops, `===`/`!==`, `**`, `??`, unary `~`/`+`) is removed, so it is a
// syntax error. The ternary `?:` comes from jsep's bundled core plugin.
jsep.removeAllUnaryOps();
jsep.removeAllBinaryOps();
for (const op of Object.keys(UNARY)) jsep.addUnaryOp(op);
for (const [op, [, precedence]] of Object.entries(BINARY)) jsep.addBinaryOp(op, precedence);

const CACHE_MAX = 5000;
const cache = new Map<string, ExprNode>();

/** Parses an expression body (the text between `${` and `}`). Throws ExpressionSyntaxError. */
export function parseExpression(body: string): ExprNode {
  const cached = cache.get(body);
  if (cached) return cached;
  let node: ExprNode;
  try {
    if (body.trim() === '') throw new SyntaxFault('empty expression');
    node = convert(jsep(body));
  } catch (err) {
    const e = err as { description?: unknown; index?: unknown; message?: unknown };
    const reason = typeof e.description === 'string' ? e.description : String(e.message ?? err);
    throw new ExpressionSyntaxError(body, reason, typeof e.index === 'number' ? e.index : undefined);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(body, node);
  return node;
}

class SyntaxFault extends Error {}

function convert(n: jsep.Expression): ExprNode {
  switch (n.type) {
    case 'Literal': {
      const v = (n as jsep.Literal).value;
      if (v instanceof RegExp) throw new SyntaxFault('regular expressions are not supported');
      return { type: 'Literal', value: v };
    }
    case 'Identifier':
      return { type: 'Identifier', name: (n as jsep.Identifier).name };
    case 'MemberExpression': {
      const m = n as jsep.MemberExpression;
      if (m.optional) throw new SyntaxFault('optional chaining "?." is not supported');
      const property: ExprNode = m.computed
        ? convert(m.property)
        : { type: 'Literal', value: (m.property as jsep.Identifier).name };
      return { type: 'Member', object: convert(m.object), property };
    }
    case 'CallExpression': {
      const c = n as jsep.CallExpression;
      return { type: 'Call', callee: convert(c.callee), args: c.arguments.map(convert) };
    }
    case 'ArrayExpression':
      return {
        type: 'Array',
        elements: (n as jsep.ArrayExpression).elements.map((el) => {
          if (!el) throw new SyntaxFault('empty array element');
          return convert(el);
        }),
      };
    case 'UnaryExpression': {
      const u = n as jsep.UnaryExpression;
      const op = UNARY[u.operator];
      if (!op) throw new SyntaxFault(`unsupported operator "${u.operator}"`);
      return { type: 'Unary', op, argument: convert(u.argument) };
    }
    case 'BinaryExpression': {
      const b = n as jsep.BinaryExpression;
      const op = BINARY[b.operator];
      if (!op) throw new SyntaxFault(`unsupported operator "${b.operator}"`);
      return { type: 'Binary', op: op[0], left: convert(b.left), right: convert(b.right) };
    }
    case 'ConditionalExpression': {
      const c = n as jsep.ConditionalExpression;
      return { type: 'Conditional', test: convert(c.test), consequent: convert(c.consequent), alternate: convert(c.alternate) };
    }
    case 'Compound':
    case 'SequenceExpression':
      throw new SyntaxFault('expected a single expression (missing operator?)');
    case 'ThisExpression':
      throw new SyntaxFault('"this" is not supported');
    default:
      throw new SyntaxFault(`unsupported syntax (${n.type})`);
  }
}
