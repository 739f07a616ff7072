/**
 * Runs one command against one process instance: rebuild a bpmn-engine from
 * the stored state (never kept in memory between commands), apply the command,
 * run until every path waits or ends, and report the new state, the waiting
 * elements, the history events and the timers requested. No I/O here.
 */
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { Timers } from 'bpmn-elements';
import type { Clock } from '../../shared/clock.js';
import type { CompiledProcess, ElementSpec } from '../definitions/model.js';
import { HandlerBpmnError, type HandlerRegistry } from './handlers.js';
import { createEngineExpressions, type ExpressionFunctions, type ScopeExtras } from './engine-expressions.js';
import { ProcessExecutionError } from './errors.js';
import { ConflictError, DomainError } from '../../shared/errors.js';
import { loadContext } from './context-cache.js';
import { timerDueAt } from './timer-due.js';
import { asyncContinuations, type AsyncContinuations, type AsyncPhase, type AsyncRelease } from './async-continuations.js';
import { armedTimers, fireEventSubprocess, processScopeKey, type EventSubprocessArm, type EventSubprocessFire } from './event-subprocess.js';
import type { DecisionRunner } from '../../decisions/business-rule.js';

export type Variables = Record<string, unknown>;

export type Command =
  | { type: 'start'; variables: Variables }
  | { type: 'signal'; executionId: string; elementId: string; variables: Variables }
  | { type: 'completeExternal'; executionId: string; variables: Variables }
  | { type: 'externalError'; executionId: string; errorCode: string; errorMessage?: string; variables: Variables }
  | { type: 'fireTimer'; elementId: string; executionId: string }
  /** Lets an activity held at an asynchronous continuation go on (the job's command). */
  | { type: 'continue'; elementId: string; executionId: string; phase: AsyncPhase }
  /** A timer of an event sub-process is due: run the event sub-process in its scope. */
  | { type: 'fireEventSubprocess'; fire: EventSubprocessFire }
  | { type: 'cancel' };

/** `async`: held at an asynchronous continuation, waiting for its job. */
export type WaitKind = 'user' | 'external' | 'message' | 'timer' | 'async' | 'other';

export interface Wait {
  kind: WaitKind;
  elementId: string;
  executionId: string;
  elementType: string;
  spec?: ElementSpec;
}

export interface EngineEvent {
  type: 'element.entered' | 'element.left' | 'element.discarded';
  elementId: string;
  elementType: string;
  elementName?: string;
  at: Date;
}

export interface TimerRequest {
  elementId: string;
  /** The timer event definition's execution id: the key of its job. */
  executionId: string;
  delayMs: number;
  /** Due time by the engine clock. */
  dueAt: Date;
  timerType?: string;
  value?: string;
}

/** An activity held at an asynchronous continuation: the key of its job. */
export interface ContinuationRequest {
  elementId: string;
  /** The activity's execution id. */
  executionId: string;
  phase: AsyncPhase;
}

export interface StepResult {
  state: object;
  status: 'active' | 'completed' | 'cancelled';
  variables: Variables;
  waits: Wait[];
  events: EngineEvent[];
  timers: TimerRequest[];
  /** Activities held at an asynchronous continuation after this command. */
  continuations: ContinuationRequest[];
  /** Event sub-process timers: armed by scopes started in this command; the scope executions still active; false when a due one could not fire (still running). */
  eventSubprocess: { armed: EventSubprocessArm[]; activeScopes: string[]; fired?: boolean };
}

export interface RunContext {
  definitionId: string;
  process: CompiledProcess;
  instanceId: string;
  tenant: string;
  businessKey: string | null;
  params: Variables;
  handlers: HandlerRegistry;
  clock: Clock;
  functions?: ExpressionFunctions;
  /** Evaluates business rule tasks (camunda:decisionRef) inside the command's transaction. */
  decisions?: DecisionRunner;
}

/** bpmn-engine builds debug loggers per element on every command; silent unless DEBUG is set. */
const noop = () => undefined;
const silentLogger = () => ({ debug: noop, error: noop, warn: noop });

/** Inline scripts are never executed (no vm): models with scripts are refused at deploy. */
const NO_SCRIPTS = { register: () => undefined, getScript: () => undefined };

const ENGINE_NOISE = new Set(['fields', 'content', 'properties']);

/**
 * A bpmn-engine kept alive after a committed command, to run the instance's
 * next command without rebuilding it (see engine-cache.ts for when one is
 * reused). Everything a command contributes (its context, its history events,
 * its pending handler calls) goes through `current`, replaced per command.
 */
