/**
 * Completion rules (src/tasks/rules/): the convocation's 24–72 h notice and
 * working day of the comune (its closures and patron day included), refused
 * as BUSINESS_RULE_FAILED with the field and an Italian message.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { completionRulesOf, enforceCompletionRules, type RuleContext } from '../../../src/tasks/rules/registry.js';
import { createCalendar } from '../../../src/engine/calendar/index.js';
import { DomainError } from '../../../src/shared/errors.js';

const now = new Date('2026-03-02T09:00:00Z'); // Monday 10:00 in Rome
const params = { convocazione: { preavvisoMinOre: 24, preavvisoMaxOre: 72 } };
const ctx = (dataOra: string, calendar = createCalendar({})): RuleContext => ({ variables: { convocazione: { dataOra } }, params, now, calendar });

function refusal(fn: () => void): { code: string; status: number; errors: Array<{ field: string; message: string }> } {
  try {
    fn();
  } catch (err) {
    assert.instance(err, DomainError);
    const e = err as DomainError;
    return { code: e.code, status: e.status, errors: (e.details as { errors: Array<{ field: string; message: string }> }).errors };
  }
  assert.unreachable('expected a refusal');
  throw new Error('unreachable');
}

test('the convocation form has its rule; forms without rules have none', () => {
  assert.is(completionRulesOf('convocazione').length, 1);
  assert.is(completionRulesOf('analisi-preliminare').length, 0);
  enforceCompletionRules('analisi-preliminare', ctx('subito'));
});

test('a lawful convocation passes: Wednesday 10:00, 48 h ahead', () => {
  enforceCompletionRules('convocazione', ctx('2026-03-04T10:00:00+01:00'));
});

test('too little notice, too much notice, a Saturday: 422 BUSINESS_RULE_FAILED on convocazione.dataOra, in Italian', () => {
  const soon = refusal(() => enforceCompletionRules('convocazione', ctx('2026-03-02T18:00')));
  assert.equal([soon.code, soon.status], ['BUSINESS_RULE_FAILED', 422]);
  assert.equal(soon.errors.map((e) => e.field), ['convocazione.dataOra']);
  assert.match(soon.errors[0]!.message, /Preavviso insufficiente: la convocazione deve essere fissata almeno 24 ore/);
  assert.match(refusal(() => enforceCompletionRules('convocazione', ctx('2026-03-06T10:00'))).errors[0]!.message, /Preavviso eccessivo/);
  const saturday = refusal(() => enforceCompletionRules('convocazione', ctx('2026-03-07T10:00', createCalendar({}))));
  // Saturday 7 March is more than 72 h away too: both reasons are given
  assert.ok(saturday.errors.some((e) => /giorno feriale/.test(e.message)), JSON.stringify(saturday.errors));
  assert.match(refusal(() => enforceCompletionRules('convocazione', { ...ctx(''), variables: {} })).errors[0]!.message, /mancanti/);
});

test("the comune's own closures count: a weekday the offices are closed is refused", () => {
  const closed = createCalendar({ closures: ['2026-03-04'] });
  const r = refusal(() => enforceCompletionRules('convocazione', ctx('2026-03-04T10:00:00+01:00', closed)));
  assert.equal(r.errors.map((e) => e.field), ['convocazione.dataOra']);
  assert.match(r.errors[0]!.message, /giorno feriale/);
});

test.run();
