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

interface Row {
  instance_id: string;
  process_name: string | null;
  protocollo: string | null;
  nome: string | null;
  cognome: string | null;
  codice_fiscale: string | null;
}

/** Case context per instance id, for the given instances (one query). */
export async function caseContexts(em: EntityManager, instanceIds: readonly string[]): Promise<Map<string, TaskCaseContext>> {
  const ids = [...new Set(instanceIds)];
  const out = new Map<string, TaskCaseContext>();
  if (!ids.length) return out;
  const rows = (await em.getConnection().execute(
    `select pi.id as instance_id, pd.name as process_name, sc.protocollo, s.nome, s.cognome, s.codice_fiscale
       from process_instance pi
       join process_definition pd on pd.id = pi.definition_id
       left join subject_case sc on sc.instance_id = pi.id and sc.role = 'richiedente'
       left join subject s on s.id = sc.subject_id
      where pi.id in (${ids.map(() => '?').join(', ')})`,
    ids,
  )) as Row[];
  for (const r of rows) {
    out.set(r.instance_id, {
      protocollo: r.protocollo,
      richiedente: r.codice_fiscale ? { nome: r.nome ?? '', cognome: r.cognome ?? '', codiceFiscale: r.codice_fiscale } : null,
      processName: r.process_name,
    });
  }
  return out;
}
