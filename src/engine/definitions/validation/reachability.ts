/**
 * Rule `unreachable`: every flow node must be reachable along sequence flows
 * from a start of its own container. Starts are the container's start events,
 * or — when it has none — the nodes without incoming flows (BPMN's implicit
 * start). Also reachable: event sub-processes and their start events
 * (whenever the enclosing container runs), boundary events of a reachable
 * activity, link catch events whose throw is reachable, compensation handlers
 * (started by compensation, not by flows) and every child of an ad-hoc
 * sub-process. A reachable sub-process is checked the same way inside; an
 * unreachable one is reported once, not with each of its children.
 */
import type { ModdleElement } from 'bpmn-moddle';
import type { Findings } from './findings.js';
import { eventDefinitions, flowElements, isA, label, text } from './walk.js';

export function checkReachability(proc: ModdleElement, out: Findings): void {
  visit(proc, out, 0);
}

function visit(container: ModdleElement, out: Findings, depth: number): void {
  if (depth > 100) return;
  const elements = flowElements(container);
  const nodes = elements.filter((el) => isA(el, 'bpmn:FlowNode'));
  const flows = elements.filter((el) => isA(el, 'bpmn:SequenceFlow'));
  const next = new Map<ModdleElement, ModdleElement[]>();
  const link = (from: unknown, to: unknown) => {
    if (!from || !to) return;
    const k = from as ModdleElement;
    next.set(k, [...(next.get(k) ?? []), to as ModdleElement]);
  };
  const hasIncoming = new Set<unknown>();
  for (const f of flows) {
    link(f.sourceRef, f.targetRef);
    hasIncoming.add(f.targetRef);
  }
  const linkCatches = new Map<string, ModdleElement[]>();
  for (const n of nodes) {
    if (isA(n, 'bpmn:BoundaryEvent')) link(n.attachedToRef, n);
    const name = linkName(n);
    if (name && isA(n, 'bpmn:IntermediateCatchEvent')) linkCatches.set(name, [...(linkCatches.get(name) ?? []), n]);
  }
  for (const n of nodes) {
    const name = linkName(n);
    if (name && isA(n, 'bpmn:IntermediateThrowEvent')) for (const c of linkCatches.get(name) ?? []) link(n, c);
  }

  const adHoc = isA(container, 'bpmn:AdHocSubProcess');
  const isEventSub = (n: ModdleElement) => isA(n, 'bpmn:SubProcess') && n.triggeredByEvent === true;
  const alwaysOn = (n: ModdleElement) => adHoc || isEventSub(n) || n.isForCompensation === true;
  const starts = nodes.filter((n) => isA(n, 'bpmn:StartEvent'));
  const implicit = starts.length
    ? []
    : nodes.filter((n) => !hasIncoming.has(n) && !isA(n, 'bpmn:BoundaryEvent') && !(linkName(n) && isA(n, 'bpmn:IntermediateCatchEvent')));

  const reached = new Set<ModdleElement>();
  const queue = [...starts, ...implicit, ...nodes.filter(alwaysOn)];
  while (queue.length) {
    const n = queue.pop()!;
    if (reached.has(n)) continue;
    reached.add(n);
    queue.push(...(next.get(n) ?? []));
  }

  for (const n of nodes) {
    if (!reached.has(n)) {
      out.error('unreachable', n.id, `L'elemento ${label(n)} (${n.$type.replace(/^bpmn:/, '')}) non è raggiungibile: nessun percorso lo collega a un evento di inizio${depth ? ' del suo sotto-processo' : ''}`);
    } else if (isA(n, 'bpmn:SubProcess')) {
      visit(n, out, depth + 1);
    }
  }
}

function linkName(n: ModdleElement): string | undefined {
  const def = eventDefinitions(n, 'bpmn:LinkEventDefinition')[0];
  return def ? (text(def.name) ?? '') : undefined;
}
