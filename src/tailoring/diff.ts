/**
 * What differs between two deployed versions of a process (typically a
 * comune's override and the shared default): elements added, removed and
 * changed (with each differing property), and the parameter values each side
 * runs with. Element facts come from the stored model index; timers, flow
 * wiring, boundary attachment and gateway defaults come from the stored BPMN
 * source (parsed here with bpmn-moddle, so compile.ts is left alone).
 */
import { createRequire } from 'node:module';
import BpmnModdle, { type ModdleElement } from 'bpmn-moddle';
import type { ElementSpec, ModelIndex } from '../engine/definitions/model.js';

const camundaSchema = createRequire(import.meta.url)('camunda-bpmn-moddle/resources/camunda.json') as Record<string, unknown>;

/** The compared properties of one element, in display order. */
export const DIFF_PROPERTIES = [
  'type',
  'name',
  'assignee',
  'candidateGroups',
  'candidateUsers',
  'formKey',
  'dueDate',
  'followUpDate',
  'priority',
  'topic',
  'handler',
  'message',
  'timer',
  'condition',
  'sourceRef',
  'targetRef',
  'attachedTo',
  'default',
] as const;
export type DiffProperty = (typeof DIFF_PROPERTIES)[number];

export type ElementFacts = { id: string } & Partial<Record<DiffProperty, string>>;

export interface ElementRef {
  elementId: string;
  type: string;
  name: string | null;
}

export interface PropertyChange {
  property: DiffProperty;
  from: string | null;
  to: string | null;
}

export interface ElementChange extends ElementRef {
  changes: PropertyChange[];
}

export interface ParameterChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface ModelDiff {
  added: ElementRef[];
  removed: ElementRef[];
  changed: ElementChange[];
}

export interface DiffInput {
  modelIndex: unknown;
  /** BPMN XML as deployed; optional (without it timers and wiring are not compared). */
  source?: string | null;
}

/** Facts per element id, from the model index plus what only the source has. */
export async function describeModel(input: DiffInput): Promise<Map<string, ElementFacts>> {
  const index = input.modelIndex as ModelIndex;
  const facts = new Map<string, ElementFacts>();
  for (const spec of Object.values(index?.elements ?? {})) facts.set(spec.id, fromSpec(spec));
  if (input.source) {
    const extra = await fromSource(input.source, index?.processId);
    for (const [id, more] of extra) {
      const f = facts.get(id);
      if (f) Object.assign(f, more);
    }
  }
  return facts;
}

/** `base` is the reference (the `against` side): added = only in `other`, removed = only in `base`, changes go from base to other. */
export function diffModels(base: Map<string, ElementFacts>, other: Map<string, ElementFacts>): ModelDiff {
  const ref = (f: ElementFacts): ElementRef => ({ elementId: f.id, type: f.type ?? '', name: f.name ?? null });
  const added: ElementRef[] = [];
  const removed: ElementRef[] = [];
  const changed: ElementChange[] = [];
  for (const [id, f] of other) if (!base.has(id)) added.push(ref(f));
  for (const [id, f] of base) if (!other.has(id)) removed.push(ref(f));
  for (const [id, to] of other) {
    const from = base.get(id);
    if (!from) continue;
    const changes: PropertyChange[] = [];
    for (const property of DIFF_PROPERTIES) {
      const a = from[property] ?? null;
      const b = to[property] ?? null;
      if (a !== b) changes.push({ property, from: a, to: b });
    }
    if (changes.length) changed.push({ ...ref(to), changes });
  }
  return { added: added.sort(byElement), removed: removed.sort(byElement), changed: changed.sort(byElement) };
}

/** Stable order (stored model indexes do not keep document order): flow nodes first, then sequence flows, each by id. */
function byElement(a: ElementRef, b: ElementRef): number {
  const flow = (r: ElementRef) => (r.type === 'bpmn:SequenceFlow' ? 1 : 0);
  return flow(a) - flow(b) || (a.elementId < b.elementId ? -1 : a.elementId > b.elementId ? 1 : 0);
}

