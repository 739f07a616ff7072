/** The eligibility inputs derived from an application (pure). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveInputs, wholeYears } from '../../src/applications/derived.js';
import type { Member } from '../../src/applications/application.checks.js';

const member = (dataNascita: string, over: Partial<Member> = {}): Member => ({ codiceFiscale: 'X', nome: 'N', cognome: 'C', dataNascita, relazione: 'figlio', sesso: null, disabile: false, gravidanza: false, disoccupato: false, ...over });
const richiedente = { codiceFiscale: 'X', nome: 'N', cognome: 'C', dataNascita: '1970-01-01', sesso: 'M' as const, cittadinanza: 'UE' as const, residenteInItaliaDal: '2016-03-02' };

test('whole years like an age', () => {
  assert.is(wholeYears('2000-03-10', '2018-03-09'), 17);
  assert.is(wholeYears('2000-03-10', '2018-03-10'), 18);
  assert.is(wholeYears('2016-03-02', '2018-03-01'), 1);
  assert.is(wholeYears('2016-03-02', '2018-03-02'), 2);
});

test('household flags at the application date', () => {
  const d = deriveInputs(richiedente, [member('1970-01-01', { relazione: 'richiedente' }), member('2000-03-10'), member('1963-03-01', { disoccupato: true })], '2018-03-01');
  assert.equal(d, { cittadinanza: 'UE', permessoLungoPeriodo: false, anniResidenza: 1, componentiNucleo: 3, nucleoConMinore: true, nucleoConDisabile: false, gravidanza: false, over55Disoccupato: true });
  const later = deriveInputs(richiedente, [member('1970-01-01', { relazione: 'richiedente' }), member('2000-03-10'), member('1963-03-11', { disoccupato: true })], '2018-03-10');
  assert.equal([later.nucleoConMinore, later.over55Disoccupato, later.anniResidenza], [false, false, 2]);
  const other = deriveInputs({ ...richiedente, cittadinanza: 'extraUE', permessoLungoPeriodo: true }, [member('1990-01-01', { disabile: true, gravidanza: true })], '2018-03-10');
  assert.equal([other.cittadinanza, other.permessoLungoPeriodo, other.nucleoConDisabile, other.gravidanza, other.componentiNucleo], ['extraUE', true, true, true, 1]);
});

test.run();
