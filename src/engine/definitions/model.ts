/**
 * The compiled view of one executable process: what the engine and the task
 * layer need to know about each element, extracted once at deploy time.
 */
export interface UserTaskSpec {
  assignee?: string;
  candidateGroups?: string;
  candidateUsers?: string;
  formKey?: string;
  dueDate?: string;
  followUpDate?: string;
  priority?: string;
}

export type ServiceSpec = { kind: 'external'; topic: string } | { kind: 'handler'; handler: string };

export interface ElementSpec {
  id: string;
  type: string;
  name?: string;
  userTask?: UserTaskSpec;
  service?: ServiceSpec;
  /** Name of the message a receive task or message catch event waits for. */
  messageName?: string;
  /** Message element id, which bpmn-engine uses to route a signal. */
  messageId?: string;
  /** Sequence flows: the `${…}` condition, when there is one. */
  condition?: string;
  /** Set when the element carries an inline script (refused at deploy). */
  scriptLanguage?: string;
}

/** A phase measured for SLA across several steps, declared on the process as
 *  `<camunda:property name="slaPhase" value="Nome: fromElementId -> toElementId P15D" />`
 *  (the target duration is optional). */
export interface SlaPhase {
  name: string;
  from: string;
  to: string;
  target?: string;
}

export interface ModelIndex {
  processId: string;
  processName?: string;
  elements: Record<string, ElementSpec>;
  slaPhases?: SlaPhase[];
  /** Timer start events of the process (top level): the process starts by itself when they fire. */
  startTimers?: Array<{ elementId: string; timerType: 'timeDate' | 'timeDuration' | 'timeCycle'; value: string }>;
}

export interface CompiledProcess {
  key: string;
  name?: string;
  /** JSON string from moddle-context-serializer, with only this process executable. */
  serializedContext: string;
  index: ModelIndex;
}
