/**
 * How the simulated INPS decides an application: negative when the ISEE or
 * the ISRE is above its threshold (REI: 6.000 € and 3.000 €) or the
 * applicant's codice fiscale is in the deny list, positive otherwise.
 */
export interface SimRules {
  iseeMax: number;
  isreMax: number;
  /** Applicants INPS turns down whatever their figures (uppercase codici fiscali). */
  codiciFiscaliNegativi: string[];
}

export const DEFAULT_RULES: SimRules = { iseeMax: 6000, isreMax: 3000, codiciFiscaliNegativi: [] };

export interface Decision {
  esito: 'positivo' | 'negativo';
  motivi: string[];
}

export function decide(rules: SimRules, d: { isee: unknown; isre: unknown; codiceFiscale: string }): Decision {
  const motivi: string[] = [];
  const euro = (n: number) => `${n.toLocaleString('it-IT')} €`;
  if (typeof d.isee !== 'number') motivi.push('Valore ISEE non presente nella domanda');
  else if (d.isee > rules.iseeMax) motivi.push(`Valore ISEE (${euro(d.isee)}) superiore alla soglia di ${euro(rules.iseeMax)}`);
  if (typeof d.isre === 'number' && d.isre > rules.isreMax) motivi.push(`Valore ISRE (${euro(d.isre)}) superiore alla soglia di ${euro(rules.isreMax)}`);
  if (rules.codiciFiscaliNegativi.includes(d.codiceFiscale.toUpperCase())) motivi.push('Requisiti non confermati dalle banche dati INPS');
  return { esito: motivi.length ? 'negativo' : 'positivo', motivi };
}

/** Merges a partial rule set (from a file, the environment or the control endpoint), refusing wrong types. */
export function mergeRules(base: SimRules, patch: unknown): SimRules {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new Error('Regole: atteso un oggetto JSON');
  const p = patch as Record<string, unknown>;
  const out: SimRules = { ...base, codiciFiscaliNegativi: [...base.codiciFiscaliNegativi] };
  for (const key of ['iseeMax', 'isreMax'] as const) {
    if (p[key] === undefined) continue;
    if (typeof p[key] !== 'number' || !Number.isFinite(p[key])) throw new Error(`Regole: ${key} deve essere un numero`);
    out[key] = p[key] as number;
  }
  if (p.codiciFiscaliNegativi !== undefined) {
    if (!Array.isArray(p.codiciFiscaliNegativi) || !p.codiciFiscaliNegativi.every((c) => typeof c === 'string')) throw new Error('Regole: codiciFiscaliNegativi deve essere un elenco di codici fiscali');
    out.codiciFiscaliNegativi = (p.codiciFiscaliNegativi as string[]).map((c) => c.toUpperCase());
  }
  return out;
}