export interface EngineSession {
  readonly definitionId: string;
  /** Elements of its model (the cache weighs an engine by it). */
  readonly elements: number;
}

interface CommandScope {
  ctx: RunContext;
  events: EngineEvent[];
  pending: Set<Promise<unknown>>;
  failure: Error | null;
  startedScopes: Map<string, string>;
}

class LiveSession implements EngineSession {
  /** The command running on this engine; null between commands, so a kept engine holds no transaction or context. */
  current: CommandScope | null = null;
  readonly externalCallbacks = new Map<string, (err: unknown, output?: unknown) => void>();
  readonly listener = new EventEmitter();
  readonly extras: ScopeExtras;
  readonly engine: Engine;
  readonly continuations: AsyncContinuations;
  readonly elements: number;

  constructor(
    readonly definitionId: string,
    ctx: RunContext,
    release: AsyncRelease | null,
  ) {
    this.extras = { params: ctx.params, clock: ctx.clock, functions: ctx.functions };
    const index = ctx.process.index;
    this.elements = Object.keys(index.elements).length;
    this.continuations = asyncContinuations(index, release);
    if (index.eventSubprocessTimers?.length) {
      this.listener.on('activity.start', (api: { id: string; type: string; executionId: string }) => {
        if (api.type === 'bpmn:SubProcess' || api.type === 'bpmn:Transaction') this.current?.startedScopes.set(api.executionId, api.id);
      });
    }
    const record = (type: EngineEvent['type']) => (api: { id: string; type: string; name?: string }) => {
      if (api.type === 'bpmn:Process' || api.type === 'bpmn:SequenceFlow') return;
      const scope = this.current;
      scope?.events.push({ type, elementId: api.id, elementType: api.type, elementName: api.name, at: scope.ctx.clock.now() });
    };
    this.listener.on('activity.enter', record('element.entered'));
    // A terminate end event inside a sub-process stops the activity that led to it before it
    // publishes its leave: an element that ended but never left is recorded as left when its
    // sub-process leaves (so history and SLA phases still see the step end).
    const ended = new Map<string, { api: { id: string; type: string; name?: string }; parentId: string | undefined }>();
    this.listener.on('activity.end', (api: { id: string; type: string; name?: string; executionId: string; content?: { parent?: { id?: string } } }) => {
      ended.set(api.executionId, { api, parentId: api.content?.parent?.id });
    });
    const left = record('element.left');
    this.listener.on('activity.leave', (api: { id: string; type: string; name?: string; executionId: string }) => {
      ended.delete(api.executionId);
      if (api.type === 'bpmn:SubProcess' || api.type === 'bpmn:Transaction') {
        for (const [executionId, e] of ended) {
          if (e.parentId !== api.id) continue;
          ended.delete(executionId);
          left(e.api);
        }
      }
      left(api);
    });
    this.listener.on('activity.discard', record('element.discarded'));
    this.engine = new Engine({
      name: ctx.instanceId,
      sourceContext: loadContext(ctx.definitionId, ctx.process.serializedContext),
      expressions: createEngineExpressions(this.extras),
      timers: new Timers({ setTimeout: (() => null) as unknown as typeof setTimeout, clearTimeout: () => undefined }),
      extensions: { serviceTasks: (activity: ServiceActivity) => this.serviceExtension(activity), asyncContinuations: this.continuations.extension },
      scripts: NO_SCRIPTS,
      ...(process.env.DEBUG ? {} : { Logger: silentLogger }),
    } as never);
    this.engine.on('error', (err: Error) => {
      if (this.current) this.current.failure = this.current.failure ?? err;
    });
  }

  /** Starts a command on this engine: its context, its event log, its pending calls. */
  begin(ctx: RunContext, command: Command): CommandScope {
    Object.assign(this.extras, { params: ctx.params, clock: ctx.clock, functions: ctx.functions });
    const startedScopes = new Map<string, string>();
    if (command.type === 'start') startedScopes.set(processScopeKey(ctx.process.index), ctx.process.index.processId);
    const scope: CommandScope = { ctx, events: [], pending: new Set(), failure: null, startedScopes };
    this.current = scope;
    return scope;
  }

  /** The command is over: drop its context (transaction, decisions runner, parameters) from the engine kept. */
  end(): void {
    this.current = null;
  }

  private scope(): CommandScope {
    if (!this.current) throw new ProcessExecutionError('Motore usato fuori da un comando');
    return this.current;
  }

