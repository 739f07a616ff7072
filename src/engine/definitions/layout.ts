/**
 * The diagram (BPMN DI) of a BPMN document without one, by bpmn-auto-layout:
 * used by scripts/layout-bpmn.ts to write it into hand-written models, and by
 * the case file page to draw a deployed model that has no diagram.
 * Sub-processes are laid out expanded, in the same plane as their parent.
 */
import { createRequire } from 'node:module';
import BpmnModdle, { type ModdleElement } from 'bpmn-moddle';

type Moddle = BpmnModdle & {
  create(type: string, attrs?: Record<string, unknown>): ModdleElement;
  toXML(el: ModdleElement, opts?: Record<string, unknown>): Promise<{ xml: string }>;
};

const camundaSchema = createRequire(import.meta.url)('camunda-bpmn-moddle/resources/camunda.json') as Record<string, unknown>;
const LAYOUT_PACKAGE = 'bpmn-auto-layout';

const list = (v: unknown): ModdleElement[] => (Array.isArray(v) ? (v as ModdleElement[]) : []);
const isA = (el: ModdleElement, type: string) => el.$type === type;

/** Lays out one BPMN document; returns the new XML and the problems found in the result. */
export async function layoutBpmn(xml: string): Promise<{ xml: string; problems: string[]; shapes: number; edges: number }> {
  const { layoutProcess } = (await import(LAYOUT_PACKAGE)) as { layoutProcess: (xml: string) => Promise<string> };
  const moddle = new BpmnModdle({ camunda: camundaSchema }) as Moddle;
  const { rootElement: definitions } = await moddle.fromXML(xml);
  const processes = list(definitions.rootElements).filter((r) => isA(r, 'bpmn:Process'));
  if (!processes.length) throw new Error('nessun bpmn:process nel file');

  const subProcesses: ModdleElement[] = [];
  const prepare = (container: ModdleElement) => {
    const elements = list(container.flowElements);
    for (const el of elements) {
      if (el.flowElements !== undefined || isA(el, 'bpmn:SubProcess')) {
        subProcesses.push(el);
        prepare(el);
      }
      if (!isA(el, 'bpmn:SequenceFlow')) {
        el.incoming = [];
        el.outgoing = [];
      }
    }
    for (const flow of elements.filter((el) => isA(el, 'bpmn:SequenceFlow'))) {
      (flow.sourceRef as ModdleElement).outgoing = [...list((flow.sourceRef as ModdleElement).outgoing), flow];
      (flow.targetRef as ModdleElement).incoming = [...list((flow.targetRef as ModdleElement).incoming), flow];
    }
    // bpmn-auto-layout 1.3 places a branch below the previous one even when it skipped that one (a
    // merge it reaches later): list the branches to single-entry elements first, merges last.
    const joins = (flow: ModdleElement) => (list((flow.targetRef as ModdleElement).incoming).length > 1 ? 1 : 0);
    for (const el of elements) if (Array.isArray(el.outgoing)) el.outgoing = [...list(el.outgoing)].sort((a, b) => joins(a) - joins(b));
  };
  processes.forEach(prepare);

  // bpmn-auto-layout keeps a sub-process expanded when the input DI says so.
  const plane = moddle.create('bpmndi:BPMNPlane', { id: `BPMNPlane_${processes[0]!.id}`, bpmnElement: processes[0] });
  plane.planeElement = subProcesses.map((sp) =>
    moddle.create('bpmndi:BPMNShape', { id: `${sp.id}_di`, bpmnElement: sp, isExpanded: true, bounds: moddle.create('dc:Bounds', { x: 0, y: 0, width: 100, height: 80 }) }),
  );
  definitions.diagrams = [moddle.create('bpmndi:BPMNDiagram', { id: `BPMNDiagram_${processes[0]!.id}`, plane })];
  const prepared = (await moddle.toXML(definitions, { format: true })).xml;

  const laidOut = await layoutProcess(prepared);
  return { xml: laidOut, ...(await checkDiagram(laidOut)) };
}

/** Every flow node needs a shape, every sequence flow an edge (in any plane). */
export async function checkDiagram(xml: string): Promise<{ problems: string[]; shapes: number; edges: number }> {
  const moddle = new BpmnModdle({ camunda: camundaSchema });
  const { rootElement: definitions } = await moddle.fromXML(xml);
  const withDi = new Map<unknown, ModdleElement>();
  for (const diagram of list(definitions.diagrams)) {
    for (const di of list((diagram.plane as ModdleElement | undefined)?.planeElement)) withDi.set(di.bpmnElement, di);
  }
  const problems: string[] = [];
  let shapes = 0;
  let edges = 0;
  const visit = (container: ModdleElement) => {
    for (const el of list(container.flowElements)) {
      const di = withDi.get(el);
      if (isA(el, 'bpmn:SequenceFlow')) {
        if (!di || !isA(di, 'bpmndi:BPMNEdge')) problems.push(`flusso ${el.id} senza BPMNEdge`);
        else if (list(di.waypoint).length < 2) problems.push(`flusso ${el.id}: meno di due waypoint`);
        else edges++;
        continue;
      }
      if (!di || !isA(di, 'bpmndi:BPMNShape')) problems.push(`elemento ${el.id} (${el.$type}) senza BPMNShape`);
      else shapes++;
      if (isA(el, 'bpmn:SubProcess')) visit(el);
    }
  };
  for (const proc of list(definitions.rootElements).filter((r) => isA(r, 'bpmn:Process'))) visit(proc);
  return { problems, shapes, edges };
}

