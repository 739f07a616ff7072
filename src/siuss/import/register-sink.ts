/**
 * Imported rows into the SIUSS register: each row goes through the
 * register's own upsert (normalisation, check, merge by beneficiary and
 * benefit, one transaction per row). Rows with an invalid value are refused
 * (`refuseInvalid`); rows that only miss fields are stored `da_completare`
 * and listed with what is missing. Rows of a batch run in a few lanes at
 * once; rows of the same beneficiary always share a lane, so a later row of
 * the file is applied after an earlier one.
 */
import { DomainError } from '../../shared/errors.js';
import type { SiussRegister } from '../register.service.js';
import type { RecordSink, SinkResult } from './import.service.js';

export function registerSink(register: SiussRegister, lanes = 1): RecordSink {
  return {
    async saveBatch(tenant, tipo, rows, origin) {
      const results: SinkResult[] = new Array<SinkResult>(rows.length);
      const byLane: number[][] = Array.from({ length: Math.max(1, lanes) }, () => []);
      rows.forEach((row, i) => byLane[laneOf(row.input, byLane.length)]!.push(i));
      await Promise.all(
        byLane.map(async (indexes) => {
          for (const i of indexes) {
            try {
              const r = await register.upsert(tenant, { tipo, fields: rows[i]!.input }, { kind: 'import', ref: origin.importId, actor: origin.user }, { refuseInvalid: true });
              const notes = r.notes.map((n) => ({ field: n.field, message: n.message }));
              const errors = r.errors.map((e) => ({ field: e.field, message: e.message }));
              results[i] =
                r.outcome === 'refused' || !r.record
                  ? { outcome: 'refused', errors: errors.length ? errors : [{ message: 'Riga rifiutata dal registro' }] }
                  : { outcome: r.outcome === 'created' ? 'imported' : 'merged', recordId: r.record.id, status: r.record.status, errors, notes };
            } catch (err) {
              if (!(err instanceof DomainError)) throw err;
              results[i] = { outcome: 'refused', errors: [{ message: err.message }] };
            }
          }
        }),
      );
      return results;
    },
  };
}

/** The lane of a row: by its beneficiary (codice fiscale, or SINBA's IDBeneficiario) as written, upper-cased. */
function laneOf(input: Record<string, string>, lanes: number): number {
  if (lanes === 1) return 0;
  const key = (input.CodiceFiscale ?? input.IDBeneficiario ?? '').replace(/\s+/g, '').toUpperCase();
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}
