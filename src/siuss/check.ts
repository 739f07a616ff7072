/**
 * Completeness check of one record (before any flow is generated): every
 * field against its XSD rule (required, enumeration, pattern, lengths,
 * bounds, dates, decimals), then the conditional rules INPS applies
 * (periodic ⇒ start, end, period, monthly amount; one-off ⇒ date and amount;
 * presa in carico ⇒ area utenza and the SINA block; Italian residence ⇒
 * comune; dates in order; codice fiscale checksum and omocodia). Messages are
 * Italian, one per field. A record with errors is never sent.
 * Duplicates are found by the register (it sees the other records).
 */
import { validateCodiceFiscale } from '../subjects/codice-fiscale.js';
import { xsdPattern, type Facets } from './schema.js';
import { fieldSpecs, parseItalianDate } from './normalize.js';
import { comuneByBelfiore, comuneByIstat } from './comuni.js';
import { benefitName } from './tabella1.js';
import type { FieldProblem, RecordData, SiussTipo } from './types.js';

const LABELS: Record<string, string> = {
  CodiceFiscale: 'Codice fiscale',
  Cognome: 'Cognome',
  Nome: 'Nome',
  AnnoNascita: 'Anno di nascita',
  LuogoNascita: 'Luogo di nascita',
  Genere: 'Genere',
  CodiceCittadinanza: 'Cittadinanza',
  CodiceComune: 'Comune di residenza',
  CodiceRegione: 'Regione di residenza',
  CodiceNazione: 'Nazione di residenza',
  CodicePrestazione: 'Codice prestazione',
  DenominazionePrestazione: 'Denominazione della prestazione',
  ProtocolloDomanda: 'Protocollo della domanda',
  PresenzaProvaMezzi: 'Prova dei mezzi',
  CaratterePrestazione: 'Carattere della prestazione',
  DataInizioPrestazione: 'Data di inizio',
  DataFinePrestazione: 'Data di fine',
  DataErogazionePrestazione: 'Data di erogazione',
  ImportoPrestazione: 'Importo della prestazione',
  PeriodoErogazione: 'Periodo di erogazione (mesi)',
  ImportoMensile: 'Importo mensile',
  PresaCarico: 'Presa in carico',
  AreaUtenza: 'Area utenza',
  IDBeneficiario: 'Identificativo del beneficiario',
};

export function label(field: string): string {
  return LABELS[field] ?? field;
}

function facetProblem(field: string, v: string, f: Facets): string | null {
  const name = label(field);
  if (f.enumeration && !f.enumeration.includes(v)) return `${name}: valore «${v}» non ammesso (valori: ${f.enumeration.join(', ')})`;
  if (f.base === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || parseItalianDate(v) !== v) return `${name}: data non valida «${v}» (formato AAAA-MM-GG)`;
  } else if (f.base === 'decimal') {
    if (!/^-?\d+(\.\d+)?$/.test(v)) return `${name}: importo non valido «${v}»`;
  } else if (f.base === 'int') {
    if (!/^-?\d+$/.test(v)) return `${name}: numero intero atteso, trovato «${v}»`;
    const n = Number(v);
    if (f.minInclusive !== undefined && n < f.minInclusive) return `${name}: deve essere almeno ${f.minInclusive}`;
    if (f.maxInclusive !== undefined && n > f.maxInclusive) return `${name}: deve essere al massimo ${f.maxInclusive}`;
  }
  const len = [...v].length;
  if (f.length !== undefined && len !== f.length) return `${name}: deve avere esattamente ${f.length} caratteri (ne ha ${len})`;
  if (f.minLength !== undefined && len < f.minLength) return `${name}: almeno ${f.minLength} caratteri (ne ha ${len})`;
  if (f.maxLength !== undefined && len > f.maxLength) return `${name}: al massimo ${f.maxLength} caratteri (ne ha ${len})`;
  if (f.pattern && !xsdPattern(f.pattern).test(v)) return `${name}: formato non valido «${v}»`;
  return null;
}

