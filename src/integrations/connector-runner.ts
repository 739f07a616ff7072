/**
 * Runs the registered connectors in-process: fetches and locks the external
 * tasks of their topics (as a system worker over every comune), runs each
 * connector OUTSIDE any transaction, then completes the task with its outputs,
 * throws its BPMN error, or records a failure with the retries left and a
 * back-off from the element's `camunda:failedJobRetryTimeCycle` (default
 * PT1M, PT5M, PT15M); with none left the failure opens an incident, and
 * `POST /incidents/{id}/retry` makes the task fetchable again.
 *
 * start() polls every pollMs and wakes at once when a commit creates external
 * tasks (wakeup.ts); drain() processes everything due by the injected clock,
 * for tests. Connectors with `chronologicalBy` are fetched in that order and
 * run one after the other; a failure stops the rest of that comune's batch.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import type { Principal } from '../auth/principal.js';
import type { Orm } from '../db/orm.js';
import { ProcessDefinition } from '../db/entities/index.js';
import type { ModelIndex, RetryCycle } from '../engine/definitions/model.js';
import type { ExternalTaskService, LockedExternalTask } from '../tasks/external/external-task.service.js';
import { fromTypedVariables } from '../tasks/external/variables.js';
import { externalTasksGeneration, waitForExternalTasks } from '../tasks/external/wakeup.js';
import { ConnectorBpmnError, PermanentConnectorError, type Connector, type ConnectorContext } from './connector.js';
import type { ConnectorRegistry } from './registry.js';
import { defaultConnectorRetryCycle, nextAttempt } from './retry-policy.js';

export interface ConnectorRunnerDeps {
  externalTasks: Pick<ExternalTaskService, 'fetchAndLock' | 'complete' | 'failure' | 'bpmnError' | 'unlock'>;
  registry: ConnectorRegistry;
  orm: Orm;
  clock: Clock;
}

export interface ConnectorRunnerOptions {
  workerId: string;
  /** Poll interval when nothing wakes the runner (ms, default 1000). */
  pollMs?: number;
  /** Lock taken on each task while its connector runs (ms, default 5 minutes). */
  lockMs?: number;
  /** Tasks fetched per request (default 10). */
  batchSize?: number;
  log?: (msg: string) => void;
}

/** The system principal the runner acts as: a worker over every comune. */
export const CONNECTOR_PRINCIPAL: Principal = Object.freeze({ id: 'connector-runner', username: 'connettori', tenant: null, roles: ['admin'], groups: [] }) as Principal;

type Outcome =
  | { kind: 'completed'; variables: Record<string, unknown> }
  | { kind: 'bpmn-error'; errorCode: string; errorMessage: string; variables?: Record<string, unknown> }
  | { kind: 'failed'; message: string; details: string | null; permanent: boolean };

export class ConnectorRunner {
  readonly stats = { completed: 0, bpmnErrors: 0, failed: 0, incidents: 0 };
  private stopped = true;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  /** Model indexes by definition id (deployed definitions never change). */
  private readonly indexes = new Map<string, ModelIndex | null>();
  private excluded = new Set<string>();
  /** Set during a drain limited to some topics (the demo seed runs only the document connectors). */
  private only: Set<string> | null = null;

  constructor(
    private readonly deps: ConnectorRunnerDeps,
    private readonly opts: ConnectorRunnerOptions,
  ) {}

  /** The topics this runner works on. */
  get topics(): string[] {
    return this.connectors().map((c) => c.topic);
  }

  private connectors(): Connector[] {
    return this.deps.registry.list().filter((c) => !this.excluded.has(c.topic) && (!this.only || this.only.has(c.topic)));
  }

