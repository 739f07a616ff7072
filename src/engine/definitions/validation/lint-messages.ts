/**
 * bpmnlint's messages in Italian (it reports in English): exact texts first,
 * then the few that carry a name or a type. An unknown message stays as it is.
 */
const EXACT: Record<string, string> = {
  'Element is missing bpmndi': 'Elemento senza diagramma (bpmndi): Camunda Modeler non saprà dove disegnarlo',
  'Element is outside of parent boundary': "Elemento disegnato fuori dai bordi del contenitore",
  'Element overlaps with other element': 'Elemento disegnato sopra un altro',
  'A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional': 'Un flusso in uscita da un gateway a eventi non può avere una condizione',
  'Sequence flow is missing condition': 'Flusso senza condizione',
  'A <Start Event> is not allowed in <Ad Hoc Sub Process>': 'Un sottoprocesso ad hoc non può avere un evento di inizio',
  'An <End Event> is not allowed in <Ad Hoc Sub Process>': 'Un sottoprocesso ad hoc non può avere un evento di fine',
  'Start event is missing event definition': "L'evento di inizio del sottoprocesso evento non ha un tipo (timer, messaggio, …)",
  'Start event must be blank': "L'evento di inizio di un sottoprocesso deve essere semplice (senza tipo)",
  'Link event is missing link name': "L'evento link non ha un nome di collegamento",
  'An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>': 'Un gateway a eventi deve avere almeno 2 flussi in uscita',
  'Conditional event is missing a condition': "L'evento condizionale non ha una condizione",
  'Element is an implicit end': 'Il percorso finisce senza un evento di fine (fine implicita)',
  'Element is an implicit start': 'Elemento senza flussi in entrata (inizio implicito)',
  'Element is missing label/name': 'Elemento senza nome (etichetta)',
  'Element is not connected': 'Elemento non collegato',
  'Event has multiple event definitions': "L'evento ha più definizioni (tipi)",
  'Flow splits implicitly': 'Più flussi in uscita senza gateway (divisione implicita): usare un gateway',
  'Gateway forks and joins': 'Il gateway unisce e divide insieme: usare due gateway',
  'Gateway is superfluous. It only has one source and target.': 'Gateway superfluo: ha un solo flusso in entrata e uno in uscita',
  'Incoming flows do not join': "Più flussi in entrata senza gateway: l'elemento partirà una volta per ciascun flusso",
  'Sequence flow has superfluous label': 'Etichetta superflua sul flusso',
  'SequenceFlow is a duplicate': 'Flusso duplicato',
  'Termination is superfluous.': 'Evento di terminazione superfluo',
  'Element is missing name': 'Elemento senza nome',
  'Element is unused': 'Elemento non usato',
  'Element name is not unique': 'Nome non univoco',
  'Duplicate outgoing sequence flows': 'Flussi in uscita duplicati',
  'Duplicate incoming sequence flows': 'Flussi in entrata duplicati',
};

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^Element type <(.+)> is discouraged$/, (m) => `Tipo di elemento sconsigliato: ${m[1]}`],
  [/^(.+) has multiple blank start events$/, (m) => `${m[1]} ha più eventi di inizio semplici`],
  [/^(.+) is missing end event$/, (m) => `${m[1]} non ha un evento di fine`],
  [/^(.+) is missing start event$/, (m) => `${m[1]} non ha un evento di inizio`],
  [/^Duplicate link catch event with link name <(.+)> in scope$/, (m) => `Evento link di arrivo "${m[1]}" duplicato`],
  [/^Link (catch|throw) event with link name <(.+)> missing in scope$/, (m) => `Manca l'evento link di ${m[1] === 'catch' ? 'arrivo' : 'partenza'} "${m[2]}"`],
];

export function italianLintMessage(message: string): string {
  const exact = EXACT[message];
  if (exact) return exact;
  for (const [re, make] of PATTERNS) {
    const m = message.match(re);
    if (m) return make(m);
  }
  return message;
}
