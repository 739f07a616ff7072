/**
 * SIUSS records: a flat map of fields named exactly as the XSD attributes
 * (CodiceFiscale, Cognome, CodicePrestazione, ImportoMensile, …), values as
 * strings once normalised, lists (NecessitaInterventiSociali, InvaliditaCivile,
 * Prestazioni, ComposizioneFamiglia) as string arrays. Where each field goes
 * in the XML is given by LAYOUT (field group → XSD complex type).
 */

export const SIUSS_TIPI = ['PS_PSA_SINA', 'SINBA'] as const;
export type SiussTipo = (typeof SIUSS_TIPI)[number];

export const RECORD_STATUSES = ['da_completare', 'pronto', 'inviato', 'accettato', 'scartato'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const ORIGINS = ['native', 'import', 'manual'] as const;
export type OriginKind = (typeof ORIGINS)[number];

/** Where a record (or a change of it) came from: the engine's cases, an import batch, or a person. */
export interface SiussOrigin {
  kind: OriginKind;
  /** Import batch id, case (process instance) id, … */
  ref?: string | null;
  /** Username of who caused the change (null for system work). */
  actor?: string | null;
}

/** TipoOperazione: I insert, C cancel; U (update) is sent as C of the acquired version then I of the new one. */
export type Operation = 'I' | 'U' | 'C';

export type FieldValue = string | string[];
export type RecordData = Record<string, FieldValue>;

/** Raw input (before normalisation): any scalar or list per field. */
export interface SiussInput {
  tipo: SiussTipo;
  fields: Record<string, unknown>;
}

export interface FieldProblem {
  field: string;
  message: string;
  /** mancante: required (by the XSD or a conditional rule) and empty; non_valido: present but wrong; duplicato: likely duplicate (warning). */
  kind: 'mancante' | 'non_valido' | 'regola' | 'duplicato' | 'avviso';
}

export interface NormalisationNote {
  field: string;
  from: string;
  to: string;
  message: string;
}

/** Field groups of each tipo, in XML order, with the XSD complex type of their attributes. */
export const LAYOUT = {
  PS_PSA_SINA: [
    { group: 'Beneficiario', type: 'BeneficiarioType' },
    { group: 'Anagrafica', type: 'AnagraficaType' },
    { group: 'Indirizzo', type: 'IndirizzoType' },
    { group: 'PrestazioniSociali', type: 'PrestazioniSocialiType' },
    { group: 'SINA', type: 'SINAType' },
  ],
  SINBA: [{ group: 'SINBA', type: 'SinbaType' }],
} as const;

/** List fields (child elements with repeated codes) per tipo: field → element facets name in the XSD. */
export const LIST_FIELDS: Record<SiussTipo, Record<string, string>> = {
  PS_PSA_SINA: { NecessitaInterventiSociali: 'CodicePrestazione', InvaliditaCivile: 'InvCiv' },
  SINBA: { Prestazioni: 'CodicePrestazione', ComposizioneFamiglia: 'ComposizioneFamiglia' },
};

/** Attributes the generator writes itself (never taken from the record). */
export const GENERATED_FIELDS = new Set(['TipoOperazione']);

/** Fields that identify a record: a second record with the same values merges into the first. */
export const KEY_FIELDS: Record<SiussTipo, string[]> = {
  PS_PSA_SINA: ['CodiceFiscale', 'CodicePrestazione', 'ProtocolloDomanda'],
  SINBA: ['IDBeneficiario'],
};

/** Extra fields kept on a record but not written to the XML (SINBA is anonymous: the CF only helps the comune find it). */
export const EXTRA_FIELDS: Record<SiussTipo, string[]> = {
  PS_PSA_SINA: [],
  SINBA: ['CodiceFiscale'],
};

export interface SiussRecord {
  id: string;
  tenant: string;
  tipo: SiussTipo;
  naturalKey: string;
  codiceFiscale: string | null;
  codicePrestazione: string | null;
  data: RecordData;
  origin: OriginKind;
  originRef: string | null;
  status: RecordStatus;
  errors: FieldProblem[];
  warnings: FieldProblem[];
  /** The version INPS holds (after an OK outcome); null: never acquired. */
  acquired: RecordData | null;
  /** Deleted by the comune: sent as a cancellation (C) if INPS holds it. */
  deleted: boolean;
  /** The cancellation was accepted by INPS. */
  cancelled: boolean;
  /** The operation the next flow will carry (null: nothing to send). */
  operation: Operation | null;
  esitoCodice: string | null;
  esitoDescrizione: string | null;
  idAcquisizione: string | null;
  lastFlowId: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const FLOW_STATUSES = ['generato', 'prelevato', 'accettato', 'scartato'] as const;
export type FlowStatus = (typeof FLOW_STATUSES)[number];
export type Modalita = 'waas' | 'file';

export interface SiussFlow {
  id: string;
  tenant: string;
  /** EEEE.TIPO.AAAAMMGG.NNNNNNN, e.g. F205.PS.20260302.0000001 (TIPO: PS or SINBA). */
  idFlusso: string;
  tipo: SiussTipo;
  modalita: Modalita;
  /** generato → prelevato (INPS pulled it, WaaS) → accettato | scartato (outcome). */
  status: FlowStatus;
  sizeBytes: number;
  records: number;
  esitoCodice: string | null;
  esitoDescrizione: string | null;
  idAcquisizione: string | null;
  createdAt: Date;
  /** Epoch milliseconds, strictly increasing per comune (WaaS `since` paging). */
  createdMs: number;
  pulledAt: Date | null;
  esitoAt: Date | null;
  version: number;
}