  /** One pass: fetches a batch per topic group and runs it; returns how many tasks were handled. */
  async runOnce(): Promise<number> {
    const connectors = this.connectors();
    if (!connectors.length) return 0;
    let handled = 0;
    const plain = connectors.filter((c) => !c.chronologicalBy);
    if (plain.length) {
      const tasks = await this.fetch(plain);
      for (const task of tasks) await this.execute(task);
      handled += tasks.length;
    }
    for (const c of connectors.filter((x) => x.chronologicalBy)) {
      const tasks = await this.fetch([c], c.chronologicalBy);
      const stoppedTenants = new Set<string>();
      for (const task of tasks) {
        if (stoppedTenants.has(task.tenantId)) {
          // An earlier application of this comune failed: give this one back, it waits its turn.
          await this.deps.externalTasks.unlock(CONNECTOR_PRINCIPAL, task.id).catch(() => undefined);
          continue;
        }
        if ((await this.execute(task)) === 'failed') stoppedTenants.add(task.tenantId);
      }
      handled += tasks.length;
    }
    return handled;
  }

  /** Runs passes until nothing is due by the clock (tests move the clock, then drain); `topics` limits it to those connectors. */
  async drain(maxPasses = Number.POSITIVE_INFINITY, opts: { topics?: readonly string[] } = {}): Promise<number> {
    let total = 0;
    this.only = opts.topics ? new Set(opts.topics) : null;
    try {
      for (let i = 0; i < maxPasses; i++) {
        const n = await this.runOnce();
        total += n;
        if (n === 0) break;
      }
    } finally {
      this.only = null;
    }
    return total;
  }

