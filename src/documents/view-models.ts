/**
 * View models: the plain objects a template receives, built from the process
 * variables with an allow-list of fields (nothing else of the case reaches a
 * template). Values are coerced to short strings; HTML escaping is left to
 * Handlebars. Missing data that makes a document meaningless is a
 * DocumentDataError (422); optional sections simply render as empty.
 */
import { DomainError } from '../shared/errors.js';
import type { DocumentKind, DocumentType } from './kinds.js';
import { formatDate, hoursBetween } from './format.js';
import type { OfficeView } from './office.js';

export class DocumentDataError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('DOCUMENT_DATA_MISSING', message, 422, details);
  }
}

export interface DocumentContext {
  kind: DocumentKind;
  comune: { codice: string; nome: string };
  /** Generation instant (from the injected clock). */
  now: Date;
  /** Checks that only apply when the document is sent by the process (not on a reprint). */
  sending: boolean;
  /** The comune's office (letterhead, address, signer, responsabile del procedimento). */
  office: OfficeView;
  /** The outgoing protocol number the stored document received (null: a preview, not registered). */
  protocol: { numero: number; anno: number } | null;
}

type Vars = Readonly<Record<string, unknown>>;
type Row = Record<string, string>;

const MAX = 4000;

function str(value: unknown): string {
  if (typeof value === 'string') return value.trim().slice(0, MAX);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'sì' : 'no';
  return '';
}

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown, max = 200): unknown[] {
  return Array.isArray(value) ? value.slice(0, max) : [];
}

/** Rows of an array of objects, keeping only the named fields; rows with every field empty are dropped. */
function rows(value: unknown, fields: readonly string[]): Row[] {
  return list(value)
    .map((item) => Object.fromEntries(fields.map((f) => [f, str(obj(item)[f])])))
    .filter((r) => fields.some((f) => r[f] !== ''));
}