function str(data: RecordData, field: string): string | undefined {
  const v = data[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const SINA_FIELDS = ['Mobilita', 'AttivitaVitaQuotidiana', 'DisturbiAreaCognitiva', 'DisturbiComportamentali', 'NecessitaCureSanitarie', 'AreaReddituale', 'AreaSupporto', 'FonteDerivazioneValutazione', 'StrumentoValutazione', 'FonteDerivazioneInvalidita', 'NecessitaInterventiSociali', 'InvaliditaCivile'];

/** Whether the record carries the SINA (assessment) block. */
export function hasSina(data: RecordData): boolean {
  return str(data, 'PresaCarico') === '1' || SINA_FIELDS.some((f) => data[f] !== undefined);
}

export interface CheckResult {
  errors: FieldProblem[];
  warnings: FieldProblem[];
}

export function checkRecord(tipo: SiussTipo, data: RecordData): CheckResult {
  const errors: FieldProblem[] = [];
  const warnings: FieldProblem[] = [];
  const seen = new Set<string>();
  const err = (field: string, message: string, kind: FieldProblem['kind']) => {
    if (seen.has(field)) return;
    seen.add(field);
    errors.push({ field, message, kind });
  };
  const sina = tipo === 'PS_PSA_SINA' && hasSina(data);

  for (const spec of fieldSpecs(tipo).values()) {
    const v = data[spec.field];
    if (spec.list) {
      const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
      for (const item of items) {
        const p = spec.item ? facetProblem(spec.field, item, spec.item) : null;
        if (p) err(spec.field, p, 'non_valido');
      }
      continue;
    }
    if (!spec.rule) continue;
    const required = spec.rule.required && (spec.group !== 'SINA' || sina);
    if (v === undefined || v === '') {
      if (required) err(spec.field, `${label(spec.field)}: campo obbligatorio`, 'mancante');
      continue;
    }
    if (Array.isArray(v)) {
      err(spec.field, `${label(spec.field)}: è atteso un solo valore`, 'non_valido');
      continue;
    }
    const p = facetProblem(spec.field, v, spec.rule);
    if (p) err(spec.field, p, 'non_valido');
  }

  if (tipo === 'PS_PSA_SINA') psRules(data, err, warnings);
  else sinbaRules(data, err);
  return { errors, warnings };
}

type Err = (field: string, message: string, kind: FieldProblem['kind']) => void;

function psRules(data: RecordData, err: Err, warnings: FieldProblem[]): void {
  const cf = str(data, 'CodiceFiscale');
  if (cf) {
    const check = validateCodiceFiscale(cf);
    if (!check.valid) err('CodiceFiscale', `Codice fiscale non valido: ${check.message}`, 'non_valido');
    else if (check.info.kind === 'persona') {
      const info = check.info;
      const anno = str(data, 'AnnoNascita');
      if (anno && anno.slice(2) !== String(info.anno2).padStart(2, '0')) warnings.push({ field: 'AnnoNascita', message: `Anno di nascita ${anno} diverso da quello del codice fiscale`, kind: 'avviso' });
      const genere = str(data, 'Genere');
      if (genere && genere !== (info.sesso === 'M' ? '1' : '2')) warnings.push({ field: 'Genere', message: 'Genere diverso da quello del codice fiscale', kind: 'avviso' });
      const luogo = str(data, 'LuogoNascita');
      if (luogo && luogo !== info.luogoNascita) warnings.push({ field: 'LuogoNascita', message: `Luogo di nascita ${luogo} diverso da quello del codice fiscale (${info.luogoNascita})`, kind: 'avviso' });
    }
  }
  const luogo = str(data, 'LuogoNascita');
  if (luogo && /^[A-Y]\d{3}$/.test(luogo) && !comuneByBelfiore(luogo)) warnings.push({ field: 'LuogoNascita', message: `Luogo di nascita: ${luogo} non è un comune attuale (comune soppresso o codice errato)`, kind: 'avviso' });
  const comune = str(data, 'CodiceComune');
  if (comune && /^\d{6}$/.test(comune) && !comuneByIstat(comune)) err('CodiceComune', `Comune di residenza: codice ISTAT ${comune} sconosciuto`, 'non_valido');
  if (str(data, 'CodiceNazione') === '380' && !comune) err('CodiceComune', 'Comune di residenza: obbligatorio per chi risiede in Italia', 'mancante');
  const anno = str(data, 'AnnoNascita');
  if (anno && /^\d{4}$/.test(anno) && (Number(anno) < 1890 || Number(anno) > 2100)) err('AnnoNascita', `Anno di nascita ${anno} non plausibile`, 'non_valido');

  const carattere = str(data, 'CaratterePrestazione');
  if (!carattere) err('CaratterePrestazione', 'Carattere della prestazione: indicare 1 (periodica) o 2 (occasionale)', 'mancante');
  if (carattere === '1') {
    for (const f of ['DataInizioPrestazione', 'DataFinePrestazione', 'PeriodoErogazione', 'ImportoMensile']) if (!str(data, f)) err(f, `${label(f)}: obbligatorio per una prestazione periodica`, 'mancante');
  } else if (carattere === '2') {
    for (const f of ['DataErogazionePrestazione', 'ImportoPrestazione']) if (!str(data, f)) err(f, `${label(f)}: obbligatorio per una prestazione occasionale`, 'mancante');
  }
  const inizio = str(data, 'DataInizioPrestazione');
  const fine = str(data, 'DataFinePrestazione');
  if (inizio && fine && parseItalianDate(inizio) === inizio && parseItalianDate(fine) === fine && fine < inizio) err('DataFinePrestazione', 'Data di fine precedente alla data di inizio', 'regola');
  for (const f of ['ImportoPrestazione', 'ImportoMensile']) {
    const v = str(data, f);
    if (v && Number(v) < 0) err(f, `${label(f)}: non può essere negativo`, 'regola');
  }
  if (str(data, 'PresaCarico') === '1' && !str(data, 'AreaUtenza')) err('AreaUtenza', 'Area utenza: obbligatoria quando c’è la presa in carico', 'mancante');
  if (str(data, 'PresenzaProvaMezzi') === '1' && !str(data, 'NumeroProtocolloDSU')) warnings.push({ field: 'NumeroProtocolloDSU', message: 'Prestazione soggetta a ISEE senza protocollo DSU', kind: 'avviso' });
  const code = str(data, 'CodicePrestazione');
  if (code && !benefitName(code)) warnings.push({ field: 'CodicePrestazione', message: `Codice prestazione ${code} non presente nell’elenco noto della Tabella 1 (DM 206/2014): verificarlo`, kind: 'avviso' });
}

function sinbaRules(data: RecordData, err: Err): void {
  for (const f of ['Prestazioni', 'ComposizioneFamiglia']) {
    const v = data[f];
    if (!Array.isArray(v) || v.length === 0) err(f, `${label(f)}: indicare almeno un valore`, 'mancante');
  }
  const cf = str(data, 'CodiceFiscale');
  if (cf) {
    const check = validateCodiceFiscale(cf);
    if (!check.valid) err('CodiceFiscale', `Codice fiscale non valido: ${check.message}`, 'non_valido');
  }
}
