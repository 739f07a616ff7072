/**
 * The INPS connectors (topics of the REI process contract):
 *   inps-invio-domanda     → protocolloInps, dataInvioInps   (sent in order of dataDomanda)
 *   inps-notifica-firma    → notificaFirmaInps {protocollo, data}     (reads dataFirma, protocolloInps)
 *   inps-notifica-sanzione → notificaSanzioneInps {protocollo, data, tipo} (reads ultimaSanzione, protocolloInps)
 * The external task id is the idempotency key: a repeated run gets INPS's first answer.
 * INPS refusing an application is the BPMN error INPS_RIFIUTO (variable motiviInps);
 * refused credentials or missing data are incidents at once; INPS down is retried.
 */
import { ConnectorBpmnError, PermanentConnectorError, type Connector, type ConnectorContext } from '../connector.js';
import { InpsConfigurationError, InpsRejectedError, type DomandaInps, type InpsGateway } from './gateway.js';

export const INPS_TOPICS = { invioDomanda: 'inps-invio-domanda', notificaFirma: 'inps-notifica-firma', notificaSanzione: 'inps-notifica-sanzione' } as const;
export const INPS_TOPIC_NAMES: readonly string[] = Object.values(INPS_TOPICS);
export const INPS_REJECTION = 'INPS_RIFIUTO';

export function inpsConnectors(gateway: InpsGateway): Connector[] {
  return [
    {
      topic: INPS_TOPICS.invioDomanda,
      description: 'Invia la domanda a INPS in ordine cronologico (art. 9 c. 2) e ne registra il protocollo',
      // motiviInps: set with the INPS_RIFIUTO BPMN error.
      outputs: ['protocolloInps', 'dataInvioInps', 'motiviInps'],
      chronologicalBy: 'dataDomanda',
      async run(ctx) {
        const ricevuta = await call(() => gateway.inviaDomanda(domandaOf(ctx), ctx.externalTaskId), true);
        return { protocolloInps: ricevuta.protocolloInps, dataInvioInps: ctx.now.toISOString() };
      },
    },
    {
      topic: INPS_TOPICS.notificaFirma,
      description: 'Comunica a INPS la sottoscrizione del progetto personalizzato',
      outputs: ['notificaFirmaInps'],
      async run(ctx) {
        const dataFirma = required(ctx, 'dataFirma');
        const ricevuta = await call(() => gateway.notificaFirma({ ...identity(ctx), protocolloInps: String(required(ctx, 'protocolloInps')), dataFirma: String(dataFirma) }, ctx.externalTaskId));
        return { notificaFirmaInps: { protocollo: ricevuta.protocolloNotifica, data: ctx.now.toISOString() } };
      },
    },
    {
      topic: INPS_TOPICS.notificaSanzione,
      description: 'Comunica a INPS una sanzione (riduzione o decadenza)',
      outputs: ['notificaSanzioneInps'],
      async run(ctx) {
        const sanzione = required(ctx, 'ultimaSanzione');
        if (typeof sanzione !== 'object' || Array.isArray(sanzione)) throw new PermanentConnectorError('La variabile ultimaSanzione deve essere un oggetto {tipo, evento, data, motivo}');
        const s = sanzione as Record<string, unknown>;
        const ricevuta = await call(() => gateway.notificaSanzione({ ...identity(ctx), protocolloInps: String(required(ctx, 'protocolloInps')), sanzione: s }, ctx.externalTaskId));
        return { notificaSanzioneInps: { protocollo: ricevuta.protocolloNotifica, data: ctx.now.toISOString(), tipo: s.tipo ?? null } };
      },
    },
  ];
}

/** Maps the gateway's errors to the connector contract; refusals are BPMN errors only for applications. */
async function call<T>(action: () => Promise<T>, refusalIsBpmnError = false): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof InpsRejectedError) {
      if (refusalIsBpmnError) throw new ConnectorBpmnError(INPS_REJECTION, err.message, { motiviInps: err.motivi.length ? err.motivi : [err.message] });
      throw new PermanentConnectorError(err.message);
    }
    if (err instanceof InpsConfigurationError) throw new PermanentConnectorError(err.message);
    throw err;
  }
}

function identity(ctx: ConnectorContext): { ente: string; protocolloDomanda: string } {
  return { ente: ctx.tenant, protocolloDomanda: protocolloOf(ctx) };
}

function protocolloOf(ctx: ConnectorContext): string {
  const p = ctx.variables.protocollo ?? ctx.businessKey;
  if (typeof p !== 'string' || !p) throw new PermanentConnectorError('La pratica non ha un protocollo (variabile protocollo o business key): impossibile comunicare con INPS');
  return p;
}

function required(ctx: ConnectorContext, name: string): unknown {
  const v = ctx.variables[name];
  if (v === undefined || v === null || v === '') throw new PermanentConnectorError(`Manca la variabile ${name}, necessaria per la comunicazione a INPS`);
  return v;
}

function domandaOf(ctx: ConnectorContext): DomandaInps {
  const v = ctx.variables;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const str = (x: unknown) => (typeof x === 'string' && x ? x : null);
  return {
    ...identity(ctx),
    dataDomanda: str(v.dataDomanda),
    richiedente: v.richiedente && typeof v.richiedente === 'object' && !Array.isArray(v.richiedente) ? (v.richiedente as Record<string, unknown>) : null,
    nucleo: Array.isArray(v.nucleo) ? v.nucleo : [],
    isee: num(v.isee),
    isre: num(v.isre),
    dsuProtocollo: str(v.dsuProtocollo),
    rinnovo: v.rinnovo === true,
    durataMesi: num(v.durataMesi),
  };
}
