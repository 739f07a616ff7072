/**
 * The DMN engine without a database: parsing and compile-time refusals,
 * every hit policy, FEEL unary tests (ranges, lists, not(), -, null), typeRef
 * coercion, output values, literal expressions, requirements graphs and
 * camunda:mapDecisionResult.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDmn } from '../../src/decisions/parse.js';
import { evaluateDecision } from '../../src/decisions/evaluate.js';
import { mapDecisionResult } from '../../src/decisions/map-result.js';
import type { CompiledDmn } from '../../src/decisions/model.js';
import { DomainError } from '../../src/shared/errors.js';
import { dmn, literal, simple, table } from '../helpers/dmn-models.js';

async function compile(xml: string): Promise<CompiledDmn> {
  const r = await parseDmn(xml);
  assert.equal(r.errors, [], JSON.stringify(r.errors));
  return r.dmn!;
}

async function run(xml: string, id: string, vars: Record<string, unknown> = {}) {
  return evaluateDecision(await compile(xml), id, vars);
}

async function fails(xml: string, id: string, vars: Record<string, unknown>, pattern: RegExp): Promise<DomainError> {
  const compiled = await compile(xml);
  try {
    evaluateDecision(compiled, id, vars);
  } catch (err) {
    assert.instance(err, DomainError);
    assert.is((err as DomainError).code, 'DECISION_EVALUATION_FAILED');
    assert.is((err as DomainError).status, 422);
    assert.match((err as Error).message, pattern);
    return err as DomainError;
  }
  throw new Error('evaluation should have failed');
}

// --- hit policies ---

test('UNIQUE: one match gives one map; no match gives null; two matches are an error naming the rules', async () => {
  const xml = simple('u', 'UNIQUE', [['< 10', '"piccolo"'], ['[10..100]', '"medio"'], ['>= 100', '"grande"']]);
  const one = await run(xml, 'u', { x: 50 });
  assert.equal(one.result, { out: 'medio' });
  assert.equal(one.matchedRules, ['u-r2']);
  assert.equal(one.value, 'medio');
  assert.is((await run(simple('u0', 'UNIQUE', [['> 1000', '"x"']]), 'u0', { x: 5 })).result, null);
  const err = await fails(xml, 'u', { x: 100 }, /UNIQUE.*2 regole.*u-r2, u-r3/);
  assert.equal((err.details as { matchedRules: string[] }).matchedRules, ['u-r2', 'u-r3']);
});

test('UNIQUE is the default hit policy; a default output entry applies when nothing matches', async () => {
  const xml = dmn(table('d', { inputs: [{ expr: 'x', typeRef: 'number' }], outputs: [{ name: 'out', default: '"nessuna regola"' }], rules: [[['1'], ['"uno"']]] }));
  assert.equal((await run(xml, 'd', { x: 1 })).result, { out: 'uno' });
  const none = await run(xml, 'd', { x: 2 });
  assert.equal(none.result, { out: 'nessuna regola' });
  assert.equal(none.matchedRules, []);
});

test('FIRST: the first matching rule in table order', async () => {
  const xml = simple('f', 'FIRST', [['> 100', '"oltre 100"'], ['> 10', '"oltre 10"'], ['-', '"altro"']]);
  assert.equal((await run(xml, 'f', { x: 500 })).result, { out: 'oltre 100' });
  assert.equal((await run(xml, 'f', { x: 50 })).matchedRules, ['f-r2']);
  assert.equal((await run(xml, 'f', { x: 1 })).result, { out: 'altro' });
});

test('ANY: matching rules must agree; disagreeing ones are an error', async () => {
  const xml = simple('a', 'ANY', [['> 0', '"positivo"'], ['> 10', '"positivo"'], ['> 100', '"grande"']]);
  const agree = await run(xml, 'a', { x: 50 });
  assert.equal(agree.result, { out: 'positivo' });
  assert.equal(agree.matchedRules, ['a-r1']);
  await fails(xml, 'a', { x: 500 }, /ANY.*risultati diversi/);
});

test('PRIORITY: the match whose output comes first among the output values', async () => {
  const xml = simple('p', 'PRIORITY', [['> 0', '"bassa"'], ['> 50', '"alta"'], ['> 10', '"media"']], { values: '"alta","media","bassa"' });
  const r = await run(xml, 'p', { x: 60 });
  assert.equal(r.result, { out: 'alta' });
  assert.equal(r.matchedRules, ['p-r2']);
  assert.equal((await run(xml, 'p', { x: 20 })).result, { out: 'media' });
});

test('OUTPUT ORDER: every match, sorted by the output values; RULE ORDER keeps table order', async () => {
  const rules: Array<[string, string]> = [['> 0', '"bassa"'], ['> 50', '"alta"'], ['> 10', '"media"']];
  const out = await run(simple('oo', 'OUTPUT ORDER', rules, { values: '"alta","media","bassa"' }), 'oo', { x: 60 });
  assert.equal(out.result, [{ out: 'alta' }, { out: 'media' }, { out: 'bassa' }]);
  const ro = await run(simple('ro', 'RULE ORDER', rules), 'ro', { x: 60 });
  assert.equal(ro.result, [{ out: 'bassa' }, { out: 'alta' }, { out: 'media' }]);
  assert.equal(ro.matchedRules, ['ro-r1', 'ro-r2', 'ro-r3']);
  assert.equal(ro.value, ['bassa', 'alta', 'media'], 'dependent decisions see a list of single values');
  assert.equal((await run(simple('ro0', 'RULE ORDER', rules), 'ro0', { x: -1 })).result, []);
});

test('COLLECT: a list of maps; with several outputs each entry has them all', async () => {
  const xml = dmn(
    table('c', {
      hitPolicy: 'COLLECT',
      inputs: [{ expr: 'eta', typeRef: 'number' }, { expr: 'disabile', typeRef: 'boolean' }],
      outputs: [{ name: 'misura' }, { name: 'punti', typeRef: 'number' }],
      rules: [
        [['< 18', '-'], ['"minore"', '3']],
        [['-', 'true'], ['"disabilita"', '5']],
        [['>= 65', '-'], ['"anziano"', '2']],
      ],
    }),
  );
  const r = await run(xml, 'c', { eta: 10, disabile: true });
  assert.equal(r.result, [{ misura: 'minore', punti: 3 }, { misura: 'disabilita', punti: 5 }]);
  assert.equal(r.value, [{ misura: 'minore', punti: 3 }, { misura: 'disabilita', punti: 5 }]);
  assert.equal((await run(xml, 'c', { eta: 30, disabile: false })).result, []);
});

test('COLLECT with SUM, MIN, MAX and COUNT (distinct values) of the single output', async () => {
  const rules: Array<[string, string]> = [['> 0', '10'], ['> 5', '20'], ['> 8', '20'], ['> 100', '1000']];
  const agg = async (aggregation: string, x: number) => (await run(simple(`c${aggregation}`, 'COLLECT', rules, { aggregation }), `c${aggregation}`, { x })).result;
  assert.equal(await agg('SUM', 9), { out: 50 });
  assert.equal(await agg('MIN', 9), { out: 10 });
  assert.equal(await agg('MAX', 9), { out: 20 });
  assert.equal(await agg('COUNT', 9), { out: 2 }, 'two distinct values among three matches');
  assert.equal(await agg('SUM', -1), { out: null }, 'no match: no sum');
  assert.equal(await agg('COUNT', -1), { out: 0 });
  const sum = await run(simple('cs', 'COLLECT', rules, { aggregation: 'SUM' }), 'cs', { x: 9 });
  assert.equal(sum.matchedRules, ['cs-r1', 'cs-r2', 'cs-r3']);
  assert.is(sum.value, 50);
  await fails(simple('cx', 'COLLECT', [['-', '"testo"']], { aggregation: 'SUM' }), 'cx', { x: 1 }, /solo su numeri/);
});

// --- FEEL unary tests ---

test('FEEL unary tests: ranges, comparisons, lists, not(), -, null', async () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['[1..10]', 1, true],
    ['[1..10]', 10, true],
    ['(1..10]', 1, false],
    ['[1..10)', 10, false],
    [']1..10[', 5, true],
    ['>= 6000', 6000, true],
    ['> 6000', 6000, false],
    ['< 2', 1.5, true],
    ['1, 3, 5', 3, true],
    ['1, 3, 5', 4, false],
    ['not(1, 3)', 4, true],
    ['not(1, 3)', 3, false],
    ['-', 42, true],
    ['-', null, true],
    ['null', null, true],
    ['null', 0, false],
    ['not(null)', 0, true],
    ['not(null)', null, false],
    ['> 5', null, false],
    ['< 10, > 100', 500, true],
    ['? > 5 and ? < 8', 6, true],
    ['> limite', 7, true],
  ];
  for (const [cell, x, expected] of cases) {
    const xml = simple('t', 'FIRST', [[cell, 'true'], ['-', 'false']], { typeRef: 'Any' });
    const r = await run(xml, 't', { x, limite: 5 });
    assert.is(r.value, expected, `${cell} with ${JSON.stringify(x)}`);
  }
});

test('FEEL unary tests on strings, booleans and dates', async () => {
  const strings = simple('s', 'FIRST', [['"IT","UE"', '"ok"'], ['not("IT","UE","extraUE")', '"altro"'], ['-', '"extra"']], { typeRef: 'string' });
  assert.is((await run(strings, 's', { x: 'UE' })).value, 'ok');
  assert.is((await run(strings, 's', { x: 'extraUE' })).value, 'extra');
  assert.is((await run(strings, 's', { x: 'XX' })).value, 'altro');
  const bools = simple('b', 'UNIQUE', [['true', '"sì"'], ['false', '"no"'], ['null', '"?"']], { typeRef: 'boolean' });
  assert.is((await run(bools, 'b', { x: true })).value, 'sì');
  assert.is((await run(bools, 'b', { x: 'false' })).value, 'no', 'a "false" string is coerced to boolean');
  assert.is((await run(bools, 'b', {})).value, '?', 'a missing variable reads as null');
  const dates = simple('dt', 'UNIQUE', [['< date("2018-06-01")', '"prima"'], ['>= date("2018-06-01")', '"dopo"']], { typeRef: 'date' });
  assert.is((await run(dates, 'dt', { x: '2018-05-31' })).value, 'prima');
  assert.is((await run(dates, 'dt', { x: '2018-06-01' })).value, 'dopo');
  assert.is((await run(dates, 'dt', { x: '2019-01-10T09:00:00Z' })).value, 'dopo', 'a date-time string is read as its date');
});

test('typeRef coercion: numeric strings become numbers; a value of the wrong type is an evaluation error', async () => {
  const xml = simple('n', 'UNIQUE', [['> 10', '"alto"'], ['<= 10', '"basso"']]);
  assert.is((await run(xml, 'n', { x: '12.5' })).value, 'alto');
  const err = await fails(xml, 'n', { x: 'dodici' }, /non compatibile con il tipo "number"/);
  assert.match(JSON.stringify(err.details), /dodici/);
  await fails(simple('dd', 'UNIQUE', [['-', '1']], { typeRef: 'date' }), 'dd', { x: '31/05/2018' }, /tipo "date"/);
  const intOut = dmn(table('io', { inputs: [{ expr: 'x' }], outputs: [{ name: 'n', typeRef: 'integer' }], rules: [[['-'], ['x / 2']]] }));
  assert.equal((await run(intOut, 'io', { x: 4 })).result, { n: 2 });
  await fails(intOut, 'io', { x: 3 }, /tipo "integer"/);
});

test('output values: a computed value outside the allowed ones is an error', async () => {
  const xml = dmn(table('ov', { inputs: [{ expr: 'x' }], outputs: [{ name: 'esito', values: '"si","no"' }], rules: [[['-'], ['x']]] }));
  assert.equal((await run(xml, 'ov', { x: 'si' })).result, { esito: 'si' });
  await fails(xml, 'ov', { x: 'forse' }, /non ammesso.*"si","no"/);
});

test('input expressions are FEEL over the whole context; outputs may compute from it; dates come back as ISO strings', async () => {
  const xml = dmn(
    table('calc', {
      hitPolicy: 'UNIQUE',
      inputs: [{ expr: 'count(nucleo[eta < 18])', typeRef: 'number', label: 'minori' }],
      outputs: [{ name: 'quota', typeRef: 'number' }, { name: 'scadenza', typeRef: 'date' }],
      rules: [
        [['0'], ['params.base', 'date(dataDomanda) + duration("P30D")']],
        [['> 0'], ['params.base + count(nucleo[eta < 18]) * params.perMinore', 'date(dataDomanda) + duration("P60D")']],
      ],
    }),
  );
  const r = await run(xml, 'calc', { nucleo: [{ eta: 40 }, { eta: 10 }, { eta: 7 }], dataDomanda: '2026-03-01', params: { base: 100, perMinore: 50 } });
  assert.equal(r.result, { quota: 200, scadenza: '2026-04-30' });
});

// --- literal expressions and requirements graphs ---

test('literal expression decision: the result is keyed by the variable name', async () => {
  const xml = dmn(literal('soglia', 'min(params.base + params.per * (n - 1), params.max)', { variable: 'soglia', typeRef: 'number' }));
  const r = await run(xml, 'soglia', { n: 2, params: { base: 6000, per: 2000, max: 10000 } });
  assert.equal(r.result, { soglia: 8000 });
  assert.equal(r.rows, [{ soglia: 8000 }]);
  assert.is((await run(xml, 'soglia', { n: 5, params: { base: 6000, per: 2000, max: 10000 } })).value, 10000);
});

test('DRG: required decisions run first, once, and are visible by id, name and variable name', async () => {
  const xml = dmn(
    literal('base', 'x * 2', { name: 'Valore base' }),
    literal('doppio', 'base * 2', { requires: ['base'] }),
    table('top', {
      requires: ['base', 'doppio'],
      hitPolicy: 'UNIQUE',
      inputs: [{ expr: 'Valore base', typeRef: 'number' }, { expr: 'doppio', typeRef: 'number' }],
      outputs: [{ name: 'somma' }],
      rules: [[['-', '> 0'], ['Valore base + doppio']], [['-', '<= 0'], ['0']]],
    }),
  );
  const r = await run(xml, 'top', { x: 3 });
  assert.equal(r.result, { somma: 18 });
  assert.equal(Object.keys(r.required).sort(), ['base', 'doppio']);
  assert.equal(r.required.doppio!.result, { doppio: 12 });
  assert.equal((await run(xml, 'doppio', { x: 1 })).result, { doppio: 4 }, 'any decision of the graph can be evaluated');
});

test('DRG: a multi-hit required decision is a list the dependent decision can filter (decision id with a hyphen)', async () => {
  const xml = dmn(
    table('req-lista', { hitPolicy: 'COLLECT', inputs: [{ expr: 'x', typeRef: 'number' }], outputs: [{ name: 'tipo' }, { name: 'motivo' }], rules: [[['> 1'], ['"a"', '"maggiore di 1"']], [['> 2'], ['"b"', '"maggiore di 2"']], [['> 3'], ['"a"', '"maggiore di 3"']]] }),
    literal('conta', '{quanti: count(req-lista[tipo = "a"]), motivi: req-lista[tipo = "a"].motivo}', { requires: ['req-lista'] }),
  );
  assert.equal((await run(xml, 'conta', { x: 5 })).value, { quanti: 2, motivi: ['maggiore di 1', 'maggiore di 3'] });
});

test('DRG: names of required decisions parse as names at deploy time, even when they would not parse alone (a-2-9b)', async () => {
  const xml = dmn(literal('a-2-9b', 'x + 1'), literal('uso', 'a-2-9b * 10', { requires: ['a-2-9b'] }));
  assert.is((await run(xml, 'uso', { x: 1 })).value, 20);
  const alone = await parseDmn(dmn(literal('uso2', 'a-2-9b * 10')));
  assert.is(alone.errors[0]?.rule, 'feel-syntax', 'without the requirement the same text is not FEEL');
});

test('mapDecisionResult: singleResult, singleEntry, collectEntries, resultList (as in Camunda)', () => {
  const one = [{ esito: 'ok', motivi: [] }];
  const many = [{ v: 1 }, { v: 2 }];
  assert.equal(mapDecisionResult('singleResult', one, 'k'), { esito: 'ok', motivi: [] });
  assert.is(mapDecisionResult('singleResult', [], 'k'), null);
  assert.is(mapDecisionResult('singleEntry', [{ v: 7 }], 'k'), 7);
  assert.is(mapDecisionResult('singleEntry', [], 'k'), null);
  assert.equal(mapDecisionResult('collectEntries', many, 'k'), [1, 2]);
  assert.equal(mapDecisionResult('resultList', many, 'k'), many);
  assert.throws(() => mapDecisionResult('singleResult', many, 'k'), /2 risultati/);
  assert.throws(() => mapDecisionResult('singleEntry', one, 'k'), /un solo valore/);
  assert.throws(() => mapDecisionResult('collectEntries', one, 'k'), /un solo valore/);
});

// --- refusals at parse time ---

test('parse: FEEL syntax errors are refused with element id and line', async () => {
  const xml = simple('bad', 'UNIQUE', [['> 1', '"ok"'], ['[1..', '"ko"']]);
  const r = await parseDmn(xml);
  assert.is(r.dmn, null);
  const p = r.errors.find((e) => e.rule === 'feel-syntax');
  assert.ok(p, JSON.stringify(r.errors));
  assert.is(p!.elementId, 'bad-r2');
  assert.type(p!.line, 'number');
  const out = await parseDmn(simple('badout', 'UNIQUE', [['-', '1 +']]));
  assert.is(out.errors[0]?.elementId, 'badout-r1');
  const lit = await parseDmn(dmn(literal('l', 'if x then')));
  assert.is(lit.errors[0]?.rule, 'feel-syntax');
});

test('parse: structural refusals (unknown requirement, cycle, cells, aggregation, hit policy, empty input)', async () => {
  const rules = (xml: string) => parseDmn(xml).then((r) => r.errors.map((e) => `${e.rule}@${e.elementId ?? ''}`));
  assert.equal(await rules(dmn(literal('a', '1', { requires: ['manca'] }))), ['decision-required-unknown@a']);
  assert.equal(await rules(dmn(literal('a', 'b', { requires: ['b'] }), literal('b', 'a', { requires: ['a'] }))), ['decision-cycle@a']);
  assert.equal(await rules(dmn(table('c', { inputs: [{ expr: 'x' }, { expr: 'y' }], outputs: [{ name: 'o' }], rules: [[['1'], ['2']]] }))), ['rule-cells@c-r1']);
  assert.ok((await rules(dmn(table('g', { hitPolicy: 'COLLECT', aggregation: 'SUM', inputs: [{ expr: 'x' }], outputs: [{ name: 'a' }, { name: 'b' }], rules: [] })))).includes('aggregation@g-table'));
  assert.ok((await rules(dmn(table('h', { hitPolicy: 'FIRST', aggregation: 'SUM', inputs: [{ expr: 'x' }], outputs: [{ name: 'a' }], rules: [] })))).includes('aggregation@h-table'));
  assert.equal(await rules(dmn(table('p', { hitPolicy: 'PRIORITY', inputs: [{ expr: 'x' }], outputs: [{ name: 'a' }], rules: [] }))), ['hit-policy@p-table']);
  assert.equal(await rules(dmn(table('e', { inputs: [{ expr: '' }], outputs: [{ name: 'a' }], rules: [] }))), ['input-expression@e-in1']);
  assert.equal(await rules(dmn(table('two', { inputs: [{ expr: 'x' }], outputs: [{ name: 'a' }, { name: 'a' }], rules: [] }))), ['output-name@two-table']);
  assert.equal(await rules(dmn()), ['no-decision@']);
  const bkm = `  <decision id="k" name="k">
    <knowledgeRequirement id="kr"><requiredKnowledge href="#bkm" /></knowledgeRequirement>
    <literalExpression id="k-e"><text>calcola(1)</text></literalExpression>
  </decision>
  <businessKnowledgeModel id="bkm" name="calcola" />`;
  assert.equal(await rules(dmn(bkm)), ['decision-bkm@k']);
});

test('parse: DTDs and entities are refused before parsing (XXE); non-DMN files are refused clearly; DMN 1.2 is read (issue 15)', async () => {
  const xxe = `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${dmn(literal('x', '"&xxe;"')).replace(/^<\?xml[^>]*>\n/, '')}`;
  const r = await parseDmn(xxe);
  assert.equal(r.errors.map((e) => e.rule), ['xml-dtd']);
  assert.is(r.errors[0]!.line, 2);
  const notDmn = await parseDmn('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x" />');
  assert.is(notDmn.errors[0]!.rule, 'dmn-parse');
  const dmn12 = await parseDmn('<definitions xmlns="http://www.omg.org/spec/DMN/20180521/MODEL/" id="x" name="x" namespace="n" />');
  assert.equal(dmn12.errors.map((e) => e.rule), ['no-decision']);
  const big = await parseDmn(dmn(literal('x', '1')), 100);
  assert.is(big.errors[0]!.rule, 'xml-size');
  const broken = await parseDmn('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="a">');
  assert.is(broken.errors[0]!.rule, 'xml-syntax');
});

test.run();
