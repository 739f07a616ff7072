/**
 * Moves running instances from one version of a process to another (e.g. from
 * the shared default to a comune's override, or to a newer version).
 *
 * An instance can move when the target is the same process key, is visible to
 * its comune (shared or its own), and every element it is waiting in maps
 * (by the given mapping, else by the same id) to an element of the same type
 * in the target. Moving it: rewrite its stored engine state to the target's
 * element ids (state-rewrite.ts), check that the state recovers on the target
 * (probe.ts), switch definition and version, and re-point its open tasks,
 * external tasks and message subscriptions (ids, assignee and due dates kept).
 * Each instance moves in its own transaction, with the instance row's
 * optimistic version check; a failure is reported and leaves it untouched.
 */
import type { Clock } from '../../shared/clock.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import type { DefinitionRecord, EngineStore, EngineTx, InstanceRecord, InstanceRef, TenantScope } from '../../engine/store.js';
import { definitionsIdOf, rewriteState, runningElements, stateDefinitionsId } from './state-rewrite.js';
import { probeState } from './probe.js';

export interface MigrationRequest {
  source: DefinitionRecord;
  target: DefinitionRecord;
  /** Old element id → new element id; unmapped elements keep their id. */
  mapping: Record<string, string>;
  /** null = every comune (metropolitan analyst, admin). */
  scope: TenantScope;
  instanceIds?: string[];
  batchSize: number;
}

export interface InstanceReport {
  processInstanceId: string;
  businessKey: string | null;
  tenant: string | null;
  activeElements: string[];
  canMigrate: boolean;
  reasons: string[];
}

export interface MigrationResult {
  migrated: number;
  migratedIds: string[];
  failed: Array<{ processInstanceId: string; reason: string }>;
}

/** Problems with the mapping itself (unknown ids), reported before touching any instance. */
export function mappingProblems(source: DefinitionRecord, target: DefinitionRecord, mapping: Record<string, string>): Array<{ field: string; message: string }> {
  const from = indexOf(source).elements;
  const to = indexOf(target).elements;
  const problems: Array<{ field: string; message: string }> = [];
  for (const [oldId, newId] of Object.entries(mapping)) {
    if (!from[oldId]) problems.push({ field: `mapping.${oldId}`, message: `l'elemento "${oldId}" non esiste nella definizione di origine` });
    if (!to[newId]) problems.push({ field: `mapping.${oldId}`, message: `l'elemento "${newId}" non esiste nella definizione di destinazione` });
  }
  return problems;
}

export class MigrationService {
  constructor(private readonly deps: { store: EngineStore; clock: Clock }) {}

  async dryRun(req: MigrationRequest): Promise<InstanceReport[]> {
    const reports: InstanceReport[] = [];
    await this.eachInstance(req, async (ref) => {
      const report = await this.deps.store.transaction(async (tx) => {
        const instance = await tx.instance(ref.id, req.scope);
        if (!instance) return notFound(ref.id);
        const plan = planFor(instance, req);
        if (plan.reasons.length === 0) {
          const prepared = prepare(instance, req, plan);
          const probe = await this.probe(req.target, instance, prepared.state, plan);
          if (probe) plan.reasons.push(probe);
        }
        return toReport(instance, plan);
      });
      reports.push(report);
    }, (id) => reports.push(notFound(id)));
    return reports;
  }

  async execute(req: MigrationRequest, actor: { username: string }): Promise<MigrationResult> {
    const result: MigrationResult = { migrated: 0, migratedIds: [], failed: [] };
    await this.eachInstance(req, async (ref) => {
      try {
        await this.deps.store.transaction((tx) => this.migrateOne(tx, ref.id, req, actor));
        result.migrated++;
        result.migratedIds.push(ref.id);
      } catch (err) {
        result.failed.push({ processInstanceId: ref.id, reason: (err as Error).message });
      }
    }, (id) => result.failed.push({ processInstanceId: id, reason: notFound(id).reasons[0] }));
    return result;
  }

  private async migrateOne(tx: EngineTx, id: string, req: MigrationRequest, actor: { username: string }): Promise<void> {
    const instance = await tx.instance(id, req.scope);
    if (!instance) throw new MigrationRefused(notFound(id).reasons[0]);
    const plan = planFor(instance, req);
    if (plan.reasons.length) throw new MigrationRefused(plan.reasons.join('; '));
    const { state, executionIds } = prepare(instance, req, plan);
    const probe = await this.probe(req.target, instance, state, plan);
    if (probe) throw new MigrationRefused(probe);

    const target = indexOf(req.target).elements;
    const now = this.deps.clock.now();
    const mapId = (elementId: string) => plan.renames.get(elementId) ?? elementId;
    const mapExec = (executionId: string) => executionIds.get(executionId) ?? executionId;
    const work = await tx.openWork(instance.id);
    for (const task of work.tasks) {
      const elementId = mapId(task.elementId);
      Object.assign(task, { elementId, executionId: mapExec(task.executionId), name: target[elementId]?.name ?? task.name });
    }
    for (const ext of work.externalTasks) Object.assign(ext, { elementId: mapId(ext.elementId), executionId: mapExec(ext.executionId) });
    for (const sub of work.subscriptions) {
      const elementId = mapId(sub.elementId);
      Object.assign(sub, { elementId, executionId: mapExec(sub.executionId), name: target[elementId]?.messageName ?? sub.name });
    }
    const from = { definitionId: instance.definitionId, version: instance.definitionVersion, tenant: req.source.tenant };
    Object.assign(instance, {
      definitionId: req.target.id,
      definitionVersion: req.target.version,
      state,
      activeElements: [...new Set(instance.activeElements.map(mapId))],
      updatedAt: now,
    });
    tx.addHistory({
      tenant: instance.tenant,
      instanceId: instance.id,
      at: now,
      type: 'process.migrated',
      userName: actor.username,
      details: { from, to: { definitionId: req.target.id, version: req.target.version, tenant: req.target.tenant }, mapping: plan.applied },
    });
  }

