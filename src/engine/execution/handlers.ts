/**
 * The contract of in-process service-task handlers. A handler gets a read-only
 * view of the case and returns variables to merge; it must be pure or
 * idempotent (it may run again if the command's transaction is retried).
 */
export interface HandlerContext {
  readonly tenant: string;
  readonly instanceId: string;
  readonly businessKey: string | null;
  readonly elementId: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

export type HandlerResult = Record<string, unknown> | void;

export interface ServiceHandler {
  readonly name: string;
  readonly description: string;
  /**
   * The variables run() may set (the keys of what it returns). Deploy-time
   * validation counts them as defined for `${…}` expressions of processes
   * using this handler; leave undefined when the set is not fixed.
   */
  readonly outputs?: readonly string[];
  run(ctx: HandlerContext): HandlerResult | Promise<HandlerResult>;
}

/** A BPMN error raised by a handler: caught by an error boundary event with the same code. */
export class HandlerBpmnError extends Error {
  constructor(readonly errorCode: string, message?: string) {
    super(message ?? errorCode);
    this.name = 'BpmnError';
  }
}

export class HandlerRegistry {
  private readonly byName = new Map<string, ServiceHandler>();
  constructor(handlers: readonly ServiceHandler[] = []) {
    for (const h of handlers) this.register(h);
  }
  register(handler: ServiceHandler): void {
    if (this.byName.has(handler.name)) throw new Error(`Handler duplicato: ${handler.name}`);
    this.byName.set(handler.name, handler);
  }
  get(name: string): ServiceHandler | undefined {
    return this.byName.get(name);
  }
  names(): ReadonlySet<string> {
    return new Set(this.byName.keys());
  }
  /** Declared outputs by handler name (only handlers that declare them), for CompileOptions.handlerOutputs. */
  outputs(): ReadonlyMap<string, readonly string[]> {
    return new Map([...this.byName].flatMap(([name, h]) => (h.outputs ? [[name, h.outputs] as const] : [])));
  }
}
