/**
 * Live engines kept between the commands of a case, so that the next command
 * of a case this process has just worked on skips rebuilding bpmn-engine from
 * the stored state (recover + resume: about a quarter of a step).
 *
 * Safe by construction:
 * - an entry is put only after the command's transaction has committed, with
 *   the instance row's version at that commit and the definition it ran on;
 * - `take` removes the entry, so one engine never serves two commands at once;
 *   it is used only when the instance row read in the new transaction still
 *   has that version and definition (any change by another process, or by
 *   another path in this one, bumps the version): otherwise it is dropped and
 *   the engine is rebuilt from the state as before;
 * - a command that fails, or whose transaction does not commit, never puts
 *   its engine back.
 * Bounded by memory: a live bpmn-engine is large (measured with
 * bench/engine-memory.bench.ts: about 0.3 MB plus 32 KB per model element — 0.5 MB
 * for a 7-element model, 5.7 MB for the 171 elements of the REI model), so
 * entries are weighed by that estimate and the least recently used dropped
 * beyond `capacityBytes`: memory does not grow with the number of instances.
 * Capacity 0 turns the cache off.
 */
import type { EngineSession } from './runtime.js';

interface Entry {
  version: number;
  definitionId: string;
  session: EngineSession;
  bytes: number;
}

/** Estimated heap of a live engine for a model of `elements` elements (see above). */
export function estimatedEngineBytes(elements: number): number {
  return 300 * 1024 + 32 * 1024 * elements;
}

export class EngineCache {
  private readonly entries = new Map<string, Entry>();
  readonly stats = { hits: 0, misses: 0, stale: 0, evicted: 0 };
  private bytes = 0;

  constructor(readonly capacityBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Estimated heap held by the cached engines. */
  get estimatedBytes(): number {
    return this.bytes;
  }

  /** The engine left by the instance's last command, if it is still at `version` on `definitionId`; removed from the cache. */
  take(instanceId: string, version: number, definitionId: string): EngineSession | null {
    const entry = this.entries.get(instanceId);
    if (!entry) {
      this.stats.misses++;
      return null;
    }
    this.remove(instanceId);
    if (entry.version !== version || entry.definitionId !== definitionId) {
      this.stats.stale++;
      return null;
    }
    this.stats.hits++;
    return entry.session;
  }

  /** Keeps the engine of a committed command (the instance row now at `version`). */
  put(instanceId: string, version: number, session: EngineSession): void {
    this.remove(instanceId);
    const bytes = estimatedEngineBytes(session.elements);
    if (bytes > this.capacityBytes) return;
    this.entries.set(instanceId, { version, definitionId: session.definitionId, session, bytes });
    this.bytes += bytes;
    while (this.bytes > this.capacityBytes) {
      this.remove(this.entries.keys().next().value as string);
      this.stats.evicted++;
    }
  }

  /** Drops the instance's engine (its case ended, or its command did not commit). */
  drop(instanceId: string): void {
    this.remove(instanceId);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(instanceId: string): void {
    const entry = this.entries.get(instanceId);
    if (!entry) return;
    this.entries.delete(instanceId);
    this.bytes -= entry.bytes;
  }
}