  private track(p: Promise<unknown>) {
    const pending = this.scope().pending;
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  /** Handler and decision outputs are case variables, also when the task sits in a sub-process (whose environment is a copy). */
  private publishOutputs(env: { variables: Variables }, out: Variables) {
    Object.assign(env.variables, out);
    const execution = this.engine.execution as unknown as EngineExecution | undefined;
    const processEnv = execution ? processEnvironment(execution) : undefined;
    if (processEnv && processEnv !== env) Object.assign(processEnv.variables, out);
  }

  private serviceExtension(activity: ServiceActivity) {
    const spec = this.scope().ctx.process.index.elements[activity.id];
    if (!spec?.service) return;
    const service = spec.service;
    // bpmn-elements calls Service as a constructor-style function with its own `this`: the runtime is captured by name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    activity.behaviour.Service = function Service() {
      return {
        execute(message: { content: { executionId: string } }, callback: (err: unknown, output?: unknown) => void) {
          const { ctx } = session.scope();
          const env = activity.environment;
          if (service.kind === 'external') {
            session.externalCallbacks.set(message.content.executionId, callback);
            return;
          }
          if (service.kind === 'decision') {
            const scope = session.scope();
            session.track(
              (async () => {
                try {
                  if (!ctx.decisions) throw new ProcessExecutionError('Valutazione delle decisioni DMN non disponibile in questo contesto');
                  const out = await ctx.decisions.run({ spec: service, elementId: activity.id, variables: structuredClone(cleanVariables(env.variables)), params: ctx.params, now: ctx.clock.now() });
                  session.publishOutputs(env, out);
                  callback(null, out);
                } catch (err) {
                  // A decision that cannot be evaluated fails the command with its own code (not a BPMN error).
                  if (err instanceof DomainError) scope.failure = scope.failure ?? err;
                  callback(err);
                }
              })(),
            );
            return;
          }
          const handler = ctx.handlers.get(service.handler);
          if (!handler) return callback(new Error(`Handler "${service.handler}" non registrato`));
          session.track(
            (async () => {
              try {
                const out = await handler.run({
                  tenant: ctx.tenant,
                  instanceId: ctx.instanceId,
                  businessKey: ctx.businessKey,
                  elementId: activity.id,
                  variables: structuredClone(cleanVariables(env.variables)),
                  params: ctx.params,
                  now: ctx.clock.now(),
                });
                if (out) session.publishOutputs(env, out);
                callback(null, out ?? {});
              } catch (err) {
                callback(err instanceof HandlerBpmnError ? Object.assign(err, { code: err.errorCode }) : err);
              }
            })(),
          );
        },
      };
    };
  }
}

interface ServiceActivity {
  id: string;
  type: string;
  behaviour: Record<string, unknown>;
  environment: { variables: Variables };
}

/**
 * Runs `command`. With `reuse` (a session from this instance's previous
 * command, at the state being passed), the command runs on that live engine;
 * otherwise the engine is rebuilt from `state`. The result's `session` is the
 * engine after the command, for the caller to keep or drop; a failed command's
 * engine is never returned.
 */
