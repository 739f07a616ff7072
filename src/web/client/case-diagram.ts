/**
 * Browser island of the case file: the process diagram drawn by the bpmn-js
 * NavigatedViewer (pan and zoom) from the definition's BPMN XML, the active
 * step(s) marked `stato-attivo` (blue border) and the completed ones
 * `stato-concluso` (green). The data comes from <script id="dati-diagramma">.
 */
import * as navigated from 'bpmn-js/lib/NavigatedViewer.js';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

interface DiagramData {
  xml: string;
  active: string[];
  completed: string[];
}
type ViewerConstructor = new (options: { container: HTMLElement }) => { importXML(xml: string): Promise<unknown>; get(service: string): unknown };
/** The ES module's default export (the package's types describe it as CommonJS under NodeNext). */
const NavigatedViewer = (navigated as unknown as { default: ViewerConstructor }).default;

interface Canvas {
  zoom(level: string): void;
  addMarker(id: string, marker: string): void;
}
interface Registry {
  get(id: string): unknown;
}

async function main(): Promise<void> {
  const data = document.getElementById('dati-diagramma');
  const container = document.getElementById('diagramma');
  if (!data || !container) return;
  const d = JSON.parse(data.textContent ?? 'null') as DiagramData | null;
  if (!d) return;
  container.textContent = '';
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(d.xml);
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Non è stato possibile disegnare il diagramma.</p>';
    return;
  }
  const canvas = viewer.get('canvas') as Canvas;
  const registry = viewer.get('elementRegistry') as Registry;
  for (const id of d.completed) if (registry.get(id)) canvas.addMarker(id, 'stato-concluso');
  for (const id of d.active) if (registry.get(id)) canvas.addMarker(id, 'stato-attivo');
  canvas.zoom('fit-viewport');
  container.dataset.pronto = 'true';
}

void main();
