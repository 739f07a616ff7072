/** The WaaS flow source backed by the SIUSS register's flows (modalita 'waas'). */
import { ConflictError } from '../../shared/errors.js';
import type { SiussFlowService } from '../flow.service.js';
import type { WaasFlowSource } from './flows.js';

export function registerFlowSource(flows: SiussFlowService, log: (msg: string) => void = () => undefined): WaasFlowSource {
  return {
    async changedSince(tenant, sinceMs, limit) {
      const got = await flows.since(tenant, sinceMs, limit);
      return got.map((f) => ({ ref: f.id, idFlusso: f.idFlusso, tipo: f.tipo, updatedAt: new Date(f.createdMs), xml: f.xml }));
    },
    async markServed(tenant, served) {
      await flows.markPulled(tenant, served.map((f) => f.ref).filter((r): r is string => !!r));
    },
    async applyOutcome(tenant, esito) {
      const at = new Date(esito.ts_acquisizione);
      try {
        const flow = await flows.applyOutcome(tenant, esito.id_flusso, {
          codice: esito.codice_esito,
          descrizione: esito.descrizione_esito ?? null,
          idAcquisizione: esito.id_acquisizione_siuss ?? null,
          at: Number.isNaN(at.getTime()) ? undefined : at,
        });
        return flow ? 'applied' : 'unknown';
      } catch (err) {
        // A second, different outcome for a flow already answered: acknowledged (re-sending it would not change it), not applied.
        if (err instanceof ConflictError) {
          log(`[waas] esito ${esito.codice_esito} per ${esito.id_flusso} ignorato: ${err.message}`);
          return 'conflict';
        }
        throw err;
      }
    },
  };
}
