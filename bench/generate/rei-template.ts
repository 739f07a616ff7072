/**
 * The history a REI case leaves, as the engine records it, in order: the
 * elements of the deployed model (processes/rei.bpmn: ids, BPMN types and
 * names) entered and left along the main path — istruttoria, esito INPS,
 * analisi preliminare, progetto personalizzato, monitoraggio — with the user
 * tasks created and completed, and the days a typical case takes to get
 * there. The generator places each case at one of the `waits` (where a real
 * case stops) and writes every event up to it; monitoring repeats `LOOP`.
 */

export type GroupKey = 'operatori' | 'assistentiSociali' | 'equipe' | 'responsabili';

export interface TemplateEvent {
  ord: number;
  type: 'element.entered' | 'element.left' | 'element.discarded' | 'task.created' | 'task.completed' | 'message.received' | 'process.started' | 'process.completed';
  elementId: string | null;
  elementType: string | null;
  elementName: string | null;
  /** Days since the case started, for a case of average speed. */
  day: number;
  /** On task events: the task's candidate group (key of params.gruppi), days allowed, priority. */
  task: { group: GroupKey; dueDays: number; priority: number } | null;
}

/** Where a case can be standing: the ord of its last event, the phase, and (user task) the open step. */
export interface Wait {
  ord: number;
  phase: string;
  /** Share of the cases standing here (per mille). */
  perMille: number;
  kind: 'task' | 'message' | 'monitoring' | 'end';
}

const T: Record<string, string> = {
  start: 'bpmn:StartEvent', end: 'bpmn:EndEvent', xor: 'bpmn:ExclusiveGateway', and: 'bpmn:ParallelGateway', sub: 'bpmn:SubProcess',
  user: 'bpmn:UserTask', service: 'bpmn:ServiceTask', rule: 'bpmn:BusinessRuleTask', receive: 'bpmn:ReceiveTask', catch: 'bpmn:IntermediateCatchEvent',
  evgw: 'bpmn:EventBasedGateway',
};

class Builder {
  readonly events: TemplateEvent[] = [];
  readonly waits: Wait[] = [];
  day = 0;
  private push(type: TemplateEvent['type'], id: string | null, kind: string | null, name: string | null, task: TemplateEvent['task'] = null) {
    this.events.push({ ord: this.events.length, type, elementId: id, elementType: kind ? T[kind]! : null, elementName: name, day: this.day, task });
  }
  pass(id: string, kind: string, name: string) {
    this.push('element.entered', id, kind, name);
    this.push('element.left', id, kind, name);
    return this;
  }
  enter(id: string, kind: string, name: string) {
    this.push('element.entered', id, kind, name);
    return this;
  }
  leave(id: string, kind: string, name: string) {
    this.push('element.left', id, kind, name);
    return this;
  }
  discard(id: string, kind: string, name: string) {
    this.push('element.discarded', id, kind, name);
    return this;
  }
  raw(type: TemplateEvent['type']) {
    this.push(type, null, null, null);
    return this;
  }
  /** A user task: entered, task created (a case may stand here), completed after `typicalDays`, left. */
  user(id: string, name: string, group: GroupKey, dueDays: number, typicalDays: number, phase: string, perMille: number, priority = 50) {
    const task = { group, dueDays, priority };
    this.push('element.entered', id, 'user', name);
    this.push('task.created', id, 'user', name, task);
    this.waits.push({ ord: this.events.length - 1, phase, perMille, kind: 'task' });
    this.day += typicalDays;
    this.push('task.completed', id, 'user', name, task);
    this.push('element.left', id, 'user', name);
    return this;
  }
  wait(kind: Wait['kind'], phase: string, perMille: number, days: number) {
    this.waits.push({ ord: this.events.length - 1, phase, perMille, kind });
    this.day += days;
    return this;
  }
}

