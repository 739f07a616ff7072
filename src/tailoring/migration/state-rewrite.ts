/**
 * Rewrites a stored bpmn-engine state (JSON from engine.getState(), without
 * `source`) so that it can be recovered against another definition of the
 * same process: element ids follow a mapping, execution ids keep their random
 * suffix but take the new element id as prefix, and the bpmn:Definitions id
 * becomes the target file's one (bpmn-engine matches a saved definition to
 * its source by that id).
 *
 * Where ids live in a state: `id` of children, flows and broker message
 * contents (with `type` beside it), `targetId` / `sourceId` of inbound flow
 * messages, `attachedTo` of boundary events, `parent.id`, and execution ids
 * (`<safe element id>_<random>`) inside executionId fields, queue names and
 * consumer tags. Process variables and outputs are user data and are left
 * untouched.
 */

/** bpmn-elements' brokerSafeId: execution ids start with the element id with these characters replaced. */
export function brokerSafeId(id: string): string {
  return id.replace(/[./\\#*:\s]/g, '_');
}

export interface RewritePlan {
  /** Old element id → new element id, only for ids that change. */
  elementIds: ReadonlyMap<string, string>;
  /** The bpmn:Definitions id of the source and target files. */
  definitions?: { from: string; to: string };
}

export interface RewriteResult {
  state: unknown;
  /** Old execution id → new execution id (for tasks, external tasks and subscriptions). */
  executionIds: Map<string, string>;
}

/** Subtrees holding user data (variables, outputs), never rewritten. */
const USER_DATA = new Set(['environment', 'variables', 'output']);
/** Fields that hold an element id. */
const ELEMENT_REF = new Set(['id', 'targetId', 'sourceId', 'attachedTo', 'attachedToId', 'elementId']);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function rewriteState(state: unknown, plan: RewritePlan): RewriteResult {
  const executionIds = new Map<string, string>();
  const idFor = (obj: Record<string, unknown>): string | undefined => {
    const id = obj.id;
    if (typeof id !== 'string') return undefined;
    if (obj.type === 'bpmn:Definitions') return plan.definitions && id === plan.definitions.from ? plan.definitions.to : undefined;
    return plan.elementIds.get(id);
  };

  // 1. Execution ids of renamed elements, found beside their element id.
  const collect = (node: unknown, key: string | null) => {
    if (key && USER_DATA.has(key)) return;
    if (Array.isArray(node)) {
      for (const item of node) collect(item, null);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    const renamed = idFor(obj);
    if (renamed && typeof obj.executionId === 'string') {
      const oldPrefix = `${brokerSafeId(obj.id as string)}_`;
      if (obj.executionId.startsWith(oldPrefix) && !executionIds.has(obj.executionId)) {
        executionIds.set(obj.executionId, `${brokerSafeId(renamed)}_${obj.executionId.slice(oldPrefix.length)}`);
      }
    }
    for (const [k, v] of Object.entries(obj)) collect(v, k);
  };
  collect(state, null);

  // Longest first, so an iteration id (`x_abc_0`) is not half-replaced by its parent's (`x_abc`).
  const execKeys = [...executionIds.keys()].sort((a, b) => b.length - a.length);
  const rewriteString = (s: string): string => {
    const exact = executionIds.get(s);
    if (exact) return exact;
    let out = s;
    for (const k of execKeys) if (out.includes(k)) out = out.split(k).join(executionIds.get(k)!);
    return out;
  };

  // 2. A rewritten copy.
  const copy = (node: unknown, key: string | null, parent: Record<string, unknown> | null): Json => {
    if (key && USER_DATA.has(key)) return structuredClone(node) as Json;
    if (typeof node === 'string') {
      if (key && ELEMENT_REF.has(key) && parent) {
        if (key === 'id') {
          const renamed = idFor(parent);
          if (renamed) return renamed;
        } else {
          const renamed = plan.elementIds.get(node);
          if (renamed) return renamed;
        }
      }
      return execKeys.length ? rewriteString(node) : node;
    }
    if (Array.isArray(node)) return node.map((item) => copy(item, null, null));
    if (!node || typeof node !== 'object') return node as Json;
    const obj = node as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(obj)) out[execKeys.length ? rewriteString(k) : k] = copy(v, k, obj);
    return out;
  };
  return { state: copy(state, null, null), executionIds };
}

export interface ActiveElement {
  id: string;
  type: string;
  executionId: string | null;
}

/**
 * The elements that are running in a state (status set), at any depth
 * (sub-process children included). Completed elements carry no status.
 */
export function runningElements(state: unknown): ActiveElement[] {
  const found: ActiveElement[] = [];
  const seen = new Set<string>();
  const visitExecution = (execution: unknown) => {
    if (!execution || typeof execution !== 'object') return;
    const ex = execution as Record<string, unknown>;
    for (const child of (Array.isArray(ex.children) ? ex.children : []) as Array<Record<string, unknown>>) {
      if (child && typeof child.id === 'string' && typeof child.status === 'string') {
        const key = `${child.id}|${String(child.executionId ?? '')}`;
        if (!seen.has(key)) {
          seen.add(key);
          found.push({ id: child.id, type: String(child.type ?? ''), executionId: typeof child.executionId === 'string' ? child.executionId : null });
        }
      }
      if (child?.execution) visitExecution(child.execution);
    }
    for (const sub of (Array.isArray(ex.processes) ? ex.processes : []) as Array<Record<string, unknown>>) if (sub?.execution) visitExecution(sub.execution);
  };
  const root = state as { definitions?: Array<{ execution?: unknown }> } | null;
  for (const d of root?.definitions ?? []) visitExecution(d.execution);
  return found;
}

/** The bpmn:Definitions id of a serialized moddle context (ProcessDefinition.compiled). */
export function definitionsIdOf(serializedContext: string): string | undefined {
  try {
    const ctx = JSON.parse(serializedContext) as { id?: unknown };
    return typeof ctx.id === 'string' ? ctx.id : undefined;
  } catch {
    return undefined;
  }
}

/** The bpmn:Definitions id a stored state refers to. */
export function stateDefinitionsId(state: unknown): string | undefined {
  const id = (state as { definitions?: Array<{ id?: unknown }> } | null)?.definitions?.[0]?.id;
  return typeof id === 'string' ? id : undefined;
}
