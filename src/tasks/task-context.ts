/**
 * What an officer needs beside a task to pick work: the case's protocollo,
 * the applicant's name, the process name and the step name. Looked up for a
 * whole page of tasks in one statement (no query per task).
 */
import type { EntityManager } from '@mikro-orm/core';

export interface Richiedente {
  nome: string;
  cognome: string;
  codiceFiscale: string;
}

export interface TaskCaseContext {
  protocollo: string | null;
  richiedente: Richiedente | null;
  processName: string | null;
}

/** The context of a task whose case is gone (never expected: a task's case is not deleted). */
export const NO_CONTEXT: TaskCaseContext = { protocollo: null, richiedente: null, processName: null };

/**
 * The context columns (ctx_process_name, ctx_protocollo, ctx_nome, ctx_cognome, ctx_codice_fiscale) of the
 * instance whose id is `instanceId` (an SQL expression), as a lateral join: the same for a list of instances and
 * for a page of tasks read with it in one statement.
 */
export function caseContextJoin(instanceId: string): string {
  return `left join lateral (
      select pd.name as ctx_process_name, sc.protocollo as ctx_protocollo, s.nome as ctx_nome, s.cognome as ctx_cognome, s.codice_fiscale as ctx_codice_fiscale
        from process_instance pi
        join process_definition pd on pd.id = pi.definition_id
        left join subject_case sc on sc.instance_id = pi.id and sc.role = 'richiedente'
        left join subject s on s.id = sc.subject_id
       where pi.id = ${instanceId}
       limit 1) ctx on true`;
}

/** The context read by caseContextJoin's columns of a row. */
export function caseContextOf(r: Record<string, unknown>): TaskCaseContext {
  const cf = r.ctx_codice_fiscale as string | null;
  return {
    protocollo: (r.ctx_protocollo as string | null) ?? null,
    richiedente: cf ? { nome: (r.ctx_nome as string | null) ?? '', cognome: (r.ctx_cognome as string | null) ?? '', codiceFiscale: cf } : null,
    processName: (r.ctx_process_name as string | null) ?? null,
  };
}

/** Case context per instance id, for the given instances (one query). */
export async function caseContexts(em: EntityManager, instanceIds: readonly string[]): Promise<Map<string, TaskCaseContext>> {
  const ids = [...new Set(instanceIds)];
  const out = new Map<string, TaskCaseContext>();
  if (!ids.length) return out;
  const rows = (await em.getConnection().execute(
    `select i.id as instance_id, ctx.* from (select unnest(?::uuid[]) as id) i ${caseContextJoin('i.id')} where ctx.ctx_process_name is not null`,
    [`{${ids.join(',')}}`],
  )) as Array<Record<string, unknown> & { instance_id: string }>;
  for (const r of rows) out.set(r.instance_id, caseContextOf(r));
  return out;
}