function num(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

const RELAZIONI: Record<string, string> = { richiedente: 'Richiedente', coniuge: 'Coniuge', figlio: 'Figlio/a', genitore: 'Genitore', altro: 'Altro' };

function persona(value: unknown) {
  const p = obj(value);
  const nome = str(p.nome);
  const cognome = str(p.cognome);
  const { via, localita } = address(p.indirizzo);
  return { nome, cognome, nomeCompleto: [nome, cognome].filter(Boolean).join(' '), codiceFiscale: str(p.codiceFiscale).toUpperCase(), dataNascita: str(p.dataNascita), indirizzo: [via, localita].filter(Boolean).join(', '), via, localita };
}

/**
 * An address as the two lines of an envelope: street and number, then
 * "CAP Città (PR)". Accepts the structured form ({via, civico, cap, comune,
 * provincia}) or a single line, split before its CAP ("Via Padova 100, 20127 Milano").
 */
function address(value: unknown): { via: string; localita: string } {
  if (typeof value === 'string') {
    const line = str(value);
    const m = /^(.*?)[,\s]+(\d{5}\s+\S.*)$/.exec(line);
    return m ? { via: m[1]!.trim(), localita: m[2]!.trim() } : { via: line, localita: '' };
  }
  const a = obj(value);
  const via = [str(a.via) || str(a.indirizzo), str(a.civico)].filter(Boolean).join(' ');
  const citta = str(a.comune) || str(a.citta);
  const provincia = str(a.provincia).toUpperCase();
  const localita = [str(a.cap), citta, provincia ? `(${provincia})` : ''].filter(Boolean).join(' ');
  return { via, localita };
}

/** What every document shows: comune, applicant, household, protocol, generation date. */
function common(vars: Vars, ctx: DocumentContext) {
  const richiedente = persona(vars.richiedente);
  const nucleo = list(vars.nucleo, 50).map((m) => ({ ...persona(m), relazione: RELAZIONI[str(obj(m).relazione)] ?? str(obj(m).relazione) }));
  return {
    comune: ctx.comune,
    ufficio: ctx.office,
    documento: { titolo: ctx.kind.title, tipo: ctx.kind.type, dataGenerazione: ctx.now.toISOString() },
    protocolloUscita: ctx.protocol ? { numero: ctx.protocol.numero, anno: ctx.protocol.anno, etichetta: `${ctx.protocol.numero}/${ctx.protocol.anno}`, data: formatDate(ctx.now) } : null,
    protocollo: str(vars.protocollo),
    dataDomanda: str(vars.dataDomanda),
    protocolloInps: str(vars.protocolloInps),
    importoMensile: num(vars.importoMensile),
    durataMesi: num(vars.durataMesi),
    richiedente,
    nucleo,
  };
}

const AREE = [
  { area: 'civica', etichetta: 'Area civica' },
  { area: 'inclusione_sociale', etichetta: 'Inclusione sociale' },
  { area: 'inclusione_lavorativa', etichetta: 'Inclusione lavorativa' },
] as const;

function progetto(vars: Vars) {
  const p = obj(vars.progetto);
  const obiettivi = list(p.obiettivi).map((o) => ({ area: str(obj(o).area), descrizione: str(obj(o).descrizione), risultatiAttesi: str(obj(o).risultatiAttesi), tempi: str(obj(o).tempi) }));
  const known = new Set<string>(AREE.map((a) => a.area));
  const filled = obiettivi.filter((o) => o.descrizione || o.risultatiAttesi);
  const aree: Array<{ area: string; etichetta: string; obiettivi: typeof obiettivi }> = AREE.map((a) => ({ ...a, obiettivi: filled.filter((o) => o.area === a.area) }));
  const altri = filled.filter((o) => !known.has(o.area));
  if (altri.length) aree.push({ area: 'altro', etichetta: 'Altri obiettivi', obiettivi: altri });
  return {
    progetto: {
      caseManager: str(p.caseManager),
      aree,
      haObiettivi: filled.length > 0,
      sostegni: rows(p.sostegni, ['intervento', 'periodo', 'risorse']),
      impegniNucleo: rows(p.impegniNucleo, ['componente', 'impegno']),
      impegniRete: rows(p.impegniRete, ['soggetto', 'impegno']),
      azioni: rows(p.azioni, ['periodo', 'descrizione']),
    },
  };
}

function rigetto(vars: Vars) {
  const requisiti = obj(vars.requisiti);
  const esplicita = str(vars.origineRigetto);
  const origine = esplicita === 'inps' || esplicita === 'comune' ? esplicita : str(vars.esitoInps) === 'negativo' ? 'inps' : 'comune';
  const candidati = [vars.motiviRigetto, origine === 'inps' ? vars.motiviInps : requisiti.motivi];
  const motivi = candidati.map((c) => list(c).map(str).filter(Boolean)).find((m) => m.length) ?? [];
  if (!motivi.length) motivi.push(origine === 'inps' ? "Esito negativo della verifica dei requisiti da parte dell'INPS" : 'Requisiti di accesso non soddisfatti');
  return { rigetto: { origine, daInps: origine === 'inps', motivi, termineRiesameGiorni: 30 } };
}

function convocazione(vars: Vars, ctx: DocumentContext) {
  const c = obj(vars.convocazione);
  const dataOra = str(c.dataOra);
  const when = dataOra ? new Date(dataOra) : null;
  if (!when || Number.isNaN(when.getTime()) || !/T\d{2}:\d{2}/.test(dataOra)) {
    throw new DocumentDataError('La convocazione richiede data e ora (convocazione.dataOra, es. 2026-11-30T10:30:00+01:00)', { fields: [{ field: 'convocazione.dataOra', message: 'data e ora ISO-8601 obbligatorie' }] });
  }
  if (!str(c.luogo)) throw new DocumentDataError('La convocazione richiede il luogo (convocazione.luogo)', { fields: [{ field: 'convocazione.luogo', message: 'obbligatorio' }] });
  const preavvisoOre = hoursBetween(ctx.now, when);
  if (ctx.sending && (preavvisoOre < 24 || preavvisoOre > 72)) {
    throw new DocumentDataError(`La convocazione va comunicata con un preavviso tra 24 e 72 ore (art. 12, c. 2, D.Lgs. 147/2017): preavviso attuale ${preavvisoOre} ore`, { fields: [{ field: 'convocazione.dataOra', message: 'preavviso fuori dall\'intervallo 24–72 ore' }], preavvisoOre });
  }
  const componente = str(c.componente) || persona(vars.richiedente).nomeCompleto;
  return { convocazione: { dataOra, luogo: str(c.luogo), motivo: str(c.motivo), componente } };
}

const SANZIONI: Record<string, { etichetta: string; frazione: number | null }> = {
  riduzione_quarto: { etichetta: 'decurtazione di un quarto di una mensilità del beneficio', frazione: 0.25 },
  riduzione_mensilita: { etichetta: 'decurtazione di una mensilità del beneficio', frazione: 1 },
  decadenza: { etichetta: 'decadenza dal beneficio', frazione: null },
};

const EVENTI: Record<string, string> = {
  mancata_presentazione: 'mancata presentazione, senza giustificato motivo, a una convocazione o a un appuntamento',
  assenza_convocazione: 'mancata presentazione, senza giustificato motivo, a una convocazione o a un appuntamento',
  rifiuto_offerta: 'rifiuto di un\'offerta di lavoro congrua',
  mancata_formazione: 'mancata partecipazione, senza giustificato motivo, alle attività di formazione o attivazione previste',
  perdita_requisiti: 'perdita di uno dei requisiti di accesso al beneficio',
};

function sanzione(vars: Vars, common: { importoMensile: number | null }) {
  const s = obj(vars.ultimaSanzione);
  const tipo = str(s.tipo);
  const def = SANZIONI[tipo];
  if (!def) throw new DocumentDataError('Tipo di sanzione mancante o sconosciuto (ultimaSanzione.tipo: riduzione_quarto, riduzione_mensilita, decadenza)', { fields: [{ field: 'ultimaSanzione.tipo', message: 'valore non ammesso' }] });
  const evento = str(s.evento);
  const importo = def.frazione !== null && common.importoMensile !== null ? Math.round(common.importoMensile * def.frazione * 100) / 100 : null;
  return {
    sanzione: {
      tipo,
      etichetta: def.etichetta,
      decadenza: tipo === 'decadenza',
      evento: EVENTI[evento] ?? evento,
      data: str(s.data),
      motivo: str(s.motivo),
      importo,
    },
  };
}

/** The data a template of the given type receives. */
export function buildView(type: DocumentType, vars: Vars, ctx: DocumentContext): Record<string, unknown> {
  const view = caseView(type, vars, ctx);
  // Checked after the case's own data, whose problems the officer fixes first.
  if (ctx.sending && ctx.kind.letter && !ctx.office.configurato) {
    throw new DocumentDataError(
      `Lettera non inviabile: il profilo dell'ufficio del ${ctx.comune.nome} non è configurato (firmatario, responsabile del procedimento, indirizzo e recapiti). Lo imposta l'amministratore o il responsabile del comune con PUT /api/v1/tenants/${ctx.comune.codice}/office`,
      { fields: [{ field: 'ufficio', message: 'profilo dell\'ufficio non configurato' }] },
    );
  }
  return view;
}

function caseView(type: DocumentType, vars: Vars, ctx: DocumentContext): Record<string, unknown> {
  const base = common(vars, ctx);
  switch (type) {
    case 'progetto':
      return { ...base, ...progetto(vars) };
    case 'rigetto':
      return { ...base, ...rigetto(vars) };
    case 'convocazione':
      return { ...base, ...convocazione(vars, ctx) };
    case 'sanzione':
      return { ...base, ...sanzione(vars, base) };
    default: {
      const never: never = type;
      throw new Error(`Tipo di documento sconosciuto: ${String(never)}`);
    }
  }
}
