/**
 * Domain checks of an application that need no database: every codice fiscale
 * (checksum, omocodia) and its agreement with the declared birth date and sex,
 * the household (no duplicates, one applicant), dates against each other and
 * against today. Returns every problem at once, by field, and the household
 * as the process receives it: the applicant first, added when not listed.
 */
import { mismatches, validateCodiceFiscale, type Sesso } from '../subjects/codice-fiscale.js';
import type { ApplicationInput, Componente, FieldError, Relazione } from './application.schema.js';

/** A household member as stored and passed to the process. */
export interface Member {
  codiceFiscale: string;
  nome: string;
  cognome: string;
  dataNascita: string;
  relazione: Relazione;
  sesso: Sesso | null;
  disabile: boolean;
  gravidanza: boolean;
  disoccupato: boolean;
}

export interface CheckedApplication {
  errors: FieldError[];
  /** The household, applicant first; meaningful only without errors. */
  nucleo: Member[];
  /** For each member of `nucleo`, where it was submitted: `richiedente` or `nucleo.<i>`. */
  paths: string[];
}

/** `today` is the Europe/Rome date (YYYY-MM-DD) of the injected clock. */
export function checkApplication(input: ApplicationInput, today: string): CheckedApplication {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });
  const r = input.richiedente;

  if (input.dataDomanda > today) add('dataDomanda', `La data della domanda ${itDate(input.dataDomanda)} è nel futuro (oggi è ${itDate(today)})`);

  const applicantCf = checkCf(add, 'richiedente', r.codiceFiscale, { dataNascita: r.dataNascita, sesso: r.sesso });
  checkBirth(add, 'richiedente', r.dataNascita, input.dataDomanda, today);
  if (r.residenteInItaliaDal < r.dataNascita) add('richiedente.residenteInItaliaDal', `La residenza in Italia (dal ${itDate(r.residenteInItaliaDal)}) non può iniziare prima della nascita (${itDate(r.dataNascita)})`);
  if (r.residenteInItaliaDal > input.dataDomanda) add('richiedente.residenteInItaliaDal', `La residenza in Italia (dal ${itDate(r.residenteInItaliaDal)}) non può iniziare dopo la data della domanda (${itDate(input.dataDomanda)})`);
  if (r.cittadinanza === 'extraUE' && r.permessoLungoPeriodo === undefined) {
    add('richiedente.permessoLungoPeriodo', 'Per un cittadino extra UE va dichiarato se è titolare del permesso di soggiorno UE per soggiornanti di lungo periodo');
  }

  const seen = new Map<string, number>();
  input.nucleo.forEach((m, i) => {
    const path = `nucleo.${i}`;
    const cf = checkCf(add, path, m.codiceFiscale, { dataNascita: m.dataNascita, sesso: m.sesso });
    checkBirth(add, path, m.dataNascita, input.dataDomanda, today);
    if (cf) {
      const first = seen.get(cf);
      if (first !== undefined) add(`${path}.codiceFiscale`, `Codice fiscale ${cf} già presente nel nucleo (componente ${first + 1})`);
      else seen.set(cf, i);
    }
    const isApplicant = cf !== null && cf === applicantCf;
    if (isApplicant) {
      if (m.relazione !== 'richiedente') add(`${path}.relazione`, `Il richiedente compare nel nucleo con relazione "${m.relazione}": deve essere "richiedente"`);
      if (m.dataNascita !== r.dataNascita) add(`${path}.dataNascita`, `Data di nascita diversa da quella del richiedente (${itDate(r.dataNascita)})`);
    } else if (m.relazione === 'richiedente') {
      add(`${path}.relazione`, 'Solo il richiedente può avere relazione "richiedente"');
    }
    if (m.gravidanza && cf && sexOf(cf) === 'M') add(`${path}.gravidanza`, 'Gravidanza dichiarata per un componente di sesso maschile secondo il codice fiscale');
  });

  const applicant: Member = { codiceFiscale: applicantCf ?? normalize(r.codiceFiscale), nome: r.nome, cognome: r.cognome, dataNascita: r.dataNascita, relazione: 'richiedente', sesso: r.sesso, disabile: false, gravidanza: false, disoccupato: false };
  const members = input.nucleo.map(toMember);
  const listed = members.findIndex((m) => m.codiceFiscale === applicant.codiceFiscale);
  const own = listed >= 0 ? { ...members[listed]!, nome: r.nome, cognome: r.cognome, sesso: r.sesso, relazione: 'richiedente' as const } : applicant;
  const nucleo = [own, ...members.filter((_, i) => i !== listed)];
  const paths = ['richiedente', ...members.flatMap((_, i) => (i === listed ? [] : [`nucleo.${i}`]))];
  return { errors, nucleo, paths };
}

function checkCf(add: (f: string, m: string) => void, path: string, raw: string, declared: { dataNascita: string; sesso?: Sesso }): string | null {
  const result = validateCodiceFiscale(raw);
  if (!result.valid) {
    add(`${path}.codiceFiscale`, result.message);
    return null;
  }
  for (const problem of mismatches(result.info, declared)) add(`${path}.codiceFiscale`, `Codice fiscale ${result.info.codice}: ${problem}`);
  return result.info.codice;
}

function checkBirth(add: (f: string, m: string) => void, path: string, dataNascita: string, dataDomanda: string, today: string) {
  if (dataNascita > today) add(`${path}.dataNascita`, `La data di nascita ${itDate(dataNascita)} è nel futuro`);
  else if (dataNascita > dataDomanda) add(`${path}.dataNascita`, `La data di nascita ${itDate(dataNascita)} è successiva alla data della domanda (${itDate(dataDomanda)})`);
}

function toMember(m: Componente): Member {
  const cf = normalize(m.codiceFiscale);
  return {
    codiceFiscale: cf,
    nome: m.nome,
    cognome: m.cognome,
    dataNascita: m.dataNascita,
    relazione: m.relazione,
    sesso: m.sesso ?? sexOf(cf),
    disabile: m.disabile ?? false,
    gravidanza: m.gravidanza ?? false,
    disoccupato: m.disoccupato ?? false,
  };
}

function sexOf(cf: string): Sesso | null {
  const r = validateCodiceFiscale(cf);
  return r.valid && r.info.kind === 'persona' ? r.info.sesso : null;
}

function normalize(cf: string): string {
  return cf.trim().toUpperCase();
}

/** An ISO date as Italians write it: 2026-03-02 → 02/03/2026. */
export function itDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}
