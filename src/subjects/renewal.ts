/**
 * The REI duration and renewal rule (D.Lgs. 147/2017 art. 4 c. 5), applied at
 * application time to the earlier cases of every household member:
 * - any case still active ⇒ refused (ACTIVE_CASE);
 * - an earlier benefit period that ended less than `mesiIntervalloRinnovo`
 *   months before the application ⇒ refused (RENEWAL_TOO_EARLY), with the
 *   first date on which one may apply;
 * - after the gap ⇒ a renewal of at most `durataRinnovoMesi` months;
 * - otherwise a first application of `durataMesi` months.
 * A case counts as a benefit period only if the benefit was granted (see
 * benefitGranted): a case rejected by the comune or by INPS, or withdrawn or
 * cancelled before a positive INPS outcome, does not. A granted case ends on
 * the Rome date of its instance's end (completion, decadenza, withdrawal or
 * cancellation alike).
 */
import { romeDay } from '../engine/calendar/index.js';

export interface EarlierCase {
  subjectId: string;
  instanceId: string;
  protocollo: string;
  status: 'active' | 'completed' | 'cancelled';
  endedAt: Date | null;
  variables: Record<string, unknown>;
}

export interface RenewalParams {
  durataMesi: number;
  durataRinnovoMesi: number;
  mesiIntervalloRinnovo: number;
}

export const DEFAULT_RENEWAL_PARAMS: RenewalParams = { durataMesi: 18, durataRinnovoMesi: 12, mesiIntervalloRinnovo: 6 };

export type RenewalDecision =
  | { ok: true; rinnovo: boolean; durataMesi: number }
  | { ok: false; code: 'ACTIVE_CASE'; cases: EarlierCase[] }
  | { ok: false; code: 'RENEWAL_TOO_EARLY'; cases: EarlierCase[]; fineBeneficio: string; dataPrimaDomanda: string; mesiIntervallo: number };

/**
 * Whether a case gave the benefit: an explicit boolean `beneficioErogato` set by
 * the model wins; otherwise a positive INPS outcome (`esitoInps = 'positivo'`).
 */
export function benefitGranted(variables: Record<string, unknown>): boolean {
  if (typeof variables.beneficioErogato === 'boolean') return variables.beneficioErogato;
  return variables.esitoInps === 'positivo';
}

export function decideRenewal(earlier: EarlierCase[], dataDomanda: string, params: RenewalParams): RenewalDecision {
  const active = earlier.filter((c) => c.status === 'active');
  if (active.length) return { ok: false, code: 'ACTIVE_CASE', cases: active };
  const periods = earlier.filter((c) => c.endedAt && benefitGranted(c.variables));
  if (!periods.length) return { ok: true, rinnovo: false, durataMesi: params.durataMesi };
  let latestEnd = '';
  for (const c of periods) latestEnd = maxDay(latestEnd, romeDay(c.endedAt!));
  const dataPrimaDomanda = addMonths(latestEnd, params.mesiIntervalloRinnovo);
  if (dataDomanda < dataPrimaDomanda) {
    return { ok: false, code: 'RENEWAL_TOO_EARLY', cases: periods.filter((c) => romeDay(c.endedAt!) === latestEnd), fineBeneficio: latestEnd, dataPrimaDomanda, mesiIntervallo: params.mesiIntervalloRinnovo };
  }
  return { ok: true, rinnovo: true, durataMesi: Math.min(params.durataRinnovoMesi, params.durataMesi) };
}

/** Calendar months added to an ISO date, clamped to the month's end (31 Aug + 6 months = 28/29 Feb). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

function maxDay(a: string, b: string): string {
  return a > b ? a : b;
}
