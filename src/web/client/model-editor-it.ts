/**
 * Italian labels of the modeler and of the Camunda properties panel (the
 * diagram-js `translate` service): the words an analyst meets most; anything
 * not listed stays as bpmn-js writes it.
 */
const IT: Record<string, string> = {
  General: 'Generale',
  Name: 'Nome',
  ID: 'Identificativo',
  Documentation: 'Documentazione',
  'Element documentation': 'Documentazione dell\'elemento',
  'User assignment': 'Assegnazione',
  Assignee: 'Assegnatario',
  'Candidate groups': 'Gruppi candidati',
  'Candidate users': 'Utenti candidati',
  'Due date': 'Scadenza',
  'Follow up date': 'Promemoria',
  Priority: 'Priorità',
  Form: 'Modulo',
  'Form key': 'Chiave del modulo',
  Type: 'Tipo',
  Timer: 'Timer',
  Condition: 'Condizione',
  'Condition expression': 'Espressione della condizione',
  Implementation: 'Implementazione',
  Topic: 'Topic',
  Inputs: 'Ingressi',
  Outputs: 'Uscite',
  'Execution listeners': 'Listener di esecuzione',
  'Task listeners': 'Listener del task',
  'Extension properties': 'Proprietà di estensione',
  'Asynchronous continuations': 'Continuazioni asincrone',
  'Job execution': 'Esecuzione dei job',
  Message: 'Messaggio',
  Error: 'Errore',
  Signal: 'Segnale',
  Escalation: 'Escalation',
  'Multi-instance': 'Multi-istanza',
  'Start initiator': 'Iniziatore',
  'History cleanup': 'Pulizia dello storico',
  Process: 'Processo',
  'Version tag': 'Etichetta di versione',
  Executable: 'Eseguibile',
  'Create StartEvent': 'Crea evento di inizio',
  'Create EndEvent': 'Crea evento di fine',
  'Create Task': 'Crea task',
  'Create Gateway': 'Crea gateway',
  'Create expanded SubProcess': 'Crea sottoprocesso',
  'Create Intermediate/Boundary Event': 'Crea evento intermedio',
  'Create Pool/Participant': 'Crea pool',
  'Activate the hand tool': 'Strumento mano',
  'Activate the lasso tool': 'Strumento lazo',
  'Activate the create/remove space tool': 'Crea o rimuovi spazio',
  'Activate the global connect tool': 'Strumento di collegamento',
  'Append Task': 'Aggiungi task',
  'Append EndEvent': 'Aggiungi evento di fine',
  'Append Gateway': 'Aggiungi gateway',
  'Change type': 'Cambia tipo',
  Delete: 'Elimina',
  Remove: 'Rimuovi',
  'Connect using Sequence/MessageFlow or Association': 'Collega',
};

function translate(template: string, replacements: Record<string, string> = {}): string {
  return (IT[template] ?? template).replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}

export const translateModule = { translate: ['value', translate] };
