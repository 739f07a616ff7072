/**
 * Application intake (domanda REI): checks the application, then in ONE
 * transaction records the persons and the household in the comune's subject
 * registry, applies the duration/renewal rule against their earlier cases,
 * starts the `rei` process (business key = protocollo) and links every member
 * to the new case. Any refusal rolls everything back.
 */
import type { Clock } from '../shared/clock.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import { romeDay } from '../engine/calendar/index.js';
import type { Actor, ProcessService } from '../engine/process-service.js';
import type { EngineStore, EngineTx, InstanceRecord } from '../engine/store.js';
import { entityManagerOf } from '../db/engine-store.js';
import type { ParameterService } from '../tailoring/parameters/parameter.service.js';
import { SubjectRepository } from '../subjects/subject.repository.js';
import type { Subject } from '../db/entities/subjects.entities.js';
import { DEFAULT_RENEWAL_PARAMS, decideRenewal, type EarlierCase, type RenewalParams } from '../subjects/renewal.js';
import { applicationSchema, type ApplicationInput, type FieldError } from './application.schema.js';
import { checkApplication, itDate, type CheckedApplication, type Member } from './application.checks.js';
import { deriveInputs } from './derived.js';
import { safeParseIt, zodProblems } from '../shared/schema-messages.js';

export const REI_PROCESS_KEY = 'rei';

export interface ApplicationResult {
  instance: InstanceRecord;
  soggettoId: string;
  rinnovo: boolean;
  durataMesi: number;
}

export class ApplicationService {
  constructor(
    private readonly deps: { store: EngineStore; processes: ProcessService; parameters: ParameterService; clock: Clock },
  ) {}

  /** Shape check of a raw body (zod): 422 with `details.errors` (and `details.fields`) per field. */
  parse(raw: unknown): ApplicationInput {
    const result = safeParseIt(applicationSchema, raw);
    if (result.success) return result.data;
    const errors = zodProblems(result.error).map(({ field, message }) => ({ field, message }));
    throw invalid('Dati della domanda non validi', errors);
  }

  /**
   * The generic start of `rei` (POST /process-definitions/rei/start) with a
   * `richiedente` among its variables: the variables are the application, so the
   * same checks and registry apply; a business key, if given, must be the protocollo.
   */
  async submitStartVariables(variables: Record<string, unknown>, businessKey: string | null | undefined, tenant: string, actor: Actor): Promise<ApplicationResult> {
    const input = this.parse(variables);
    if (input.tenant && input.tenant !== tenant) throw invalid('Dati della domanda non validi', [{ field: 'variables.tenant', message: `diverso dal comune ${tenant}` }]);
    if (businessKey && businessKey !== input.protocollo) throw invalid('Dati della domanda non validi', [{ field: 'businessKey', message: `deve coincidere con il protocollo ${input.protocollo}` }]);
    return this.submit(input, tenant, actor);
  }

  /** Checks and records an application for `tenant` and starts its case. */
  async submit(input: ApplicationInput, tenant: string, actor: Actor): Promise<ApplicationResult> {
    const today = romeDay(this.deps.clock.now());
    const checked = checkApplication(input, today);
    if (checked.errors.length) throw invalid('La domanda contiene dati non validi o incoerenti', checked.errors);
    return this.deps.store.transaction((tx) => this.record(tx, input, checked, tenant, actor));
  }

  private async record(tx: EngineTx, input: ApplicationInput, { nucleo, paths }: CheckedApplication, tenant: string, actor: Actor): Promise<ApplicationResult> {
    const now = this.deps.clock.now();
    const repo = new SubjectRepository(entityManagerOf(tx));
    if (await repo.protocolloTaken(tenant, REI_PROCESS_KEY, input.protocollo)) {
      throw new ConflictError(`Esiste già una domanda REI con protocollo ${input.protocollo} in questo comune`, 'PROTOCOLLO_DUPLICATO', {
        errors: [{ field: 'protocollo', message: 'Protocollo già usato per un\'altra domanda' }],
      });
    }

    const known = await repo.lockByCodiceFiscale(tenant, nucleo.map((m) => m.codiceFiscale));
    const earlier = await repo.earlierCases(tenant, REI_PROCESS_KEY, [...known.values()].map((s) => s.id));
    const decision = decideRenewal(earlier, input.dataDomanda, await this.renewalParams(tx, tenant));
    if (!decision.ok) throw refusal(decision, nucleo, paths, known);

    const r = input.richiedente;
    const subjects = nucleo.map((m, i) =>
      this.subjectFor(repo, tenant, known, m, i === 0 ? { sesso: r.sesso, cittadinanza: r.cittadinanza, permessoLungoPeriodo: r.permessoLungoPeriodo ?? null, residenteInItaliaDal: r.residenteInItaliaDal } : {}, now),
    );
    const household = repo.createHousehold(tenant, nucleo.map((m, i) => ({ subjectId: subjects[i]!.id, relazione: m.relazione })), now);
    const soggettoId = subjects[0]!.id;

    const richiedente = { ...r, codiceFiscale: nucleo[0]!.codiceFiscale, permessoLungoPeriodo: r.permessoLungoPeriodo ?? null };
    const variables = {
      protocollo: input.protocollo,
      dataDomanda: input.dataDomanda,
      soggettoId,
      richiedente,
      nucleo: nucleo.map(({ sesso: _sesso, ...m }) => m),
      isee: input.isee ?? null,
      isre: input.isre ?? null,
      dsuProtocollo: input.dsuProtocollo ?? null,
      patrimonioImmobiliare: input.patrimonioImmobiliare ?? null,
      patrimonioMobiliare: input.patrimonioMobiliare ?? null,
      veicoliUltimi24Mesi: input.veicoliUltimi24Mesi ?? null,
      naspi: input.naspi ?? null,
      ...deriveInputs(r, nucleo, input.dataDomanda),
      rinnovo: decision.rinnovo,
      durataMesi: decision.durataMesi,
    };
    const instance = await this.deps.processes.start(tx, { key: REI_PROCESS_KEY, tenant, businessKey: input.protocollo, variables }, actor);
    subjects.forEach((s, i) =>
      repo.addCase({
        tenant,
        subjectId: s.id,
        instanceId: instance.id,
        householdId: household.id,
        processKey: REI_PROCESS_KEY,
        protocollo: input.protocollo,
        dataDomanda: input.dataDomanda,
        role: i === 0 ? 'richiedente' : 'componente',
        durataMesi: decision.durataMesi,
        rinnovo: decision.rinnovo,
        createdAt: now,
      }),
    );
    return { instance, soggettoId, rinnovo: decision.rinnovo, durataMesi: decision.durataMesi };
  }

