/**
 * Imported rows into the SIUSS register, a chunk at a time: the rows are
 * normalised and checked in memory, then written set-based in one
 * transaction per chunk (upsertBatch: merge by beneficiary and benefit,
 * history, duplicate warnings), the import's report and progress in the same
 * transaction. Rows with an invalid value are refused (`refuseInvalid`);
 * rows that only miss fields are stored `da_completare` and listed with what
 * is missing. A chunk the database fails as a whole is applied again row by
 * row, so only the bad row is refused.
 */
import type { Clock } from '../../shared/clock.js';
import type { SiussRegister } from '../register.service.js';
import { prepareBatch, upsertBatch, type BatchRowResult } from '../register-batch.js';
import type { PreparedInput } from '../register.service.js';
import type { RecordSink, RowProblem, SinkResult } from './import.service.js';

const problems = (xs: Array<{ field: string; message: string }>): RowProblem[] => xs.map((x) => (x.field ? { field: x.field, message: x.message } : { message: x.message }));

function toSinkResult(r: BatchRowResult): SinkResult {
  if (r.outcome === 'refused') return { outcome: 'refused', errors: r.errors.length ? problems(r.errors) : [{ message: 'Riga rifiutata dal registro' }] };
  return { outcome: r.outcome === 'created' ? 'imported' : 'merged', recordId: r.recordId, status: r.status, errors: problems(r.errors), notes: problems(r.notes) };
}

/** `rowByRow`: each row in its own transaction (the reference path; slower by an order of magnitude). */
export function registerSink(register: SiussRegister, clock: Clock, opts: { rowByRow?: boolean } = {}): RecordSink<PreparedInput[]> {
  return {
    prepare: (tipo, rows) => prepareBatch(tipo, rows.map((r) => r.input), true),
    async saveBatch(tenant, tipo, rows, origin, report, prepared) {
      const results = await upsertBatch(
        register,
        tenant,
        tipo,
        rows.map((r) => r.input),
        { kind: 'import', ref: origin.importId, actor: origin.user },
        () => clock.now(),
        { refuseInvalid: true, rowByRow: opts.rowByRow, prepared, within: report ? (sql, batch) => report(sql, batch.map(toSinkResult)) : undefined },
      );
      return results.map(toSinkResult);
    },
  };
}
