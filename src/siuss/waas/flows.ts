/**
 * What the WaaS pull API serves and receives: the comune's flows generated
 * for the WaaS channel (one beneficiary and one benefit each), in order of
 * their last change, and INPS's outcomes applied to them. The SIUSS register
 * provides the source (see buildServices).
 */
export type TipoFlusso = 'PS_PSA_SINA' | 'SINBA';

export interface WaasFlow {
  /** The source's own id of the flow (to mark it served). */
  ref?: string;
  idFlusso: string;
  tipo: TipoFlusso;
  /** Last change of the flow: `ts_flusso`, compared with `since`. */
  updatedAt: Date;
  /** The flow's XML document. */
  xml: string;
}

/** One outcome as INPS posts it to /esiti (api-comuni.yaml, EsitoFlusso). */
export interface Esito {
  id_flusso: string;
  tipo: string;
  ts_flusso: string;
  ts_acquisizione: string;
  codice_esito: 'OK' | 'DATI_NON_TROVATI' | 'RICHIESTA_INVALIDA' | 'ERRORE_GENERICO';
  descrizione_esito?: string;
  id_acquisizione_siuss?: string;
}

export interface WaasFlowSource {
  /** Up to `limit` WaaS flows of the comune changed after `sinceMs`, oldest change first (ties by flow id). */
  changedSince(tenant: string, sinceMs: number, limit: number): Promise<WaasFlow[]>;
  /** Told which flows a page served (the register marks them pulled). */
  markServed?(tenant: string, flows: WaasFlow[]): Promise<void>;
  /** Applies an outcome to the comune's flow and its records; 'unknown' when the comune has no such flow, 'conflict' when it already has another outcome. */
  applyOutcome(tenant: string, esito: Esito): Promise<'applied' | 'unknown' | 'conflict'>;
}

/** No register yet: nothing to serve, every outcome unknown. */
export const emptyFlowSource: WaasFlowSource = {
  changedSince: () => Promise.resolve([]),
  applyOutcome: () => Promise.resolve('unknown'),
};

/**
 * A page of flows after `since`. INPS resumes from the `ts_flusso` of the
 * last entry it took, so a page must not end inside a millisecond that holds
 * more flows than fit: those flows would never be served. Such a tail is
 * left for the next call (unless it is the whole page).
 */
export async function flowsPage(source: WaasFlowSource, tenant: string, sinceMs: number, limit: number): Promise<WaasFlow[]> {
  if (limit <= 0) return [];
  const got = await source.changedSince(tenant, sinceMs, limit + 1);
  if (got.length <= limit) return got;
  const page = got.slice(0, limit);
  const last = page[limit - 1]!.updatedAt.getTime();
  if (got[limit]!.updatedAt.getTime() !== last) return page;
  const trimmed = page.filter((f) => f.updatedAt.getTime() !== last);
  return trimmed.length ? trimmed : page;
}