export async function runCommand(ctx: RunContext, state: object | null, command: Command, reuse?: EngineSession | null): Promise<StepResult & { session: EngineSession }> {
  const release = command.type === 'continue' ? { executionId: command.executionId, phase: command.phase } : null;
  const live = reuse instanceof LiveSession && reuse.definitionId === ctx.definitionId && command.type !== 'start' && command.type !== 'continue' ? reuse : null;
  const session = live ?? new LiveSession(ctx.definitionId, ctx, release);
  const scope = session.begin(ctx, command);
  const { engine, externalCallbacks, continuations, listener } = session;
  const index = ctx.process.index;
  let eventSubprocessSkipped = false;

  try {
    if (command.type === 'start') {
      await engine.execute({ listener, variables: { ...command.variables } } as never);
    } else {
      if (!live) {
        if (!state) throw new ProcessExecutionError('Stato del processo mancante');
        // The state is this command's own copy (parsed from the row): bpmn-engine may keep references to it.
        engine.recover(state as never);
        await engine.resume({ listener } as never);
        await settle(scope.pending);
      }
      const espFired = applyCommand(engine, command, externalCallbacks, continuations.released);
      if (espFired === false) eventSubprocessSkipped = true;
    }
    await settle(scope.pending);
  } catch (err) {
    scope.failure = scope.failure ?? (err as Error);
  }
  if (scope.failure) {
    const failure = scope.failure;
    session.end();
    // A definition that already failed is no longer executing: stop() would wait
    // forever for a 'stop' event that never comes, so only stop a running engine.
    if ((engine.execution as unknown as EngineExecution | undefined)?.isRunning) await engine.stop().catch(() => undefined);
    if (failure instanceof DomainError) throw failure;
    throw new ProcessExecutionError(`Errore nell'esecuzione del processo: ${failure.message}`);
  }

  const execution = engine.execution as unknown as EngineExecution;
  const cancelled = command.type === 'cancel';
  const running = !cancelled && execution.isRunning;
  const rawState = (await engine.getState()) as { definitions: Array<Record<string, unknown>> };
  for (const d of rawState.definitions) delete d.source;
  const timers = collectTimers(engine, ctx.clock);
  const postponed = running ? allPostponed(execution) : [];
  const waits = collectWaits(postponed, ctx.process, externalCallbacks, continuations.held);
  const variables = cleanVariables(processEnvironment(execution)?.variables ?? {});
  const env = (processEnvironment(execution) ?? engine.environment) as unknown as { resolveExpression(value: string): unknown };
  const armed = running ? armedTimers(index, scope.startedScopes, (v) => env.resolveExpression(v), ctx.clock.now()) : [];
  session.end();
  return {
    state: rawState,
    status: cancelled ? 'cancelled' : running ? 'active' : 'completed',
    variables,
    waits,
    events: scope.events,
    timers: running ? timers : [],
    continuations: postponed.flatMap((p) => {
      const held = continuations.held.get(p.executionId);
      return held ? [{ elementId: p.id, executionId: p.executionId, phase: held.phase }] : [];
    }),
    eventSubprocess: {
      armed,
      activeScopes: running ? [processScopeKey(index), ...postponed.filter((p) => p.type === 'bpmn:SubProcess' || p.type === 'bpmn:Transaction').map((p) => p.executionId)] : [],
      ...(command.type === 'fireEventSubprocess' ? { fired: !eventSubprocessSkipped } : {}),
    },
    session,
  };
}

interface PostponedApi {
  id: string;
  type: string;
  executionId: string;
  environment: { variables: Variables };
  getPostponed?(): PostponedApi[];
}

/** Every waiting element, including those inside (nested) sub-processes. */
function allPostponed(execution: EngineExecution): PostponedApi[] {
  const seen = new Map<string, PostponedApi>();
  const visit = (apis: PostponedApi[]) => {
    for (const api of apis) {
      if (seen.has(api.executionId)) continue;
      seen.set(api.executionId, api);
      if (api.type === 'bpmn:SubProcess' || api.type === 'bpmn:Transaction') visit(api.getPostponed?.() ?? []);
    }
  };
  visit(execution.getPostponed());
  return [...seen.values()];
}
interface EngineExecution {
  isRunning: boolean;
  getPostponed(): PostponedApi[];
  signal(message: Record<string, unknown>): void;
  stop(): void;
  definitions: Array<{ getProcesses(): Array<{ environment: { variables: Variables } }>; getRunningProcesses?(): Array<{ environment: { variables: Variables } }> }>;
}

