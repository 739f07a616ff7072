/**
 * calcolaBeneficio: the REI monthly benefit (D.Lgs. 147/2017 art. 4, REI.md §3)
 * from the parameters' `beneficio` table, after a positive INPS outcome:
 *   scala     = scalaEquivalenza[n-1], or the last entry + incrementoScalaOltre
 *               for each member beyond the table (n = componentiNucleo, else
 *               the length of `nucleo`, else 1);
 *   annuo     = importoBaseAnnuo × coefficiente × scala − ISRE × scala (the
 *               household's income, when sottraiIsr), never below 0;
 *   mensile   = annuo / 12, capped by massimaliMensili[n-1] (the last entry
 *               for larger households), rounded to the cent.
 * With the default table the caps are exactly the uncapped amounts of a
 * household without income (187.50 € for one person … 539.82 € for six).
 * The benefit runs from the first day of the month after the application for
 * `durataMesi` months (dataInizioBeneficio … dataFineBeneficio). An amount of
 * 0 € means the application is rejected (L. 205/2017): beneficioErogato=false
 * and motiviBeneficio explain why.
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';
import { cents, int, num, numbers, obj, str } from './values.js';

export const DEFAULT_BENEFICIO = {
  importoBaseAnnuo: 3000,
  coefficiente: 0.75,
  scalaEquivalenza: [1, 1.57, 2.04, 2.46, 2.85],
  incrementoScalaOltre: 0.35,
  massimaliMensili: [187.5, 294.38, 382.5, 461.25, 534.37, 539.82],
  sottraiIsr: true,
};

export interface Beneficio {
  componenti: number;
  scalaEquivalenza: number;
  /** importoBaseAnnuo × coefficiente × scala: the yearly amount for a household without income. */
  sogliaAnnua: number;
  /** ISRE × scala, when subtracted. */
  redditoAnnuo: number;
  importoAnnuo: number;
  massimaleMensile: number;
  importoMensile: number;
}

/** The benefit for a household of `componenti` with the given ISRE, by the parameters' table (pure). */
export function computeBeneficio(componenti: number, isre: number, table: Record<string, unknown> = {}): Beneficio {
  const base = num(table.importoBaseAnnuo) ?? DEFAULT_BENEFICIO.importoBaseAnnuo;
  const coefficiente = num(table.coefficiente) ?? DEFAULT_BENEFICIO.coefficiente;
  const scale = numbers(table.scalaEquivalenza).length ? numbers(table.scalaEquivalenza) : DEFAULT_BENEFICIO.scalaEquivalenza;
  const step = num(table.incrementoScalaOltre) ?? DEFAULT_BENEFICIO.incrementoScalaOltre;
  const caps = numbers(table.massimaliMensili).length ? numbers(table.massimaliMensili) : DEFAULT_BENEFICIO.massimaliMensili;
  const n = Math.max(1, Math.floor(componenti));
  const scala = Math.round((n <= scale.length ? scale[n - 1]! : scale[scale.length - 1]! + (n - scale.length) * step) * 100) / 100;
  const sogliaAnnua = cents(base * coefficiente * scala);
  const redditoAnnuo = table.sottraiIsr === false ? 0 : cents(Math.max(0, isre) * scala);
  const importoAnnuo = cents(Math.max(0, sogliaAnnua - redditoAnnuo));
  const massimaleMensile = caps[Math.min(n, caps.length) - 1]!;
  return { componenti: n, scalaEquivalenza: scala, sogliaAnnua, redditoAnnuo, importoAnnuo, massimaleMensile, importoMensile: cents(Math.min(importoAnnuo / 12, massimaleMensile)) };
}

/** First day of the month after `day`, and the last day of the `months`-th month from there. */
export function benefitPeriod(day: string, months: number): { inizio: string; fine: string } {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(y, m, 1));
  const end = new Date(Date.UTC(y, m + months, 0));
  return { inizio: start.toISOString().slice(0, 10), fine: end.toISOString().slice(0, 10) };
}

export const calcolaBeneficio: ServiceHandler = {
  name: 'calcolaBeneficio',
  description: 'Calcola il beneficio mensile REI dalla scala di equivalenza e dai massimali nei parametri, e il periodo di erogazione',
  outputs: ['importoMensile', 'importoAnnuo', 'scalaEquivalenza', 'massimaleMensile', 'beneficioErogato', 'motiviBeneficio', 'dataInizioBeneficio', 'dataFineBeneficio', 'durataMesi'],
  run({ variables, params, now }) {
    const nucleo = Array.isArray(variables.nucleo) ? variables.nucleo.length : 0;
    const componenti = int(variables.componentiNucleo) ?? (nucleo || 1);
    const b = computeBeneficio(componenti, num(variables.isre) ?? 0, obj(params.beneficio));
    const durataMesi = int(variables.durataMesi) ?? int(params.durataMesi) ?? 18;
    const dataDomanda = str(variables.dataDomanda)?.slice(0, 10) ?? now.toISOString().slice(0, 10);
    const period = benefitPeriod(/^\d{4}-\d{2}-\d{2}$/.test(dataDomanda) ? dataDomanda : now.toISOString().slice(0, 10), durataMesi);
    const erogato = b.importoMensile > 0;
    return {
      importoMensile: b.importoMensile,
      importoAnnuo: b.importoAnnuo,
      scalaEquivalenza: b.scalaEquivalenza,
      massimaleMensile: b.massimaleMensile,
      beneficioErogato: erogato,
      motiviBeneficio: erogato ? [] : [`Importo del beneficio pari a zero: il reddito del nucleo (${b.redditoAnnuo} €, ISRE × scala di equivalenza ${b.scalaEquivalenza}) non è inferiore alla soglia di ${b.sogliaAnnua} €`],
      dataInizioBeneficio: period.inizio,
      dataFineBeneficio: period.fine,
      durataMesi,
    };
  },
};
