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

/** External tasks: `outputs` are the camunda:outputParameter names, the variables a worker's completion may set. */
export type ServiceSpec = { kind: 'external'; topic: string; outputs?: string[] } | { kind: 'handler'; handler: string } | DecisionTaskSpec;

/** A business rule task evaluating a deployed DMN decision (src/decisions/business-rule.ts). */
export interface DecisionTaskSpec {
  kind: 'decision';
  /** camunda:decisionRef: the decision key, resolved for the instance's comune (else shared) at run time. */
  decisionRef: string;
  /** camunda:resultVariable: where the mapped result goes (no variable: the result is only recorded in history). */
  resultVariable?: string;
  /** camunda:mapDecisionResult as written (singleResult, singleEntry, collectEntries, resultList; default resultList). */
  mapDecisionResult?: string;
  /** camunda:decisionRefBinding as written (only "latest" is supported, checked at deploy). */
  binding?: string;
}

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
  /** `camunda:asyncBefore` (or the legacy `camunda:async`): the job executor enters the activity in its own transaction. */
  asyncBefore?: boolean;
  /** `camunda:asyncAfter`: the outgoing flows are taken by a job, in a transaction of their own. */
  asyncAfter?: boolean;
  /** `camunda:failedJobRetryTimeCycle` of the element, parsed (see src/engine/jobs/retry-cycle.ts). */
  retryCycle?: RetryCycle;
}

/**
 * How often a failing job (or connector call) of an element is tried, as
 * Camunda 7 reads `camunda:failedJobRetryTimeCycle`: `R5/PT10M` is five tries
 * in all, ten minutes apart; a list `PT1M,PT5M,PT30M` is the first try plus
 * one retry after each interval (four tries). Without one: three tries, one
 * minute apart.
 */
export interface RetryCycle {
  /** The text as written in the model. */
  text: string;
  /** Tries in all, the first one included (≥ 1). */
  tries: number;
  /** ISO-8601 durations: intervals[i] is the wait before try i + 2; length tries - 1. */
  intervals: string[];
}

/** A timer start event of an event sub-process: armed while its parent scope (the process or a sub-process) is active. */
export interface EventSubprocessTimer {
  /** The event sub-process (`triggeredByEvent="true"`). */
  subProcessId: string;
  startEventId: string;
  /** The process id or the id of the sub-process that contains the event sub-process. */
  scopeId: string;
  /** isInterrupting of the start event (default true): firing cancels the rest of the scope. */
  interrupting: boolean;
  timerType: 'timeDate' | 'timeDuration' | 'timeCycle';
  value: string;
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
  /** Timer start events of event sub-processes, at any depth. */
  eventSubprocessTimers?: EventSubprocessTimer[];
}

export interface CompiledProcess {
  key: string;
  name?: string;
  /** JSON string from moddle-context-serializer, with only this process executable. */
  serializedContext: string;
  index: ModelIndex;
}
