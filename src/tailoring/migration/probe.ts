/**
 * Checks that a rewritten state can be recovered against the target
 * definition: builds a bpmn-engine on the target's compiled context, recovers
 * and resumes the state without running any handler, and reports which
 * elements are then waiting. Nothing is stored or executed for real.
 */
import { Engine } from 'bpmn-engine';
import { Timers } from 'bpmn-elements';
import type { Clock } from '../../shared/clock.js';
import { loadContext } from '../../engine/execution/context-cache.js';
import { createEngineExpressions } from '../../engine/execution/engine-expressions.js';

const NO_SCRIPTS = { register: () => undefined, getScript: () => undefined };
const SERVICE_TYPES = new Set(['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask']);

export interface ProbeResult {
  ok: boolean;
  waiting: string[];
  error?: string;
}

export async function probeState(target: { id: string; compiled: string }, state: unknown, opts: { instanceId: string; params: Record<string, unknown>; clock: Clock }): Promise<ProbeResult> {
  let failure: Error | null = null;
  // Service tasks that were waiting (external topics) resume into a behaviour that never calls back.
  const serviceTasks = (activity: { type: string; behaviour: Record<string, unknown> }) => {
    if (!SERVICE_TYPES.has(activity.type)) return;
    activity.behaviour.Service = function Service() {
      return { execute: () => undefined };
    };
  };
  try {
    const engine = new Engine({
      name: opts.instanceId,
      sourceContext: loadContext(target.id, target.compiled),
      expressions: createEngineExpressions({ params: opts.params, clock: opts.clock }),
      timers: new Timers({ setTimeout: (() => null) as unknown as typeof setTimeout, clearTimeout: () => undefined }),
      extensions: { serviceTasks },
      scripts: NO_SCRIPTS,
    } as never);
    engine.on('error', (err: Error) => {
      failure = failure ?? err;
    });
    engine.recover(structuredClone(state) as never);
    await engine.resume({} as never);
    const execution = engine.execution as unknown as { isRunning: boolean; getPostponed(): Array<{ id: string }> } | undefined;
    if (failure) return { ok: false, waiting: [], error: (failure as Error).message };
    if (!execution?.isRunning) return { ok: false, waiting: [], error: 'il processo non risulta più in esecuzione dopo il ripristino sul modello di destinazione' };
    return { ok: true, waiting: [...new Set(execution.getPostponed().map((p) => p.id))] };
  } catch (err) {
    return { ok: false, waiting: [], error: (failure ?? (err as Error)).message };
  }
}
