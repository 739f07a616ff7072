/**
 * Compile once: a definition's serialized moddle context is deserialized the
 * first time it runs in this process and reused for every later command.
 * Bounded by the number of deployed definition versions, not of instances.
 */
import * as elements from 'bpmn-elements';
import { deserialize, TypeResolver } from 'moddle-context-serializer';
import { DurableTimerEventDefinition } from './durable-timer.js';

const typeResolver = TypeResolver({ ...elements, TimerEventDefinition: DurableTimerEventDefinition } as never);
const cache = new Map<string, unknown>();

export function loadContext(definitionId: string, serialized: string): unknown {
  let ctx = cache.get(definitionId);
  if (!ctx) {
    ctx = deserialize(JSON.parse(serialized) as object, typeResolver);
    cache.set(definitionId, ctx);
  }
  return ctx;
}