function build() {
  const b = new Builder();
  b.raw('process.started')
    .pass('domandaPresentata', 'start', 'Domanda presentata').pass('forkPratica', 'and', 'Pratica aperta')
    .enter('rinunciaRicevuta', 'catch', 'Rinuncia del richiedente')
    .pass('controlliComunali', 'rule', 'Controlli comunali dei requisiti')
    .enter('faseIstruttoria', 'sub', 'Verifica e invio a INPS, con sollecito').pass('faseIstruttoriaAvviata', 'start', 'Fase avviata')
    .enter('istruttoria', 'sub', 'Verifica e invio a INPS').pass('istruttoriaAvviata', 'start', 'Controlli eseguiti').pass('gwRequisiti', 'xor', 'Esito dei controlli?')
    .user('verificaRequisiti', 'Verifica manuale dei requisiti', 'operatori', 21, 14, 'istruttoria', 380, 60)
    .pass('gwVerifica', 'xor', 'Requisiti verificati?').pass('mergeInvio', 'xor', 'Domanda ammissibile').pass('invioInps', 'service', 'Invio della domanda a INPS')
    .pass('domandaInviata', 'end', 'Domanda inviata a INPS').leave('istruttoria', 'sub', 'Verifica e invio a INPS')
    .pass('faseIstruttoriaConclusa', 'end', 'Passo concluso: sollecito chiuso').leave('faseIstruttoria', 'sub', 'Verifica e invio a INPS, con sollecito')
    .pass('gwIstruttoria', 'xor', 'Inviata a INPS?')
    .enter('faseEsitoInps', 'sub', "Attesa dell'esito INPS, con sollecito").pass('faseEsitoInpsAvviata', 'start', 'Fase avviata')
    .enter('attesaEsitoInps', 'receive', "Attesa dell'esito INPS").wait('message', 'esito INPS', 150, 6)
    .raw('message.received').leave('attesaEsitoInps', 'receive', "Attesa dell'esito INPS")
    .pass('faseEsitoInpsConclusa', 'end', 'Passo concluso: sollecito chiuso').leave('faseEsitoInps', 'sub', "Attesa dell'esito INPS, con sollecito")
    .pass('gwEsitoInps', 'xor', 'Esito INPS?').pass('calcolaBeneficio', 'service', 'Calcolo del beneficio').pass('gwImporto', 'xor', 'Importo maggiore di zero?')
    .enter('faseAnalisi', 'sub', 'Analisi preliminare, con sollecito').pass('faseAnalisiAvviata', 'start', 'Fase avviata')
    .user('analisiPreliminare', 'Analisi preliminare', 'assistentiSociali', 35, 25, 'analisi preliminare', 180)
    .pass('faseAnalisiConclusa', 'end', 'Passo concluso: sollecito chiuso').leave('faseAnalisi', 'sub', 'Analisi preliminare, con sollecito')
    .pass('gwBisogni', 'xor', 'Bisogni del nucleo?')
    .enter('faseProgettazione', 'sub', 'Progetto personalizzato, con sollecito').pass('faseProgettazioneAvviata', 'start', 'Fase avviata')
    .enter('progettazione', 'sub', 'Progetto personalizzato').pass('progettazioneAvviata', 'start', 'Progettazione avviata').pass('gwComplessi', 'xor', 'Bisogni complessi?')
    .user('costituzioneEquipe', "Costituzione dell'équipe multidisciplinare", 'assistentiSociali', 10, 7, 'progettazione', 40)
    .user('quadroAnalisi', 'Quadro di analisi approfondito', 'equipe', 10, 8, 'progettazione', 40)
    .pass('mergeProgetto', 'xor', 'Stesura del progetto')
    .user('progettoPersonalizzato', 'Progetto personalizzato', 'assistentiSociali', 10, 8, 'progettazione', 40)
    .pass('documentoProgetto', 'service', 'Documento del progetto')
    .user('firmaProgetto', 'Firma del progetto', 'assistentiSociali', 7, 5, 'progettazione', 30, 60)
    .pass('progettoFirmato', 'end', 'Progetto firmato').leave('progettazione', 'sub', 'Progetto personalizzato')
    .pass('faseProgettazioneConclusa', 'end', 'Passo concluso: sollecito chiuso').leave('faseProgettazione', 'sub', 'Progetto personalizzato, con sollecito')
    .pass('mergeFirma', 'xor', 'Progetto o patto firmato').pass('notificaFirmaInps', 'service', 'Notifica della firma a INPS').pass('forkMonitoraggio', 'and', 'Beneficio in corso')
    .enter('fineBeneficio', 'catch', 'Fine della durata del beneficio')
    .pass('mergeMonitoraggio', 'xor', 'In monitoraggio').enter('attesaMonitoraggio', 'evgw', 'Convocazione o evento?')
    .pass('mergeVerifiche', 'xor', 'Prossima verifica').pass('gwVerificaDovuta', 'xor', 'Verifica già dovuta?')
    .enter('verificaInScadenza', 'catch', 'Verifica periodica in scadenza').wait('monitoring', 'monitoraggio', 100, 0);
  const mainEnd = b.events.length;
  // One periodic verification (repeated `loops` times per case in monitoring), 90 days apart.
  const loop = new Builder();
  loop.day = 76;
  loop.leave('verificaInScadenza', 'catch', 'Verifica periodica in scadenza').pass('mergeVerificaDovuta', 'xor', 'Verifica dovuta')
    .user('verificaPeriodica', 'Verifica periodica', 'assistentiSociali', 14, 10, 'monitoraggio', 0)
    .pass('mergeVerifiche', 'xor', 'Prossima verifica').pass('gwVerificaDovuta', 'xor', 'Verifica già dovuta?')
    .enter('verificaInScadenza', 'catch', 'Verifica periodica in scadenza');
  // The end of the benefit (after the last loop).
  const tail = new Builder();
  tail.leave('fineBeneficio', 'catch', 'Fine della durata del beneficio').pass('concludiPratica', 'service', 'Chiusura per fine durata').pass('conclusa', 'end', 'Conclusa (fine durata)')
    .discard('verificaInScadenza', 'catch', 'Verifica periodica in scadenza').discard('attesaMonitoraggio', 'evgw', 'Convocazione o evento?')
    .discard('rinunciaRicevuta', 'catch', 'Rinuncia del richiedente').raw('process.completed');
  b.waits.push({ ord: mainEnd - 1, phase: 'conclusa', perMille: 40, kind: 'end' });
  return { main: b.events, waits: b.waits, loop: loop.events, tail: tail.events, monitoringDay: b.day };
}

