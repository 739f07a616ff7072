/**
 * Native extraction: the benefits recorded in the engine's own cases become
 * SIUSS records, for a chosen period, idempotently (the record key is
 * codice fiscale + codice prestazione + protocollo: running again creates
 * nothing twice, updates what changed, leaves the rest alone).
 *
 * Which cases: the applicant's cases of the comune (subject registry) whose
 * benefit was granted (`beneficioErogato`, or `esitoInps = 'positivo'`) and
 * whose benefit period (dataInizioBeneficio … dataFineBeneficio; else the
 * application date) overlaps [from, to].
 *
 * What each case gives:
 * - a case with `importoMensile > 0` (the REI cases of processes/rei.bpmn)
 *   gives one periodic record with code REI_CODICE_PRESTAZIONE (A1.04), from
 *   the benefit dates, monthly amount, DSU protocol, area utenza 3 (poverty);
 * - any process may list its benefits in the documented output variable
 *   `siussPrestazioni`: an array of objects whose keys are SIUSS field names
 *   (CodicePrestazione, CaratterePrestazione, DataErogazionePrestazione,
 *   ImportoPrestazione, PresaCarico, SINA fields …); each becomes a record with
 *   the beneficiary's data filled from the case's applicant. When present it
 *   replaces the default REI record.
 * Missing data (e.g. citizenship of a non-Italian, the SINA assessment) leaves
 * the record `da_completare` for the operator to finish.
 */
import type { Orm } from '../db/orm.js';
import { benefitGranted } from '../subjects/renewal.js';
import { validateCodiceFiscale } from '../subjects/codice-fiscale.js';
import { sqlOf, type SiussRegister } from './register.service.js';
import { comuneByBelfiore } from './comuni.js';

export const REI_CODICE_PRESTAZIONE = 'A1.04';

export interface ExtractionResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Records that could not be identified (no codice fiscale / protocollo). */
  refused: number;
}

interface CaseRow {
  instance_id: string;
  protocollo: string;
  data_domanda: string | Date;
  variables: Record<string, unknown>;
  codice_fiscale: string;
  nome: string;
  cognome: string;
  data_nascita: string | Date;
  sesso: string | null;
  cittadinanza: string | null;
}

function day(v: unknown): string | null {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null;
}

/** The SIUSS fields of a case's applicant (beneficiary). */
export function beneficiaryFields(tenant: string, c: Pick<CaseRow, 'codice_fiscale' | 'nome' | 'cognome' | 'data_nascita' | 'sesso' | 'cittadinanza'>): Record<string, unknown> {
  const cf = validateCodiceFiscale(c.codice_fiscale);
  const info = cf.valid && cf.info.kind === 'persona' ? cf.info : null;
  const comune = comuneByBelfiore(tenant);
  return {
    CodiceFiscale: c.codice_fiscale,
    Cognome: c.cognome,
    Nome: c.nome,
    AnnoNascita: day(c.data_nascita)?.slice(0, 4),
    LuogoNascita: info?.luogoNascita,
    Genere: c.sesso ?? info?.sesso,
    CodiceCittadinanza: c.cittadinanza === 'IT' ? '380' : undefined,
    CodiceComune: comune?.istat,
    CodiceRegione: comune?.regione,
    CodiceNazione: '380',
  };
}

export class SiussExtraction {
  constructor(
    private readonly orm: Orm,
    private readonly register: SiussRegister,
  ) {}

  async run(tenant: string, from: string, to: string, actor: string | null): Promise<ExtractionResult> {
    const sql = sqlOf(this.orm.em.fork());
    const rows = (await sql(
      `select sc.instance_id, sc.protocollo, sc.data_domanda, pi.variables, s.codice_fiscale, s.nome, s.cognome, s.data_nascita, s.sesso, s.cittadinanza
         from subject_case sc join process_instance pi on pi.id = sc.instance_id join subject s on s.id = sc.subject_id
        where sc.tenant = ? and sc.role = 'richiedente' and sc.data_domanda <= ?
        order by sc.data_domanda, sc.instance_id`,
      [tenant, to],
    )) as unknown as CaseRow[];
    const result: ExtractionResult = { created: 0, updated: 0, unchanged: 0, refused: 0 };
    for (const c of rows) {
      const v = c.variables ?? {};
      const custom = Array.isArray(v.siussPrestazioni) ? (v.siussPrestazioni as unknown[]).filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : null;
      if (!custom && !benefitGranted(v)) continue;
      const start = day(v.dataInizioBeneficio) ?? day(c.data_domanda);
      const end = day(v.dataFineBeneficio) ?? start;
      if (!custom && (!start || !end || end < from || start > to)) continue;
      const base = beneficiaryFields(tenant, c);
      const benefits: Array<Record<string, unknown>> = custom ?? [];
      if (!custom && typeof v.importoMensile === 'number' && v.importoMensile > 0) {
        benefits.push({
          CodicePrestazione: REI_CODICE_PRESTAZIONE,
          PresenzaProvaMezzi: '1',
          NumeroProtocolloDSU: typeof v.dsuProtocollo === 'string' ? v.dsuProtocollo.slice(0, 30) : undefined,
          CaratterePrestazione: '1',
          DataInizioPrestazione: start,
          DataFinePrestazione: end,
          PeriodoErogazione: '1',
          ImportoMensile: v.importoMensile,
          PresaCarico: '2',
          AreaUtenza: '3',
        });
      }
      for (const b of benefits) {
        if (custom) {
          const s = day(b.DataInizioPrestazione) ?? day(b.DataErogazionePrestazione) ?? start;
          const e = day(b.DataFinePrestazione) ?? s;
          if (s && e && (e < from || s > to)) continue;
        }
        const fields = { ...base, ProtocolloDomanda: c.protocollo.slice(0, 32), ...b };
        const r = await this.register.upsert(tenant, { tipo: 'PS_PSA_SINA', fields }, { kind: 'native', ref: c.instance_id, actor });
        if (r.outcome === 'created') result.created++;
        else if (r.outcome === 'merged') result.updated++;
        else if (r.outcome === 'unchanged') result.unchanged++;
        else result.refused++;
      }
    }
    return result;
  }
}
