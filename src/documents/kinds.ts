/**
 * The documents the REI process produces: for each kind its template, title,
 * the connector topic that generates it and the process variable that
 * receives the new document's id. One table, used by the service, the API and
 * the connectors.
 */
export const DOCUMENT_TYPES = ['progetto', 'rigetto', 'convocazione', 'sanzione'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export interface DocumentKind {
  type: DocumentType;
  /** Template name: templates/<name>.hbs, overridable by templates/<BELFIORE>/<name>.hbs. */
  template: string;
  title: string;
  /** Start of the downloaded file name. */
  fileStem: string;
  topic: string;
  output: string;
  /** A letter the comune sends (signed by the office under the D.Lgs. 39/1993 formula): the process sends it only with a configured office profile. */
  letter: boolean;
}

export const DOCUMENT_KINDS: Readonly<Record<DocumentType, DocumentKind>> = {
  progetto: { type: 'progetto', template: 'progetto-personalizzato', title: 'Progetto personalizzato', fileStem: 'progetto-personalizzato', topic: 'documento-progetto', output: 'documentoProgettoId', letter: false },
  rigetto: { type: 'rigetto', template: 'lettera-rigetto', title: 'Comunicazione di rigetto della domanda', fileStem: 'lettera-rigetto', topic: 'documento-rigetto', output: 'documentoRigettoId', letter: true },
  convocazione: { type: 'convocazione', template: 'lettera-convocazione', title: 'Lettera di convocazione', fileStem: 'lettera-convocazione', topic: 'documento-convocazione', output: 'documentoConvocazioneId', letter: true },
  sanzione: { type: 'sanzione', template: 'notifica-sanzione', title: 'Notifica di sanzione', fileStem: 'notifica-sanzione', topic: 'documento-sanzione', output: 'documentoSanzioneId', letter: true },
};

export function isDocumentType(value: unknown): value is DocumentType {
  return typeof value === 'string' && (DOCUMENT_TYPES as readonly string[]).includes(value);
}
