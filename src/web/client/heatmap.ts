/**
 * Browser island of the SLA heatmap: the process diagram drawn by the bpmn-js
 * NavigatedViewer, each step coloured by lateness (markers `calore-basso`,
 * `calore-medio`, `calore-alto`) with an overlay giving open and overdue
 * tasks and the median duration. Data from <script id="dati-mappa">.
 */
import * as navigated from 'bpmn-js/lib/NavigatedViewer.js';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

interface HeatStep {
  id: string;
  open: number;
  overdue: number;
  median: string;
  level: 'basso' | 'medio' | 'alto';
}
interface HeatData {
  xml: string;
  steps: HeatStep[];
}
type ViewerConstructor = new (options: { container: HTMLElement }) => { importXML(xml: string): Promise<unknown>; get(service: string): unknown };
const NavigatedViewer = (navigated as unknown as { default: ViewerConstructor }).default;

interface Canvas {
  zoom(level: string): void;
  addMarker(id: string, marker: string): void;
}
interface Registry {
  get(id: string): unknown;
}
interface Overlays {
  add(id: string, overlay: { position: { bottom?: number; left?: number; top?: number; right?: number }; html: HTMLElement }): void;
}

async function main(): Promise<void> {
  const data = document.getElementById('dati-mappa');
  const container = document.getElementById('diagramma');
  if (!data || !container) return;
  const d = JSON.parse(data.textContent ?? 'null') as HeatData | null;
  if (!d) return;
  container.textContent = '';
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(d.xml);
  } catch {
    const p = document.createElement('p');
    p.className = 'text-danger p-3';
    p.textContent = 'Non è stato possibile disegnare il diagramma.';
    container.append(p);
    return;
  }
  const canvas = viewer.get('canvas') as Canvas;
  const registry = viewer.get('elementRegistry') as Registry;
  const overlays = viewer.get('overlays') as Overlays;
  for (const s of d.steps) {
    if (!registry.get(s.id)) continue;
    canvas.addMarker(s.id, `calore-${s.level}`);
    const box = document.createElement('div');
    box.className = `calore-etichetta calore-etichetta-${s.level}`;
    box.dataset.passo = s.id;
    box.textContent = `${s.open} aperte · ${s.overdue} scadute\nmediana ${s.median}`;
    overlays.add(s.id, { position: { bottom: -4, left: 0 }, html: box });
  }
  canvas.zoom('fit-viewport');
  container.dataset.pronto = 'true';
}

void main();
