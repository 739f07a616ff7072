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
  /**
   * Sends in chronological order of this process variable (an ISO date, e.g.
   * `dataDomanda`), then creation time, one comune's tasks never overtaking
   * each other: a task waits while an earlier one is running or backing off.
   */
  readonly chronologicalBy?: string;
  run(ctx: ConnectorContext): Promise<ConnectorResult>;
}

/** A BPMN error raised by a connector: caught by an error boundary event with the same code. */
export class ConnectorBpmnError extends Error {
  /** `variables` are set on the process before the error is thrown (e.g. the reasons of a refusal). */
  constructor(readonly errorCode: string, message?: string, readonly variables?: Record<string, unknown>) {
    super(message ?? errorCode);
    this.name = 'ConnectorBpmnError';
  }
}

/**
 * A failure that retrying cannot fix (refused credentials, a request the other
 * side will never accept): the runner opens an incident at once instead of
 * retrying; a responsabile retries it from the incident after fixing the cause.
 */
export class PermanentConnectorError extends Error {
  constructor(message: string, readonly details?: string) {
    super(message);
    this.name = 'PermanentConnectorError';
  }
}
