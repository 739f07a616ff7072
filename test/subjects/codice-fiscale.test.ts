/**
 * Codice fiscale validation: the check character (against an independent
 * implementation of the algorithm in REI.md §9), omocodia, month letters,
 * day ranges, the numeric form and the cross-check with declared data.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { birthDate, mismatches, validateCodiceFiscale, type CodiceFiscaleInfo } from '../../src/subjects/codice-fiscale.js';
import { checkChar as oracle } from '../applications/fixtures.js';

const withCheck = (first15: string) => first15 + oracle(first15);

function ok(cf: string): CodiceFiscaleInfo {
  const r = validateCodiceFiscale(cf);
  if (!r.valid) throw new Error(`${cf} should be valid: ${r.message}`);
  return r.info;
}
function ko(cf: string, pattern: RegExp) {
  const r = validateCodiceFiscale(cf);
  assert.is(r.valid, false, `${cf} should be invalid`);
  if (!r.valid) assert.match(r.message, pattern);
}

test('a valid personal code: check character, birth date, sex and birthplace decoded', () => {
  const cf = withCheck('RSSMRA80A01F205');
  assert.is(cf, 'RSSMRA80A01F205X');
  const info = ok(cf);
  assert.equal(info, { kind: 'persona', codice: cf, omocodia: false, anno2: 80, mese: 1, giorno: 1, sesso: 'M', luogoNascita: 'F205' });
  assert.is(ok(' rssmra80a01f205x ').codice, cf, 'lower case and surrounding spaces are normalized');
});

test('women: day + 40 (41–71); every month letter', () => {
  const info = ok(withCheck('BNCLRA92T71H501'));
  assert.is(info.kind === 'persona' && info.sesso, 'F');
  assert.is(info.kind === 'persona' && info.giorno, 31);
  assert.is(info.kind === 'persona' && info.mese, 12);
  'ABCDEHLMPRST'.split('').forEach((letter, i) => {
    const r = ok(withCheck(`VRDGPP75${letter}15L219`));
    assert.is(r.kind === 'persona' && r.mese, i + 1);
  });
});

test('wrong check character names the expected one', () => {
  ko('RSSMRA80A01F205Y', /controllo errato: atteso X, trovato Y/);
});

test('omocodia: digit positions replaced by L M N P Q R S T U V are decoded', () => {
  const some = ok(withCheck('RSSMRA80A01F2LR'));
  assert.is(some.kind === 'persona' && some.omocodia, true);
  assert.is(some.kind === 'persona' && some.luogoNascita, 'F205');
  const all = ok(withCheck('RSSMRAULALMFNLR'));
  assert.equal(all.kind === 'persona' && [all.anno2, all.mese, all.giorno, all.sesso, all.luogoNascita], [80, 1, 1, 'M', 'F205']);
  const woman = ok(withCheck('BNCLRA92T7MH501'));
  assert.equal(woman.kind === 'persona' && [woman.giorno, woman.sesso], [31, 'F']);
  ko(withCheck('RSSMRA80A01F2A5'), /formato non valido/);
  ko(withCheck('RSSMRAW0A01F205'), /formato non valido/);
});

test('month letter, day range and impossible dates are refused', () => {
  ko(withCheck('RSSMRA80F01F205'), /lettera del mese non valida: F/);
  ko(withCheck('RSSMRA80A32F205'), /giorno di nascita non valido: 32/);
  ko(withCheck('RSSMRA80A00F205'), /giorno di nascita non valido: 00/);
  ko(withCheck('RSSMRA80A72F205'), /giorno di nascita non valido: 72/);
  ko(withCheck('RSSMRA80A40F205'), /giorno di nascita non valido: 40/);
  ko(withCheck('RSSMRA80B30F205'), /inesistente: giorno 30 del mese 2/);
  ko(withCheck('RSSMRA81B29F205'), /inesistente/);
  ok(withCheck('RSSMRA80B29F205'));
  ko(withCheck('RSSMRA80D31F205'), /inesistente/);
});

test('length and shape; birthplace must be a letter and three digits', () => {
  ko('RSSMRA80A01F205', /16 caratteri .* ne ha 15/);
  ko('', /ne ha 0/);
  ko(withCheck('RSSMRA80A011205'), /formato non valido/);
  ko('RSSMRA80A01F205X1', /ne ha 17/);
  ko('RSS MRA80A01F205', /formato/);
});

test('numeric form (11 digits) has its own check digit', () => {
  assert.equal(ok('06363391001'), { kind: 'numerico', codice: '06363391001' });
  assert.equal(ok('12345678903'), { kind: 'numerico', codice: '12345678903' });
  ko('06363391002', /cifra di controllo errata: attesa 1, trovata 2/);
  ko('0636339100', /formato|caratteri/);
});

test('cross-check with the declared birth date and sex (any century); numeric codes carry none', () => {
  const info = ok(withCheck('BNCLRA92T71H501'));
  assert.equal(mismatches(info, { dataNascita: '1992-12-31', sesso: 'F' }), []);
  assert.equal(mismatches(info, { dataNascita: '1892-12-31' }), [], 'only the last two digits of the year are in the code');
  const wrong = mismatches(info, { dataNascita: '1992-12-30', sesso: 'M' });
  assert.is(wrong.length, 2);
  assert.match(wrong[0]!, /data di nascita dichiarata 30\/12\/1992/);
  assert.match(wrong[1]!, /sesso dichiarato M/);
  assert.equal(mismatches(ok('06363391001'), { dataNascita: '1990-01-01', sesso: 'M' }), []);
});

test('birth date with century from a reference date', () => {
  const info = ok(withCheck('RSSMRA15A01F205'));
  assert.ok(info.kind === 'persona');
  if (info.kind !== 'persona') return;
  assert.is(birthDate(info, '2026-03-02'), '2015-01-01');
  const old = ok(withCheck('RSSMRA30A01F205'));
  if (old.kind === 'persona') assert.is(birthDate(old, '2026-03-02'), '1930-01-01');
});

test.run();
