/** A HandlerContext for unit tests: the default REI parameters, Mon 2 March 2026 09:00 Rome. */
import fs from 'node:fs';
import type { HandlerContext } from '../../../src/engine/execution/handlers.js';

export function params(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync('processes/rei.params.json', 'utf8')) as Record<string, unknown>;
}

export function ctx(variables: Record<string, unknown>, opts: { params?: Record<string, unknown>; now?: string } = {}): HandlerContext {
  return { tenant: 'X001', instanceId: 'i-1', businessKey: 'REI-1', elementId: 'el', variables, params: opts.params ?? params(), now: new Date(opts.now ?? '2026-03-02T08:00:00.000Z') };
}
