/**
 * Streaming writer of SIUSS flows (PS_PSA_SINA201812.xsd and SINBA.xsd,
 * namespace http://inps.it/Casellario). Entries (one record's operation with
 * the data to send) go in; complete flow documents come out, split as INPS
 * requires: `waas` one beneficiary and one benefit per flow; `file` many,
 * grouped by beneficiary, each document under `maxBytes`. Pure (no
 * database): the flow service and the benchmark drive it.
 */
import { fieldSpecs } from './normalize.js';
import { hasSina } from './check.js';
import { CASELLARIO_NS } from './schema.js';
import type { Modalita, RecordData, SiussTipo } from './types.js';

export interface Ente {
  /** Codice dell'ente (1–32 characters): the comune's code at INPS. */
  codice: string;
  denominazione?: string | null;
  /** Belfiore code of the seat (4 characters). */
  indirizzo: string;
  /** Codice fiscale of the operator sending the flow. */
  cfOperatore: string;
}

export interface FlowEntry {
  recordId: string;
  /** I insert, C cancel (PS only; SINBA has no TipoOperazione). */
  operation: 'I' | 'C';
  data: RecordData;
}

export interface FlowDocument {
  idFlusso: string;
  xml: string;
  entries: FlowEntry[];
}

/** Default size limit of one file flow (bytes of XML; WaaS allows 10 MB of base64, i.e. 7.5 MB of XML). */
export const DEFAULT_MAX_BYTES = 7_000_000;

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };
const NEEDS_ESCAPE = /[&<>"'\n\r\t]/;
export function escapeXml(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/[&<>"'\n\r\t]/g, (c) => ESC[c]!) : v;
}

function attrs(pairs: Array<[string, string | undefined | null]>): string {
  let out = '';
  for (const [k, v] of pairs) if (v !== undefined && v !== null && v !== '') out += ` ${k}="${escapeXml(v)}"`;
  return out;
}

/** Per tipo: the scalar fields written as attributes, in XML order, with their element. */
const layoutCache = new Map<SiussTipo, Array<[string, string]>>();
function layout(tipo: SiussTipo): Array<[string, string]> {
  let l = layoutCache.get(tipo);
  if (!l) {
    l = [];
    for (const spec of fieldSpecs(tipo).values()) if (!spec.list && spec.group !== 'extra') l.push([spec.field, spec.group]);
    layoutCache.set(tipo, l);
  }
  return l;
}

/** The attribute string of each element (group) of a record, e.g. {Anagrafica: ' Cognome="ROSSI" Nome="MARIO"'}. */
function groupsOf(tipo: SiussTipo, data: RecordData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, group] of layout(tipo)) {
    const v = data[field];
    if (typeof v !== 'string' || v === '') continue;
    out[group] = (out[group] ?? '') + ` ${field}="${escapeXml(v)}"`;
  }
  return out;
}

function listXml(wrapper: string, element: string, items: unknown): string {
  if (!Array.isArray(items) || !items.length) return '';
  return `<${wrapper}>${(items as string[]).map((i) => `<${element}>${escapeXml(i)}</${element}>`).join('')}</${wrapper}>`;
}

/** One PrestazioniSociali element (with its SINA block when present). */
export function prestazioneXml(entry: FlowEntry): string {
  const g = groupsOf('PS_PSA_SINA', entry.data);
  const head = `<PrestazioniSociali TipoOperazione="${entry.operation}"${g.PrestazioniSociali ?? ''}`;
  if (!hasSina(entry.data)) return `${head}/>`;
  const sina = `<SINA${g.SINA ?? ''}>${listXml('NecessitaInterventiSociali', 'CodicePrestazione', entry.data.NecessitaInterventiSociali)}${listXml('InvaliditaCivile', 'InvCiv', entry.data.InvaliditaCivile)}</SINA>`;
  return `${head}>${sina}</PrestazioniSociali>`;
}

/** A Beneficiario element: anagrafica and address from the first entry, one PrestazioniSociali per entry. */
export function beneficiarioXml(entries: FlowEntry[], prestazioni?: string[]): string {
  const g = groupsOf('PS_PSA_SINA', entries[0]!.data);
  let out = `<Beneficiario${g.Beneficiario ?? ''}><Anagrafica${g.Anagrafica ?? ''}/><Indirizzo${g.Indirizzo ?? ''}/>`;
  if (prestazioni) for (const x of prestazioni) out += x;
  else for (const e of entries) out += prestazioneXml(e);
  return `${out}</Beneficiario>`;
}