  private subjectFor(repo: SubjectRepository, tenant: string, known: Map<string, Subject>, m: Member, extra: object, now: Date) {
    return repo.upsert(tenant, known.get(m.codiceFiscale), { codiceFiscale: m.codiceFiscale, nome: m.nome, cognome: m.cognome, dataNascita: m.dataNascita, ...(m.sesso ? { sesso: m.sesso } : {}), ...extra }, now);
  }

  /** Durations and gap from the comune's `rei` parameters (durataMesi, durataRinnovoMesi, mesiIntervalloRinnovo), defaults 18/12/6. */
  private async renewalParams(tx: EngineTx, tenant: string): Promise<RenewalParams> {
    const resolved = this.deps.parameters.resolveWith(REI_PROCESS_KEY, tenant, (await tx.parameterOverride(REI_PROCESS_KEY, tenant)) as Parameters<ParameterService['resolveWith']>[2]);
    const values = (resolved?.values ?? {}) as Record<string, unknown>;
    const pick = (name: keyof RenewalParams) => (typeof values[name] === 'number' && (values[name] as number) >= 0 ? (values[name] as number) : DEFAULT_RENEWAL_PARAMS[name]);
    return { durataMesi: pick('durataMesi'), durataRinnovoMesi: pick('durataRinnovoMesi'), mesiIntervalloRinnovo: pick('mesiIntervalloRinnovo') };
  }
}

function invalid(message: string, errors: FieldError[]): ValidationError {
  return new ValidationError(`${message}: ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`, { errors, fields: errors });
}

/** ACTIVE_CASE or RENEWAL_TOO_EARLY as a 422 naming the household members concerned. */
function refusal(decision: Exclude<ReturnType<typeof decideRenewal>, { ok: true }>, nucleo: Member[], paths: string[], known: Map<string, { id: string }>): ValidationError {
  const fieldOf = (c: EarlierCase) => {
    const i = nucleo.findIndex((m) => known.get(m.codiceFiscale)?.id === c.subjectId);
    return `${paths[Math.max(i, 0)]}.codiceFiscale`;
  };
  const cases = decision.cases.map((c) => ({ protocollo: c.protocollo, instanceId: c.instanceId, codiceFiscale: nucleo.find((m) => known.get(m.codiceFiscale)?.id === c.subjectId)?.codiceFiscale ?? null }));
  if (decision.code === 'ACTIVE_CASE') {
    const errors = decision.cases.map((c) => ({ field: fieldOf(c), message: `Ha già un caso REI in corso (protocollo ${c.protocollo}): una nuova domanda è possibile solo alla sua conclusione` }));
    return new ValidationError(`Domanda non ricevibile: ${errors[0]!.message}`, { errors, fields: errors, cases }, 'ACTIVE_CASE');
  }
  const message = `Il beneficio REI è terminato il ${itDate(decision.fineBeneficio)}: il rinnovo è possibile solo dopo almeno ${decision.mesiIntervallo} mesi di interruzione, cioè dal ${itDate(decision.dataPrimaDomanda)}`;
  const errors = decision.cases.map((c) => ({ field: fieldOf(c), message: `${message} (protocollo ${c.protocollo})` }));
  return new ValidationError(`Domanda non ricevibile: ${message}`, { errors, fields: errors, cases, fineBeneficio: decision.fineBeneficio, dataPrimaDomanda: decision.dataPrimaDomanda }, 'RENEWAL_TOO_EARLY');
}