/** Applies the command to the resumed engine; for fireEventSubprocess, returns whether the event sub-process ran. */
function applyCommand(engine: Engine, command: Command, externalCallbacks: Map<string, (err: unknown, output?: unknown) => void>, continued: () => boolean): boolean | void {
  const execution = engine.execution as unknown as EngineExecution;
  switch (command.type) {
    case 'signal': {
      const waiting = allPostponed(execution).find((p) => p.executionId === command.executionId);
      if (!waiting) throw new ConflictError(`L'elemento ${command.elementId} non è più in attesa: il caso è cambiato nel frattempo`, 'ELEMENT_NOT_WAITING');
      assignVariables(execution, waiting, command.variables);
      execution.signal({ id: command.elementId, executionId: command.executionId, variables: command.variables });
      return;
    }
    case 'completeExternal': {
      const callback = externalCallbacks.get(command.executionId);
      if (!callback) throw new ConflictError('Il task esterno non è più attivo', 'ELEMENT_NOT_WAITING');
      const waiting = allPostponed(execution).find((p) => p.executionId === command.executionId);
      if (waiting) assignVariables(execution, waiting, command.variables);
      externalCallbacks.delete(command.executionId);
      callback(null, command.variables);
      return;
    }
    case 'externalError': {
      const callback = externalCallbacks.get(command.executionId);
      if (!callback) throw new ConflictError('Il task esterno non è più attivo', 'ELEMENT_NOT_WAITING');
      const waiting = allPostponed(execution).find((p) => p.executionId === command.executionId);
      if (waiting) assignVariables(execution, waiting, command.variables);
      externalCallbacks.delete(command.executionId);
      callback(Object.assign(new Error(command.errorMessage ?? command.errorCode), { name: 'BpmnError', code: command.errorCode }));
      return;
    }
    case 'fireTimer': {
      const timers = registeredTimers(engine);
      if (!timers.some((t) => t.owner?.executionId === command.executionId)) {
        throw new ConflictError('Il timer non è più attivo', 'ELEMENT_NOT_WAITING');
      }
      (execution as unknown as { cancelActivity(m: object): void }).cancelActivity({ id: command.elementId, executionId: command.executionId });
      return;
    }
    case 'continue':
      // The hold was let go while the engine resumed (see async-continuations.ts).
      if (!continued()) throw new ConflictError(`L'elemento ${command.elementId} non attende più la continuazione asincrona`, 'ELEMENT_NOT_WAITING');
      return;
    case 'fireEventSubprocess': {
      const proc = execution.definitions[0]?.getProcesses()[0] as unknown as { id: string; execution?: never } | undefined;
      return fireEventSubprocess(
        proc?.execution,
        allPostponed(execution) as never,
        command.fire,
        proc?.id ?? '',
        () => registeredTimers(engine),
        (m) => (execution as unknown as { cancelActivity(m: object): void }).cancelActivity(m),
      );
    }
    case 'cancel':
      execution.stop();
      return;
    case 'start':
      return;
    default: {
      const never: never = command;
      throw new Error(`Comando sconosciuto ${JSON.stringify(never)}`);
    }
  }
}

function assignVariables(execution: EngineExecution, waiting: PostponedApi, variables: Variables) {
  const env = processEnvironment(execution);
  if (env) Object.assign(env.variables, variables);
  if (waiting.environment !== env) Object.assign(waiting.environment.variables, variables);
}

function processEnvironment(execution: EngineExecution): { variables: Variables } | undefined {
  const def = execution.definitions[0];
  return def?.getProcesses()[0]?.environment;
}

function collectWaits(postponed: PostponedApi[], process: CompiledProcess, externals: Map<string, unknown>, held: Map<string, unknown>): Wait[] {
  const waits: Wait[] = [];
  for (const p of postponed) {
    if (p.type === 'bpmn:SequenceFlow') continue; // a token in transit is not something the case waits for
    const spec = process.index.elements[p.id];
    waits.push({ kind: held.has(p.executionId) ? 'async' : kindOf(p, spec, externals), elementId: p.id, executionId: p.executionId, elementType: p.type, spec });
  }
  return waits;
}

function kindOf(p: PostponedApi, spec: ElementSpec | undefined, externals: Map<string, unknown>): WaitKind {
  if (p.type === 'bpmn:UserTask' || p.type === 'bpmn:ManualTask') return 'user';
  if (externals.has(p.executionId)) return 'external';
  if (spec?.messageName) return 'message';
  if (p.type === 'bpmn:ReceiveTask') return 'message';
  return 'other';
}

interface RegisteredTimer {
  owner?: { id?: string; executionId?: string; timerType?: string; timeDate?: string; timeDuration?: string; timeCycle?: string };
  delay: number;
}

function registeredTimers(engine: Engine): RegisteredTimer[] {
  return (engine.environment as unknown as { timers: { executing: RegisteredTimer[] } }).timers.executing;
}

function collectTimers(engine: Engine, clock: Clock): TimerRequest[] {
  const now = clock.now();
  return registeredTimers(engine)
    .filter((t) => t.owner?.id && t.owner.executionId)
    .map((t) => {
      const o = t.owner!;
      const value = o.timerType ? (o as Record<string, string | undefined>)[o.timerType] : undefined;
      return { elementId: o.id!, executionId: o.executionId!, delayMs: t.delay, timerType: o.timerType, value, dueAt: timerDueAt({ ...o, delayMs: t.delay }, now) };
    });
}

export function cleanVariables(vars: Variables): Variables {
  const out: Variables = {};
  for (const [k, v] of Object.entries(vars)) if (!ENGINE_NOISE.has(k) && typeof v !== 'function') out[k] = v;
  return out;
}

async function settle(pending: Set<Promise<unknown>>) {
  while (pending.size) await Promise.allSettled([...pending]);
}
