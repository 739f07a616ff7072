/**
 * Tests for the `${…}` expression evaluator (src/engine/expressions).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkExpression,
  evaluateExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  hasExpression,
  isExpression,
  type ExprScope,
} from '../../src/engine/expressions/index.js';

const vars = {
  amount: 1500,
  approved: true,
  isee: 5000,
  params: { iseeMax: 9360 },
  n: 42,
  name: 'Rossi',
  numStr: '42',
  a: { b: [{ c: 'zero' }, { c: 'one' }] },
  m: { 'k k': 'spaced' },
  list: [1, 2, 3],
  emptyStr: '',
  emptyArr: [],
  emptyObj: {},
  nil: null,
  dataDomanda: '2024-03-01',
};
const scope: ExprScope = {
  variables: vars,
  functions: {
    addWorkingDays: (d, n) => `${String(d)}+${String(n)}`,
    now: () => '2024-05-01T00:00:00Z',
    boom: () => { throw new Error('kaput'); },
  },
};
const ev = (s: string, v: Record<string, unknown> = vars): unknown => evaluateExpression(s, { ...scope, variables: v });

function throwsCode(fn: () => unknown, cls: typeof ExpressionSyntaxError | typeof ExpressionEvaluationError, code: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, cls);
    assert.is((err as { code: string }).code, code);
    return;
  }
  assert.unreachable('expected an error');
}
const evalError = (s: string, v?: Record<string, unknown>) => throwsCode(() => ev(s, v), ExpressionEvaluationError, 'EXPRESSION_EVALUATION');
const syntaxError = (s: string) => throwsCode(() => ev(s), ExpressionSyntaxError, 'EXPRESSION_SYNTAX');

test('conditions with && and comparisons', () => {
  assert.is(ev('${amount > 1000 && approved}'), true);
  assert.is(ev('${amount > 1000 && approved}', { ...vars, approved: false }), false);
  assert.is(ev('${isee <= params.iseeMax}'), true);
  assert.is(ev('${isee <= params.iseeMax}', { ...vars, isee: 10000 }), false);
  assert.is(ev('${name != "Bianchi"}'), true);
  assert.is(ev("${name != 'Rossi'}"), false);
  assert.is(ev('  ${amount >= 1500}\n'), true, 'surrounding whitespace keeps the raw value');
});

test('== with number vs numeric string, null', () => {
  assert.is(ev('${n == numStr}'), true);
  assert.is(ev("${n == '42.0'}"), true);
  assert.is(ev("${numStr == '42'}"), true);
  assert.is(ev("${n == 'x'}"), false);
  assert.is(ev('${nil == missing}'), true);
  assert.is(ev('${nil == 0}'), false);
  assert.is(ev('${true == "true"}'), false, 'otherwise strict');
});

test('empty', () => {
  assert.is(ev('${empty nil}'), true);
  assert.is(ev('${empty missing}'), true);
  assert.is(ev('${empty emptyStr}'), true);
  assert.is(ev('${empty emptyArr}'), true);
  assert.is(ev('${empty emptyObj}'), true);
  assert.is(ev('${empty list}'), false);
  assert.is(ev('${empty name}'), false);
  assert.is(ev('${empty params}'), false);
  assert.is(ev('${not empty list}'), true);
  assert.is(ev('${!empty nil}'), false);
  assert.is(ev('${empty nil && amount > 0}'), true, 'empty binds tighter than &&');
});

test('arithmetic and precedence', () => {
  assert.is(ev('${1 + 2 * 3}'), 7);
  assert.is(ev('${(1 + 2) * 3}'), 9);
  assert.is(ev('${10 - 4 - 3}'), 3);
  assert.is(ev('${-n + 2}'), -40);
  assert.is(ev('${7 % 4}'), 3);
  assert.is(ev('${10 div 4}'), 2.5);
  assert.is(ev('${10 mod 4}'), 2);
  assert.is(ev('${numStr * 2}'), 84);
  assert.is(ev("${'10' - 1}"), 9);
  assert.is(ev('${nil + 5}'), 5);
  assert.is(ev('${missing * 3}'), 0);
  assert.is(ev("${'a' + 'b'}"), 'ab');
  assert.is(ev("${'n=' + n}"), 'n=42');
  assert.is(ev('${amount > 1000 ? "alto" : "basso"}'), 'alto');
  assert.is(ev('${n < 10 ? "a" : n < 100 ? "b" : "c"}'), 'b');
  evalError('${n / 0}');
  evalError('${n mod 0}');
  evalError("${'abc' * 2}");
  evalError('${approved - 1}');
});

test('word operators', () => {
  assert.is(ev('${amount gt 1000 and approved}'), true);
  assert.is(ev('${amount lt 1000 or approved}'), true);
  assert.is(ev('${not approved}'), false);
  assert.is(ev("${name eq 'Rossi'}"), true);
  assert.is(ev("${name ne 'Rossi'}"), false);
  assert.is(ev('${n ge 42 and n le 42}'), true);
  assert.is(ev('${not(n eq 1)}'), true);
  assert.is(ev('${notes}', { notes: 'x' }), 'x', 'identifier starting with an operator word');
  assert.is(ev('${order or android}', { order: false, android: true }), true);
});

test('string and date comparison', () => {
  assert.is(ev("${dataDomanda < '2024-04-01'}"), true);
  assert.is(ev("${dataDomanda >= '2024-03-01'}"), true);
  assert.is(ev("${'b' > 'a'}"), true);
  assert.is(ev('${nil < 3}'), false);
});

test('property and index access', () => {
  assert.is(ev('${a.b[1].c}'), 'one');
  assert.is(ev("${m['k k']}"), 'spaced');
  assert.is(ev('${m["k k"]}'), 'spaced');
  assert.is(ev('${list[0] + list[2]}'), 4);
  assert.is(ev('${list.length}'), 3);
  assert.is(ev('${name.length}'), 5);
  assert.is(ev('${name[0]}'), 'R');
  assert.is(ev('${list[10]}'), null);
  assert.is(ev('${params.missing}'), null);
  assert.equal(ev('${[1, n]}'), [1, 42]);
});

test('string literals', () => {
  assert.is(ev("${'single'}"), 'single');
  assert.is(ev('${"double"}'), 'double');
  assert.is(ev("${'it\\'s'}"), "it's");
  assert.is(ev("${'a}b'}"), 'a}b', '} inside quotes does not close');
});

test('interpolation', () => {
  assert.is(ev('Pratica ${n} di ${name}'), 'Pratica 42 di Rossi');
  assert.is(ev('x=${missing}.'), 'x=.');
  assert.is(ev('${n}${name}'), '42Rossi');
  assert.is(ev('#{n + 1}'), 43, 'accepts #{…}');
  assert.is(ev('no expression here'), 'no expression here');
  assert.is(ev('costs $5 {x}'), 'costs $5 {x}');
});

test('raw values', () => {
  assert.is(ev('${n}'), 42);
  assert.is(ev('${params}'), vars.params);
  assert.is(ev('${nil}'), null);
});

test('unknown identifier → null, null-safe access', () => {
  assert.is(ev('${missing}'), null);
  assert.is(ev('${missing.a.b[0]}'), null);
  assert.is(ev('${nil.x}'), null);
  assert.is(ev('${toString}'), null, 'only own properties of variables');
  assert.is(ev('${__proto__}'), null);
});

test('function calls', () => {
  assert.is(ev('${addWorkingDays(dataDomanda, 15)}'), '2024-03-01+15');
  assert.is(ev('${now()}'), '2024-05-01T00:00:00Z');
  evalError('${unknownFn(1)}');
  evalError('${name.toUpperCase()}');
  evalError('${params.iseeMax()}');
  evalError('${f()}', { ...vars, f: () => 1 });
  evalError('${toString()}');
  evalError('${boom()}');
});

test('dangerous properties refused', () => {
  evalError('${params.constructor}');
  evalError("${params['constructor']}");
  evalError('${params.__proto__}');
  evalError('${list.prototype}');
  evalError('${params.toString}');
  evalError('${name.constructor.constructor}');
  evalError("${''.constructor}");
  evalError('${n.toFixed}');
  evalError('${name.toUpperCase}');
  evalError('${f.name}', { ...vars, f: () => 1 });
});

test('syntax errors', () => {
  syntaxError('${amount >}');
  syntaxError('${a b}');
  syntaxError('${(a, b)}');
  syntaxError('${a = 1}');
  syntaxError('${a === 1}');
  syntaxError('${a !== 1}');
  syntaxError('${a | 1}');
  syntaxError('${a ** 2}');
  syntaxError('${this}');
  syntaxError('${a?.b}');
  syntaxError('${a'); // unclosed
  syntaxError('${}');
  syntaxError('${"abc}');
  syntaxError('${{a: 1}}');
  syntaxError('${x => x}');
  syntaxError('${new Date()}');
  syntaxError('${`t`}');
  syntaxError('${~a}');
  try {
    ev('Hi ${amount > && x}');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ExpressionSyntaxError);
    const e = err as ExpressionSyntaxError;
    assert.is(e.expression, 'Hi ${amount > && x}');
    assert.is(e.position, 14);
    assert.match(e.message, /Expected expression after >/);
  }
});

test('isExpression / hasExpression', () => {
  assert.ok(isExpression('${a}'));
  assert.ok(isExpression('  ${a > 1} '));
  assert.ok(isExpression('#{a}'));
  assert.not.ok(isExpression('x ${a}'));
  assert.not.ok(isExpression('${a}${b}'));
  assert.not.ok(isExpression('${a'));
  assert.not.ok(isExpression(42));
  assert.ok(hasExpression('Pratica ${n}'));
  assert.not.ok(hasExpression('Pratica n'));
  assert.not.ok(hasExpression('${n'));
  assert.not.ok(hasExpression(null));
});

test('checkExpression', () => {
  assert.equal(checkExpression("${isee <= params.iseeMax && x[0] == 'a'}").identifiers, ['isee', 'params', 'x']);
  assert.equal(checkExpression('${addWorkingDays(dataDomanda, giorni) > now() and not empty m[k]}'), {
    identifiers: ['dataDomanda', 'giorni', 'm', 'k'],
    functions: ['addWorkingDays', 'now'],
  });
  assert.equal(checkExpression('Pratica ${n} di ${name.first}').identifiers, ['n', 'name']);
  assert.equal(checkExpression('${true || null}').identifiers, []);
  assert.equal(checkExpression('plain text').identifiers, []);
  throwsCode(() => checkExpression('${a +}'), ExpressionSyntaxError, 'EXPRESSION_SYNTAX');
});

test('evaluation error carries the expression', () => {
  try {
    ev('${n / 0}');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ExpressionEvaluationError);
    assert.is((err as ExpressionEvaluationError).expression, '${n / 0}');
  }
});

test.run();