  /** The state must recover on the target with the expected elements waiting; returns the reason when it does not. */
  private async probe(target: DefinitionRecord, instance: InstanceRecord, state: unknown, plan: Plan): Promise<string | null> {
    const probe = await probeState(target, state, { instanceId: instance.id, params: instance.params, clock: this.deps.clock });
    if (!probe.ok) return `lo stato dell'istanza non si ripristina sul modello di destinazione: ${probe.error}`;
    const expected = instance.activeElements.map((id) => plan.renames.get(id) ?? id);
    const missing = expected.filter((id) => !probe.waiting.includes(id));
    return missing.length ? `dopo la migrazione non risulterebbero in attesa: ${missing.join(', ')}` : null;
  }

  /** Active instances of the source in scope, in batches (ids ascending); `missing` gets requested ids that are not among them. */
  private async eachInstance(req: MigrationRequest, each: (ref: InstanceRef) => Promise<void>, missing: (id: string) => void): Promise<void> {
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.transaction((tx) => tx.activeInstanceRefs({ definitionId: req.source.id, scope: req.scope, ids: req.instanceIds, after, limit: req.batchSize }));
      for (const ref of page) {
        seen.add(ref.id);
        await each(ref);
      }
      if (page.length < req.batchSize) break;
      after = page[page.length - 1].id;
    }
    for (const id of new Set(req.instanceIds ?? [])) if (!seen.has(id)) missing(id);
  }
}

class MigrationRefused extends Error {}

interface Plan {
  active: string[];
  reasons: string[];
  /** Element ids that change (old → new). */
  renames: Map<string, string>;
  /** The mapping entries that applied to this instance's active elements. */
  applied: Record<string, string>;
}

function planFor(instance: InstanceRecord, req: MigrationRequest): Plan {
  const source = indexOf(req.source).elements;
  const target = indexOf(req.target).elements;
  const renames = new Map(Object.entries(req.mapping).filter(([a, b]) => a !== b));
  const reasons: string[] = [];
  if (instance.status !== 'active') reasons.push(`l'istanza non è attiva (${instance.status})`);
  if (instance.definitionId !== req.source.id) reasons.push("l'istanza non appartiene alla definizione di origine");
  if (req.target.key !== req.source.key) reasons.push(`la destinazione è un altro processo (${req.target.key}, non ${req.source.key})`);
  if (req.target.tenant && req.target.tenant !== instance.tenant) reasons.push(`la definizione di destinazione è del comune ${req.target.tenant}, l'istanza del comune ${instance.tenant}`);
  if (!instance.state) reasons.push("lo stato di esecuzione dell'istanza manca");

  const running = instance.state ? runningElements(instance.state) : [];
  const active = [...new Set([...instance.activeElements, ...running.map((r) => r.id)])];
  const applied: Record<string, string> = {};
  for (const id of active) {
    const mapped = req.mapping[id] ?? id;
    if (req.mapping[id] !== undefined) applied[id] = mapped;
    const was = source[id];
    const now = target[mapped];
    if (!now) {
      reasons.push(
        req.mapping[id] !== undefined
          ? `l'elemento "${id}" è mappato su "${mapped}", che non esiste nel modello di destinazione`
          : `l'elemento in attesa "${id}"${was?.name ? ` (${was.name})` : ''} non esiste nel modello di destinazione: indicarne la mappatura`,
      );
    } else if (was && now.type !== was.type) {
      reasons.push(`l'elemento in attesa "${id}" è ${was.type}, mentre "${mapped}" nel modello di destinazione è ${now.type}`);
    }
  }
  return { active, reasons, renames, applied };
}

function prepare(instance: InstanceRecord, req: MigrationRequest, plan: Plan) {
  const fromDefs = stateDefinitionsId(instance.state);
  const toDefs = definitionsIdOf(req.target.compiled);
  return rewriteState(instance.state, { elementIds: plan.renames, definitions: fromDefs && toDefs && fromDefs !== toDefs ? { from: fromDefs, to: toDefs } : undefined });
}

function toReport(instance: InstanceRecord, plan: Plan): InstanceReport {
  return { processInstanceId: instance.id, businessKey: instance.businessKey, tenant: instance.tenant, activeElements: plan.active, canMigrate: plan.reasons.length === 0, reasons: plan.reasons };
}

function notFound(id: string): InstanceReport {
  return { processInstanceId: id, businessKey: null, tenant: null, activeElements: [], canMigrate: false, reasons: ["istanza non trovata tra le istanze attive della definizione di origine visibili all'utente"] };
}

function indexOf(def: DefinitionRecord): ModelIndex {
  return def.modelIndex as ModelIndex;
}