  /** Polls until stop(); `exclude` leaves some topics to other processes (e.g. INPS when this one has no INPS_URL). */
  start(opts: { exclude?: readonly string[] } = {}): void {
    if (!this.stopped) return;
    this.excluded = new Set(opts.exclude ?? []);
    if (!this.connectors().length) return;
    this.stopped = false;
    const abort = (this.abort = new AbortController());
    this.loop = (async () => {
      while (!this.stopped) {
        const seen = externalTasksGeneration();
        try {
          await this.drain(20);
        } catch (err) {
          this.opts.log?.(`connettori: ${(err as Error).message}`);
        }
        if (this.stopped) break;
        // Woken while busy: look again at once, else wait for a wake-up or the poll interval.
        if (externalTasksGeneration() === seen) await waitForExternalTasks(this.opts.pollMs ?? 1000, abort.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
    this.loop = null;
  }

  // ---------------------------------------------------------------- one task

  private fetch(connectors: Connector[], chronologicalBy?: string): Promise<LockedExternalTask[]> {
    const lockDuration = this.opts.lockMs ?? 5 * 60_000;
    return this.deps.externalTasks.fetchAndLock(CONNECTOR_PRINCIPAL, {
      workerId: this.opts.workerId,
      maxTasks: this.opts.batchSize ?? 10,
      topics: connectors.map((c) => ({ topicName: c.topic, lockDuration })),
      ...(chronologicalBy ? { chronologicalBy } : {}),
    });
  }

  /** Runs one locked task's connector and reports the outcome; 'failed' when it was recorded as a failure. */
  private async execute(task: LockedExternalTask): Promise<Outcome['kind'] | 'lost'> {
    const connector = this.deps.registry.get(task.topicName);
    const outcome = connector ? await this.run(connector, task) : { kind: 'failed' as const, message: `Nessun connettore per il topic "${task.topicName}"`, details: null, permanent: true };
    try {
      await this.report(task, outcome);
      return outcome.kind;
    } catch (reportError) {
      let err = reportError;
      if (outcome.kind !== 'failed' && !isGone(err)) {
        // The connector did its work but the process could not go on: a failure, so it surfaces as an incident.
        // A BPMN error no boundary event catches will not be caught next time either: incident at once.
        const uncaught = outcome.kind === 'bpmn-error';
        const message = uncaught
          ? `Errore BPMN ${outcome.errorCode} non gestito dal modello (nessun evento di errore lo intercetta): ${outcome.errorMessage}`
          : `Esito del connettore non applicabile al processo: ${(err as Error).message}`;
        try {
          await this.report(task, { kind: 'failed', message, details: (err as Error).message ?? null, permanent: uncaught });
          return 'failed';
        } catch (again) {
          err = again;
        }
      }
      this.opts.log?.(`connettore ${task.topicName}, task ${task.id}: esito non registrato (${(err as Error).message})`);
      return 'lost';
    }
  }

  private async run(connector: Connector, task: LockedExternalTask): Promise<Outcome> {
    const ctx: ConnectorContext = {
      tenant: task.tenantId,
      instanceId: task.processInstanceId,
      businessKey: task.businessKey,
      activityId: task.activityId,
      topic: task.topicName,
      externalTaskId: task.id,
      variables: Object.freeze(fromTypedVariables(task.variables)),
      now: this.deps.clock.now(),
    };
    try {
      const result = await connector.run(ctx);
      return { kind: 'completed', variables: result && typeof result === 'object' ? result : {} };
    } catch (err) {
      if (err instanceof ConnectorBpmnError) return { kind: 'bpmn-error', errorCode: err.errorCode, errorMessage: err.message, variables: err.variables };
      const e = err instanceof Error ? err : new Error(String(err));
      const details = err instanceof PermanentConnectorError ? (err.details ?? null) : (e.stack ?? null);
      return { kind: 'failed', message: e.message || e.name, details, permanent: err instanceof PermanentConnectorError };
    }
  }

  private async report(task: LockedExternalTask, outcome: Outcome): Promise<void> {
    const { externalTasks } = this.deps;
    const workerId = this.opts.workerId;
    // In-process connectors are server code: they may write their declared outputs (else what they return).
    const declared = this.deps.registry.get(task.topicName)?.outputs;
    const outputs = (variables: Record<string, unknown> | undefined) => ({ outputs: declared ?? Object.keys(variables ?? {}) });
    switch (outcome.kind) {
      case 'completed':
        await retryOnConflict(() => externalTasks.complete(CONNECTOR_PRINCIPAL, task.id, workerId, outcome.variables, outputs(outcome.variables)));
        this.stats.completed++;
        return;
      case 'bpmn-error':
        await retryOnConflict(() => externalTasks.bpmnError(CONNECTOR_PRINCIPAL, task.id, workerId, { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, variables: outcome.variables }, outputs(outcome.variables)));
        this.stats.bpmnErrors++;
        return;
      case 'failed': {
        const next = outcome.permanent ? { retries: 0, backoffMs: 0 } : nextAttempt(await this.retryCycleOf(task), task.retries);
        await externalTasks.failure(CONNECTOR_PRINCIPAL, task.id, { workerId, errorMessage: outcome.message, errorDetails: outcome.details, retries: next.retries, retryTimeout: next.backoffMs });
        this.stats.failed++;
        if (next.retries === 0) this.stats.incidents++;
        this.opts.log?.(`connettore ${task.topicName}, task ${task.id} fallito (${next.retries ? `nuovo tentativo tra ${Math.round(next.backoffMs / 1000)} s` : 'incidente aperto'}): ${outcome.message}`);
        return;
      }
      default: {
        const never: never = outcome;
        throw new Error(`Esito sconosciuto ${JSON.stringify(never)}`);
      }
    }
  }

  /** The element's retry cycle (camunda:failedJobRetryTimeCycle) or the default. */
  private async retryCycleOf(task: LockedExternalTask): Promise<RetryCycle> {
    let index = this.indexes.get(task.processDefinitionId);
    if (index === undefined) {
      const em: EntityManager = this.deps.orm.em.fork();
      const def = await em.findOne(ProcessDefinition, { id: task.processDefinitionId }, { fields: ['id', 'modelIndex'] });
      index = (def?.modelIndex as ModelIndex | undefined) ?? null;
      if (this.indexes.size > 500) this.indexes.clear();
      this.indexes.set(task.processDefinitionId, index);
    }
    return index?.elements[task.activityId]?.retryCycle ?? defaultConnectorRetryCycle;
  }
}

/** The task or its instance went away (cancelled, completed elsewhere, lock lost): nothing to report. */
function isGone(err: unknown): boolean {
  return err instanceof DomainError && ['EXTERNAL_TASK_NOT_FOUND', 'EXTERNAL_TASK_LOCK', 'INSTANCE_NOT_ACTIVE', 'INSTANCE_NOT_FOUND', 'ELEMENT_NOT_WAITING'].includes(err.code);
}

async function retryOnConflict(action: () => Promise<void>, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'CONCURRENT_MODIFICATION') || i >= attempts) throw err;
    }
  }
}
