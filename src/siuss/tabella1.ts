/**
 * Benefit codes of DM 206/2014, Tabella 1, with their names: only the codes
 * the REI domain notes name (../shared/domain/REI.md §7). A record with a
 * code not listed here must carry its own DenominazionePrestazione; the
 * check warns that the code is not in this list (it does not refuse it: the
 * table is partial, the XSD only bounds the code's length).
 */
export const TABELLA_1: Readonly<Record<string, string>> = {
  'A1.04': 'Contributi economici integrativi del reddito familiare',
  'A1.05': 'Contributi economici per alloggio',
  'A1.06': 'Contributi economici erogati in forma di buoni (voucher)',
  'A1.18': "Contributi economici per l'inserimento lavorativo",
  'A2.07': 'Assistenza domiciliare socio-assistenziale',
  'A3.02': 'Strutture residenziali',
};

export function benefitName(code: string): string | null {
  return TABELLA_1[code] ?? null;
}
