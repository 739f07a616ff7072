import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convocationProblems, verificaConvocazione } from '../../../src/tasks/handlers/verifica-convocazione.js';
import { ctx } from './context.js';

// Now: Mon 2 March 2026, 09:00 Rome.
const now = new Date('2026-03-02T08:00:00.000Z');
const bounds = { min: 24, max: 72 };

test('24–72 hours of notice on a weekday', () => {
  assert.equal(convocationProblems('2026-03-04T10:00', now, bounds), [], 'Wednesday 10:00 Rome, 49 h ahead');
  assert.equal(convocationProblems('2026-03-03T09:00:00+01:00', now, bounds), [], 'exactly 24 h');
  assert.match(convocationProblems('2026-03-02T18:00', now, bounds).join(), /Preavviso insufficiente/);
  assert.match(convocationProblems('2026-03-06T10:00', now, bounds).join(), /Preavviso eccessivo/);
  assert.match(convocationProblems('2026-03-07T10:00', new Date('2026-03-05T10:00:00Z'), bounds).join(), /giorno feriale/, 'Saturday');
  assert.match(convocationProblems('2026-06-02T10:00', new Date('2026-05-31T10:00:00Z'), bounds).join(), /giorno feriale/, '2 June, Festa della Repubblica');
});

test('missing or malformed date-time', () => {
  assert.equal(convocationProblems(undefined, now, bounds), ['Data e ora della convocazione mancanti']);
  assert.match(convocationProblems('2026-03-04', now, bounds).join(), /indicare anche l'ora/);
  assert.match(convocationProblems('mercoledì', now, bounds).join(), /non è una data e ora valida/);
});

test('handler: bounds from params.convocazione', async () => {
  const ok = (await verificaConvocazione.run(ctx({ convocazione: { dataOra: '2026-03-04T10:00:00+01:00' } })))!;
  assert.equal(ok, { convocazioneValida: true, problemiConvocazione: [] });
  const narrow = (await verificaConvocazione.run(ctx({ convocazione: { dataOra: '2026-03-04T10:00:00+01:00' } }, { params: { convocazione: { preavvisoMinOre: 24, preavvisoMaxOre: 36 } } })))!;
  assert.is(narrow.convocazioneValida, false);
});

test.run();
