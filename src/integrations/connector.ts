/**
 * The contract of connectors: service tasks that talk to the outside world
 * (INPS, document generation, …). A model calls one with an external service
 * task, `camunda:type="external" camunda:topic="<topic>"`; the in-process
 * connector runner fetches and locks those external tasks like any worker,
 * runs the connector OUTSIDE the database transaction, then completes the task
 * (outputs become process variables) in one transaction. A thrown error is a
 * failure: retries with back-off, then an incident; a ConnectorBpmnError is a
 * BPMN error caught by an error boundary event with the same code.
 *
 * A connector may run more than once for one task (crash between its side
 * effect and the completion): make it idempotent, e.g. keyed by externalTaskId.
 */
export interface ConnectorContext {
  readonly tenant: string;
  readonly instanceId: string;
  readonly businessKey: string | null;
  readonly activityId: string;
  readonly topic: string;
  readonly externalTaskId: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

export type ConnectorResult = Record<string, unknown> | void;

export interface Connector {
  readonly topic: string;
  readonly description: string;
  /** The variables run() may set (the keys of what it returns), for deploy-time validation. */
  readonly outputs?: readonly string[];
  run(ctx: ConnectorContext): Promise<ConnectorResult>;
}

/** A BPMN error raised by a connector: caught by an error boundary event with the same code. */
export class ConnectorBpmnError extends Error {
  constructor(readonly errorCode: string, message?: string) {
    super(message ?? errorCode);
    this.name = 'ConnectorBpmnError';
  }
}
