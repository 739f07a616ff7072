/**
 * INPS outcomes arriving at the callback endpoint: the message `esitoInps`
 * delivered to the case whose business key is the application's protocol in
 * that comune, with `esitoInps`, `motiviInps`, `protocolloInps`. Unknown comune
 * or protocol → 404; a case not (or no longer) waiting → 409, so a repeated
 * outcome never moves a case twice. `ESITO_PREMATURO` (409) tells INPS the
 * application's sending is still being recorded: try again shortly.
 */
import { requireRole, type Principal } from '../../auth/principal.js';
import type { Orm } from '../../db/orm.js';
import type { EngineStore } from '../../engine/store.js';
import type { ProcessService } from '../../engine/process-service.js';
import { EventSubscription, ExternalTask, ProcessInstance, Tenant } from '../../db/entities/index.js';
import { ConflictError, DomainError, NotFoundError } from '../../shared/errors.js';
import { INPS_TOPICS } from './connectors.js';

export const ESITO_MESSAGE = 'esitoInps';

export interface EsitoInps {
  ente: string;
  protocolloDomanda: string;
  esito: 'positivo' | 'negativo';
  motivi: string[];
  protocolloInps: string;
}

export interface EsitoRecorded {
  processInstanceId: string;
  businessKey: string | null;
  status: string;
  activeElements: string[];
}

export class EsitiInpsService {
  constructor(private readonly services: { orm: Orm; store: EngineStore; processes: ProcessService }) {}

  async receive(p: Principal, e: EsitoInps): Promise<EsitoRecorded[]> {
    requireRole(p, 'inps');
    const em = this.services.orm.em.fork();
    if (!(await em.findOne(Tenant, { code: e.ente }, { fields: ['code'] }))) throw new NotFoundError('Ente', e.ente, 'ENTE_NON_TROVATO');
    const cases = await em.find(ProcessInstance, { tenant: e.ente, businessKey: e.protocolloDomanda }, { fields: ['id', 'status', 'variables'], orderBy: { startedAt: 'desc' } });
    if (!cases.length) throw new NotFoundError('Domanda con protocollo', e.protocolloDomanda, 'DOMANDA_NON_TROVATA', 'f');
    const known = cases.map((c) => c.variables?.protocolloInps).find((v) => typeof v === 'string' && v);
    if (known && known !== e.protocolloInps) {
      throw new ConflictError(`Il protocollo INPS ${e.protocolloInps} non corrisponde a quello registrato per la domanda (${String(known)})`, 'PROTOCOLLO_INPS_DIVERSO', { protocolloInps: known });
    }
    const variables = { esitoInps: e.esito, motiviInps: e.motivi, protocolloInps: e.protocolloInps };
    for (let attempt = 1; ; attempt++) {
      try {
        const delivered = await this.services.store.transaction((tx) =>
          this.services.processes.deliverMessage(tx, { name: ESITO_MESSAGE, scope: e.ente, businessKey: e.protocolloDomanda, variables }, { username: p.username }),
        );
        return delivered.map((i) => ({ processInstanceId: i.id, businessKey: i.businessKey, status: i.status, activeElements: i.activeElements }));
      } catch (err) {
        const code = err instanceof DomainError ? err.code : null;
        if (code === 'CONCURRENT_MODIFICATION' && attempt < 3) continue;
        if (code !== 'MESSAGE_NOT_CORRELATED') throw err;
        const why = await this.notWaiting(e, cases.map((c) => c.id));
        if (why === 'now-waiting' && attempt < 3) continue;
        throw why === 'now-waiting' ? premature(e) : why;
      }
    }
  }

  /**
   * Why nobody waited for the outcome: the sending is not recorded yet, or
   * the outcome was already received (or the case ended) — or the sending was
   * recorded just after the attempt, and the case waits now. The send task is
   * looked at before the subscription: both change in one commit.
   */
  private async notWaiting(e: EsitoInps, instanceIds: string[]): Promise<ConflictError | 'now-waiting'> {
    const em = this.services.orm.em.fork();
    if (await em.count(ExternalTask, { instanceId: { $in: instanceIds }, topic: INPS_TOPICS.invioDomanda, status: 'open' })) return premature(e);
    if (await em.count(EventSubscription, { instanceId: { $in: instanceIds }, name: ESITO_MESSAGE })) return 'now-waiting';
    return new ConflictError(`La domanda ${e.protocolloDomanda} non è in attesa dell'esito INPS (esito già ricevuto o pratica chiusa)`, 'ESITO_NON_ATTESO');
  }
}

function premature(e: EsitoInps): ConflictError {
  return new ConflictError(`La domanda ${e.protocolloDomanda} risulta ancora in invio: riprovare più tardi`, 'ESITO_PREMATURO');
}
