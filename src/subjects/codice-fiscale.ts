/**
 * Validation of the codice fiscale (never generation): the 16-character
 * personal form (check character, omocodia, month letter, day 1–31 / 41–71,
 * Belfiore-shaped birthplace) and the 11-digit numeric form (its own check
 * digit). The check character comes from `codice-fiscale-js`; its decoding
 * (reverse) is not used: it reads the system clock for the century and
 * throws on birthplaces missing from its list of comuni.
 */
import { lazyRequire } from '../shared/lazy-require.js';

/** What the library's CommonJS bundle really exports (`module.exports.CodiceFiscale`; its .d.ts says otherwise). */
interface CodiceFiscaleLib {
  check(cf: string): boolean;
  getCheckCode(first15: string): string;
}
/** Loaded on the first check (≈ 300 kB of JavaScript, not needed to start). */
const library = lazyRequire<{ CodiceFiscale: CodiceFiscaleLib }>('codice-fiscale-js');

export type Sesso = 'M' | 'F';

export interface CodicePersona {
  kind: 'persona';
  codice: string;
  /** True when some digit positions hold omocodia letters. */
  omocodia: boolean;
  /** Last two digits of the birth year. */
  anno2: number;
  mese: number;
  giorno: number;
  sesso: Sesso;
  /** Belfiore code of the birthplace (Z… for a foreign state), omocodia letters decoded. */
  luogoNascita: string;
}

export interface CodiceNumerico {
  kind: 'numerico';
  codice: string;
}

export type CodiceFiscaleInfo = CodicePersona | CodiceNumerico;
export type CodiceFiscaleCheck = { valid: true; info: CodiceFiscaleInfo } | { valid: false; message: string };

const MONTHS = 'ABCDEHLMPRST';
const OMOCODIA = 'LMNPQRSTUV';
/** 0-based positions of the 16-character code that hold digits (or their omocodia letters). */
const DIGIT_POSITIONS = [6, 7, 9, 10, 12, 13, 14];
const SHAPE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** Upper-cased, trimmed; inner spaces are not accepted. */
export function normalizeCodiceFiscale(input: string): string {
  return input.trim().toUpperCase();
}

export function validateCodiceFiscale(input: string): CodiceFiscaleCheck {
  const cf = normalizeCodiceFiscale(input);
  if (/^\d{11}$/.test(cf)) return validateNumeric(cf);
  if (cf.length !== 16) return invalid(`deve avere 16 caratteri (o 11 cifre per il codice numerico), ne ha ${cf.length}`);
  if (!SHAPE.test(cf)) return invalid('formato non valido: attesi 6 lettere, anno, lettera del mese, giorno, codice del luogo di nascita e carattere di controllo');
  const plain = decodeOmocodia(cf);
  const mese = MONTHS.indexOf(plain[8]!) + 1;
  if (mese === 0) return invalid(`lettera del mese non valida: ${plain[8]} (ammesse ${MONTHS.split('').join(' ')})`);
  const anno2 = Number(plain.slice(6, 8));
  const dayCode = Number(plain.slice(9, 11));
  const sesso: Sesso = dayCode > 40 ? 'F' : 'M';
  const giorno = sesso === 'F' ? dayCode - 40 : dayCode;
  if (giorno < 1 || giorno > 31) return invalid(`giorno di nascita non valido: ${plain.slice(9, 11)} (ammessi 01–31 per gli uomini, 41–71 per le donne)`);
  if (giorno > daysInMonth(mese, anno2)) return invalid(`data di nascita inesistente: giorno ${giorno} del mese ${mese}`);
  const luogoNascita = plain.slice(11, 15);
  if (!/^[A-Z]\d{3}$/.test(luogoNascita)) return invalid(`codice del luogo di nascita non valido: ${luogoNascita}`);
  const lib = library().CodiceFiscale;
  const expected = lib.getCheckCode(cf.slice(0, 15));
  if (expected !== cf[15] || !lib.check(cf)) return invalid(`carattere di controllo errato: atteso ${expected}, trovato ${cf[15]}`);
  return { valid: true, info: { kind: 'persona', codice: cf, omocodia: plain !== cf, anno2, mese, giorno, sesso, luogoNascita } };
}

/**
 * Problems between a valid personal code and the declared birth date (YYYY-MM-DD)
 * and sex: one Italian message each. A numeric code carries no such data.
 */
export function mismatches(info: CodiceFiscaleInfo, declared: { dataNascita?: string; sesso?: Sesso }): string[] {
  if (info.kind !== 'persona') return [];
  const problems: string[] = [];
  if (declared.dataNascita) {
    const [y, m, d] = declared.dataNascita.split('-').map(Number) as [number, number, number];
    if (y % 100 !== info.anno2 || m !== info.mese || d !== info.giorno) {
      problems.push(`non corrisponde alla data di nascita dichiarata ${pad(d)}/${pad(m)}/${y} (il codice indica ${pad(info.giorno)}/${pad(info.mese)}/..${pad(info.anno2)})`);
    }
  }
  if (declared.sesso && declared.sesso !== info.sesso) {
    problems.push(`non corrisponde al sesso dichiarato ${declared.sesso} (il codice indica ${info.sesso})`);
  }
  return problems;
}

/** The full birth date of a personal code: the century is the latest that does not put the date after `reference` (YYYY-MM-DD). */
export function birthDate(info: CodicePersona, reference: string): string {
  const refYear = Number(reference.slice(0, 4));
  let year = Math.floor(refYear / 100) * 100 + info.anno2;
  const day = `${pad(info.mese)}-${pad(info.giorno)}`;
  if (`${year}-${day}` > reference) year -= 100;
  return `${year}-${day}`;
}

/** Partita IVA / numeric codice fiscale: odd positions as they are, even positions doubled (minus 9 above 9); check = (10 − sum mod 10) mod 10. */
function validateNumeric(cf: string): CodiceFiscaleCheck {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const n = Number(cf[i]);
    if (i % 2 === 0) sum += n;
    else sum += n * 2 > 9 ? n * 2 - 9 : n * 2;
  }
  const expected = (10 - (sum % 10)) % 10;
  if (expected !== Number(cf[10])) return invalid(`cifra di controllo errata: attesa ${expected}, trovata ${cf[10]}`);
  return { valid: true, info: { kind: 'numerico', codice: cf } };
}

/** The code with omocodia letters in the digit positions turned back into digits (check character kept). */
function decodeOmocodia(cf: string): string {
  const chars = cf.split('');
  for (const i of DIGIT_POSITIONS) {
    const k = OMOCODIA.indexOf(chars[i]!);
    if (k >= 0) chars[i] = String(k);
  }
  return chars.join('');
}

/** Days of a month; February has 29 when the two-digit year may be a leap year (00 stands for 2000 as well). */
function daysInMonth(month: number, yy: number): number {
  if (month === 2) return yy % 4 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function invalid(message: string): CodiceFiscaleCheck {
  return { valid: false, message: `Codice fiscale non valido: ${message}` };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