export const REI = build();
/** Days between two periodic verifications (intervalloMonitoraggioMesi 3). */
export const LOOP_DAYS = 90;
/** The user tasks a case may hold open besides its current one (sollecito, monitoring): element id, name, group, days, priority. */
export const EXTRA_TASKS: Array<{ elementId: string; name: string; group: GroupKey; dueDays: number; priority: number }> = [
  { elementId: 'sollecitoIstruttoria', name: 'Sollecito: controlli e invio a INPS oltre il termine', group: 'responsabili', dueDays: 3, priority: 80 },
  { elementId: 'sollecitoEsitoInps', name: 'Sollecito: esito INPS non ricevuto', group: 'responsabili', dueDays: 3, priority: 80 },
  { elementId: 'sollecitoAnalisi', name: 'Sollecito: analisi preliminare oltre il termine', group: 'responsabili', dueDays: 3, priority: 80 },
  { elementId: 'sollecitoFirma', name: 'Sollecito: firma del progetto oltre il termine', group: 'responsabili', dueDays: 3, priority: 80 },
  { elementId: 'verificaPeriodica', name: 'Verifica periodica', group: 'assistentiSociali', dueDays: 14, priority: 50 },
  { elementId: 'convocazioneNucleo', name: 'Convocazione del nucleo', group: 'assistentiSociali', dueDays: 3, priority: 50 },
  { elementId: 'esitoConvocazioneNucleo', name: 'Esito della convocazione', group: 'assistentiSociali', dueDays: 2, priority: 50 },
  { elementId: 'verificaRequisiti', name: 'Verifica manuale dei requisiti', group: 'operatori', dueDays: 21, priority: 60 },
];