export function sinbaXml(entry: FlowEntry): string {
  const g = groupsOf('SINBA', entry.data);
  return `<SINBA${g.SINBA ?? ''}>${listXml('Prestazioni', 'CodicePrestazione', entry.data.Prestazioni)}${listXml('Famiglia', 'ComposizioneFamiglia', entry.data.ComposizioneFamiglia)}</SINBA>`;
}

export function flowHead(idFlusso: string, ente: Ente): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Flusso xmlns="${CASELLARIO_NS}"><IdentificazioneFlusso${attrs([['Nome', idFlusso]])}><Ente${attrs([
    ['Codice', ente.codice],
    ['Denominazione', ente.denominazione ? ente.denominazione.slice(0, 100) : null],
    ['Indirizzo', ente.indirizzo],
    ['CFOperatore', ente.cfOperatore],
  ])}/></IdentificazioneFlusso>`;
}

export const FLOW_TAIL = '</Flusso>\n';

/**
 * Splits entries (already ordered by beneficiary) into flow documents.
 * `nextId` gives each new flow its id; `emit` receives each finished flow
 * (the caller stores it or writes it to disk). Returns the number of flows.
 */
export async function writeFlows(
  tipo: SiussTipo,
  modalita: Modalita,
  entries: AsyncIterable<FlowEntry> | Iterable<FlowEntry>,
  opts: { ente: Ente; nextId: () => Promise<string> | string; emit: (doc: FlowDocument) => Promise<void> | void; maxBytes?: number },
): Promise<number> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let count = 0;
  let parts: string[] = [];
  let docEntries: FlowEntry[] = [];
  let size = 0;
  let idFlusso = '';
  let pending: FlowEntry[] = [];
  let pendingCf: string | null = null;
  let pendingBytes = 0;
  let pendingXml: string[] = [];

  const open = async () => {
    idFlusso = await opts.nextId();
    const head = flowHead(idFlusso, opts.ente);
    parts = [head];
    size = Buffer.byteLength(head) + FLOW_TAIL.length;
    docEntries = [];
  };
  const close = async () => {
    if (!docEntries.length) return;
    parts.push(FLOW_TAIL);
    count++;
    await opts.emit({ idFlusso, xml: parts.join(''), entries: docEntries });
    parts = [];
    docEntries = [];
  };
  const add = async (chunk: string, items: FlowEntry[]) => {
    const bytes = Buffer.byteLength(chunk);
    if (!parts.length) await open();
    else if (docEntries.length && (modalita === 'waas' || size + bytes > maxBytes)) {
      await close();
      await open();
    }
    parts.push(chunk);
    size += bytes;
    docEntries.push(...items);
  };
  const flushBeneficiary = async () => {
    if (!pending.length) return;
    await add(beneficiarioXml(pending, pendingXml), pending);
    pending = [];
    pendingXml = [];
    pendingBytes = 0;
  };

  for await (const entry of entries) {
    if (tipo === 'SINBA') {
      await add(sinbaXml(entry), [entry]);
      continue;
    }
    if (modalita === 'waas') {
      await add(beneficiarioXml([entry]), [entry]);
      continue;
    }
    const cf = typeof entry.data.CodiceFiscale === 'string' ? entry.data.CodiceFiscale : '';
    const chunk = prestazioneXml(entry);
    const bytes = Buffer.byteLength(chunk);
    // One beneficiary's benefits stay together unless they alone would pass half the size limit.
    if (pendingCf !== cf || pending.length >= 100 || pendingBytes + bytes > maxBytes / 2) {
      await flushBeneficiary();
      pendingCf = cf;
    }
    pending.push(entry);
    pendingXml.push(chunk);
    pendingBytes += bytes;
  }
  await flushBeneficiary();
  await close();
  return count;
}

/** EEEE.TIPO.AAAAMMGG.NNNNNNN (TIPO: PS or SINBA). */
export function flowId(belfiore: string, tipo: SiussTipo, day: string, progressive: number): string {
  return `${belfiore}.${tipo === 'SINBA' ? 'SINBA' : 'PS'}.${day.replace(/-/g, '')}.${String(progressive).padStart(7, '0')}`;
}
