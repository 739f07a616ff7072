/**
 * SIUSS "debito informativo" (issue 13): the register of records each comune
 * owes INPS, normalisation, completeness check, native extraction and flow
 * generation (PS_PSA_SINA and SINBA).
 *
 * PUBLIC SURFACE (for imports and the WaaS pull API, built on top of this):
 *
 *   services.siuss.register.upsert(tenant, { tipo, fields }, { kind: 'import', ref: batchId, actor }, opts?)
 *     → { record, outcome: 'created' | 'merged' | 'unchanged' | 'refused', errors, warnings, notes }
 *     One transaction per call (a row is never half-written). `fields` are raw
 *     values keyed by XSD attribute name (CodiceFiscale, Cognome, CodicePrestazione,
 *     DataInizioPrestazione, ImportoMensile …; lists NecessitaInterventiSociali,
 *     InvaliditaCivile, Prestazioni, ComposizioneFamiglia as arrays or "a;b"):
 *     normalisation runs inside (Italian dates, decimal comma, Belfiore⇄ISTAT …)
 *     and `notes` reports what it changed. Key fields missing → 'refused'.
 *     `opts.refuseInvalid` refuses rows with invalid (not just missing) values.
 *     `fieldSpecs(tipo)` lists the accepted field names (for mapping pages).
 *   normalise(tipo, fields) / checkRecord(tipo, data): the same steps, pure.
 *
 *   services.siuss.flows.since(tenant, sinceMs, limit) → flows (modalita 'waas')
 *     created after sinceMs, oldest first, each with `xml`, `idFlusso`, `tipo`,
 *     `createdMs` (epoch ms, strictly increasing per comune), `createdAt`.
 *   services.siuss.flows.markPulled(tenant, flowIds): generato → prelevato.
 *   services.siuss.flows.applyOutcome(tenant, idFlusso, { codice, descrizione, idAcquisizione, at })
 *     → the flow, or null when the comune has no such flow. 'OK' → flow and its
 *     records `accettato` with the acquisition id; other codes → `scartato` with
 *     INPS's description (records back in the work list). Idempotent for the
 *     same outcome; a different outcome for an answered flow → ConflictError (409).
 *   services.siuss.flows.byIdFlusso(tenant, idFlusso), .records(scope, flowId).
 *   Tenant name (denominazione_ente): the `tenant` table (code, name).
 *
 * Records and flows are plain SQL tables (migration 20261203051000_siuss_core):
 * siuss_record, siuss_record_history, siuss_flow, siuss_flow_record,
 * siuss_flow_counter. Types in ./types.ts.
 */
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import { SiussRegister } from './register.service.js';
import { SiussFlowService } from './flow.service.js';
import { SiussExtraction } from './extraction.js';

export * from './types.js';
export { SiussRegister, pendingOperation, type UpsertResult, type UpsertOutcome, type UpsertOptions, type RecordFilter, type RecordCheck, type HistoryEntry } from './register.service.js';
export { SiussFlowService, type FlowOutcome, type GenerateRequest, type FlowFilter } from './flow.service.js';
export { SiussExtraction, type ExtractionResult, REI_CODICE_PRESTAZIONE } from './extraction.js';
export { normalise, fieldSpecs, parseItalianDate, parseAmount, type FieldSpec } from './normalize.js';
export { checkRecord, label } from './check.js';
export { writeFlows, flowId, type Ente, type FlowEntry, type FlowDocument, DEFAULT_MAX_BYTES } from './xml-writer.js';
export { SCHEMA_FILES, CASELLARIO_NS } from './schema.js';
export { belfioreToIstat, istatToBelfiore, comuneByBelfiore, comuneByIstat } from './comuni.js';

export interface SiussService {
  register: SiussRegister;
  flows: SiussFlowService;
  extraction: SiussExtraction;
}

export function createSiussService(orm: Orm, clock: Clock): SiussService {
  const register = new SiussRegister(orm, clock);
  return { register, flows: new SiussFlowService(orm, clock, register), extraction: new SiussExtraction(orm, register) };
}
