/**
 * The inputs of the eligibility decision (rei-requisiti) computed from an
 * application: citizenship and permit of the applicant, whole years of
 * residence and the household facts, all at the application date.
 */
import type { Richiedente } from './application.schema.js';
import type { Member } from './application.checks.js';

export interface DerivedInputs {
  cittadinanza: 'IT' | 'UE' | 'extraUE';
  /** As declared; false when not declared by an Italian or EU citizen (not applicable to them). */
  permessoLungoPeriodo: boolean;
  anniResidenza: number;
  componentiNucleo: number;
  nucleoConMinore: boolean;
  nucleoConDisabile: boolean;
  gravidanza: boolean;
  over55Disoccupato: boolean;
}

export function deriveInputs(richiedente: Richiedente, nucleo: Member[], dataDomanda: string): DerivedInputs {
  return {
    cittadinanza: richiedente.cittadinanza,
    permessoLungoPeriodo: richiedente.permessoLungoPeriodo ?? false,
    anniResidenza: Math.max(0, wholeYears(richiedente.residenteInItaliaDal, dataDomanda)),
    componentiNucleo: nucleo.length,
    nucleoConMinore: nucleo.some((m) => wholeYears(m.dataNascita, dataDomanda) < 18),
    nucleoConDisabile: nucleo.some((m) => m.disabile),
    gravidanza: nucleo.some((m) => m.gravidanza),
    over55Disoccupato: nucleo.some((m) => m.disoccupato && wholeYears(m.dataNascita, dataDomanda) >= 55),
  };
}

/** Whole years from `from` to `to` (ISO dates), like an age: 2000-03-10 → 2018-03-09 is 17. */
export function wholeYears(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return ty - fy - (tm < fm || (tm === fm && td < fd) ? 1 : 0);
}
