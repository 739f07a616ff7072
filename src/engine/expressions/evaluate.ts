/**
 * Walks an `ExprNode` against a scope with JUEL-like semantics (see index.ts for the rules).
 * No eval/Function/vm: only own data properties are read and only `scope.functions` are called.
 */
import { ExpressionEvaluationError } from './errors.js';
import type { BinaryOp, ExprNode } from './parser.js';

export type ExprScope = {
  variables: Record<string, unknown>;
  functions?: Record<string, (...args: unknown[]) => unknown>;
};

const hasOwn = (o: object, k: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, k);
const BLOCKED = new Set(['__proto__', 'prototype', 'constructor']);
const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

const fail = (message: string): never => {
  throw new ExpressionEvaluationError(message);
};

export function evaluate(node: ExprNode, scope: ExprScope): unknown {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'Identifier':
      return hasOwn(scope.variables, node.name) ? (scope.variables[node.name] ?? null) : null;
    case 'Member':
      return member(evaluate(node.object, scope), evaluate(node.property, scope));
    case 'Call':
      return call(node, scope);
    case 'Array':
      return node.elements.map((el) => evaluate(el, scope));
    case 'Unary': {
      const v = evaluate(node.argument, scope);
      if (node.op === 'empty') return isEmpty(v);
      if (node.op === '!') return !toBoolean(v);
      return -toNumber(v);
    }
    case 'Conditional':
      return toBoolean(evaluate(node.test, scope)) ? evaluate(node.consequent, scope) : evaluate(node.alternate, scope);
    case 'Binary':
      if (node.op === '&&') return toBoolean(evaluate(node.left, scope)) && toBoolean(evaluate(node.right, scope));
      if (node.op === '||') return toBoolean(evaluate(node.left, scope)) || toBoolean(evaluate(node.right, scope));
      return binary(node.op, evaluate(node.left, scope), evaluate(node.right, scope));
  }
}

function member(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return null;
  if (typeof key !== 'string' && typeof key !== 'number') return fail(`Invalid property key ${describe(key)}`);
  const name = String(key);
  if (BLOCKED.has(name)) return fail(`Access to property "${name}" is not allowed`);
  if (name === 'length' && (typeof obj === 'string' || Array.isArray(obj))) return obj.length;
  if (typeof obj !== 'object' && typeof obj !== 'string') return fail(`Cannot read property "${name}" of ${describe(obj)}`);
  const target = Object(obj) as object;
  if (hasOwn(target, name)) return (target as Record<string, unknown>)[name] ?? null;
  if (name in target) return fail(`Access to inherited property "${name}" is not allowed`);
  return null;
}

function call(node: Extract<ExprNode, { type: 'Call' }>, scope: ExprScope): unknown {
  const fns = scope.functions;
  if (node.callee.type !== 'Identifier') return fail('Only functions provided by the engine can be called (no method calls)');
  const name = node.callee.name;
  const fn = fns && hasOwn(fns, name) ? fns[name] : undefined;
  if (typeof fn !== 'function') return fail(`Unknown function "${name}"`);
  const args = node.args.map((a) => evaluate(a, scope));
  try {
    return fn(...args) ?? null;
  } catch (err) {
    if (err instanceof ExpressionEvaluationError) throw err;
    throw new ExpressionEvaluationError(`Function "${name}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function binary(op: BinaryOp, a: unknown, b: unknown): unknown {
  switch (op) {
    case '==': return looseEquals(a, b);
    case '!=': return !looseEquals(a, b);
    case '<': case '>': case '<=': case '>=': return compare(op, a, b);
    case '+':
      if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b);
      return toNumber(a) + toNumber(b);
    case '-': return toNumber(a) - toNumber(b);
    case '*': return toNumber(a) * toNumber(b);
    case '/': case '%': {
      const x = toNumber(a), y = toNumber(b);
      if (y === 0) return fail('Division by zero');
      return op === '/' ? x / y : x % y;
    }
    default: return fail(`Unsupported operator "${op}"`);
  }
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'number' && typeof b === 'string' && NUMERIC.test(b)) return a === Number(b);
  if (typeof a === 'string' && typeof b === 'number' && NUMERIC.test(a)) return Number(a) === b;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

function compare(op: '<' | '>' | '<=' | '>=', a: unknown, b: unknown): boolean {
  if ((op === '<=' || op === '>=') && looseEquals(a, b)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  let x: number | string, y: number | string;
  if (typeof a === 'string' && typeof b === 'string') [x, y] = [a, b];
  else if (a instanceof Date && b instanceof Date) [x, y] = [a.getTime(), b.getTime()];
  else if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) [x, y] = [toNumber(a), toNumber(b)];
  else return fail(`Cannot compare ${describe(a)} with ${describe(b)}`);
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return fail(`Expected a number but got ${describe(v)}`);
}

function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim().toLowerCase() === 'true';
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return fail(`Expected a boolean but got ${describe(v)}`);
}

export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map || v instanceof Set) return v.size === 0;
  if (typeof v === 'object' && !(v instanceof Date)) return Object.keys(v).length === 0;
  return false;
}

/** String conversion used by `+` concatenation and `Text ${x}` interpolation. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'string') return `string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