/** Leaf-by-leaf differences between two parameter objects (objects are walked, arrays and scalars compared whole). */
export function diffParameters(base: Record<string, unknown> | null, other: Record<string, unknown> | null): ParameterChange[] {
  const a = flatten(base ?? {});
  const b = flatten(other ?? {});
  const out: ParameterChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.has(path) ? a.get(path) : null;
    const to = b.has(path) ? b.get(path) : null;
    if (JSON.stringify(from) !== JSON.stringify(to)) out.push({ path, from, to });
  }
  return out;
}

function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) flatten(v as Record<string, unknown>, path, out);
    else out.set(path, v);
  }
  return out;
}

function fromSpec(spec: ElementSpec): ElementFacts {
  const f: ElementFacts = { id: spec.id, type: spec.type };
  if (spec.name) f.name = spec.name;
  const ut = spec.userTask;
  if (ut) {
    if (ut.assignee) f.assignee = ut.assignee;
    if (ut.candidateGroups) f.candidateGroups = normaliseList(ut.candidateGroups);
    if (ut.candidateUsers) f.candidateUsers = normaliseList(ut.candidateUsers);
    if (ut.formKey) f.formKey = ut.formKey;
    if (ut.dueDate) f.dueDate = ut.dueDate;
    if (ut.followUpDate) f.followUpDate = ut.followUpDate;
    if (ut.priority) f.priority = ut.priority;
  }
  if (spec.service?.kind === 'external') f.topic = spec.service.topic;
  if (spec.service?.kind === 'handler') f.handler = spec.service.handler;
  if (spec.messageName) f.message = spec.messageName;
  if (spec.condition) f.condition = spec.condition;
  return f;
}

/** "a, b" and "a,b" are the same list; expressions are left as written. */
function normaliseList(v: string): string {
  return /[$#]\{/.test(v) ? v.trim() : v.split(',').map((s) => s.trim()).filter(Boolean).join(',');
}

async function fromSource(xml: string, processId: string | undefined): Promise<Map<string, Partial<ElementFacts>>> {
  const out = new Map<string, Partial<ElementFacts>>();
  let root: ModdleElement;
  try {
    root = (await new BpmnModdle({ camunda: camundaSchema }).fromXML(xml)).rootElement;
  } catch {
    return out;
  }
  const processes = ((root.rootElements as ModdleElement[] | undefined) ?? []).filter((r) => r.$type === 'bpmn:Process');
  const proc = processes.find((p) => p.id === processId) ?? processes.find((p) => p.isExecutable === true);
  if (!proc) return out;
  const visit = (container: ModdleElement) => {
    for (const el of (container.flowElements as ModdleElement[] | undefined) ?? []) {
      const f: Partial<ElementFacts> = {};
      const timer = timerOf(el);
      if (timer) f.timer = timer;
      const src = (el.sourceRef as ModdleElement | undefined)?.id;
      const tgt = (el.targetRef as ModdleElement | undefined)?.id;
      if (el.$type === 'bpmn:SequenceFlow') {
        if (src) f.sourceRef = src;
        if (tgt) f.targetRef = tgt;
      }
      const attached = (el.attachedToRef as ModdleElement | undefined)?.id;
      if (attached) f.attachedTo = attached;
      const dflt = (el.default as ModdleElement | undefined)?.id;
      if (dflt) f.default = dflt;
      if (el.id) out.set(el.id, f);
      if (el.flowElements) visit(el);
    }
  };
  visit(proc);
  return out;
}

/** "timeDuration: P3D", "timeDate: …" or "timeCycle: R3/PT1H" of a timer event. */
function timerOf(el: ModdleElement): string | undefined {
  const def = ((el.eventDefinitions as ModdleElement[] | undefined) ?? []).find((d) => d.$type === 'bpmn:TimerEventDefinition');
  if (!def) return undefined;
  for (const kind of ['timeDuration', 'timeDate', 'timeCycle'] as const) {
    const body = (def[kind] as ModdleElement | undefined)?.body;
    if (typeof body === 'string' && body.trim()) return `${kind}: ${body.trim()}`;
  }
  return 'timer';
}
