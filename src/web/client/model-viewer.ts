/**
 * Browser island of the model pages: one version drawn by the bpmn-js
 * NavigatedViewer (<script id="dati-diagramma">, /modelli/{key}), or the two
 * sides of a comparison (<script id="dati-differenze">, /modelli/{key}/differenze)
 * with removed and changed elements coloured on the left, added and changed on
 * the right.
 */
import * as navigated from 'bpmn-js/lib/NavigatedViewer.js';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

type ViewerConstructor = new (options: { container: HTMLElement }) => { importXML(xml: string): Promise<unknown>; get(service: string): unknown };
const NavigatedViewer = (navigated as unknown as { default: ViewerConstructor }).default;

interface Canvas {
  zoom(level: string): void;
  addMarker(id: string, marker: string): void;
}

async function draw(container: HTMLElement, xml: string | null, markers: Array<[string[], string]>): Promise<void> {
  container.textContent = '';
  if (!xml) {
    container.innerHTML = '<p class="text-muted p-3">Diagramma non disponibile.</p>';
    return;
  }
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(xml);
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Non è stato possibile disegnare il diagramma.</p>';
    return;
  }
  const canvas = viewer.get('canvas') as Canvas;
  const registry = viewer.get('elementRegistry') as { get(id: string): unknown };
  for (const [ids, marker] of markers) for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker);
  canvas.zoom('fit-viewport');
  container.dataset.pronto = 'true';
}

function data<T>(id: string): T | null {
  const el = document.getElementById(id);
  return el ? (JSON.parse(el.textContent ?? 'null') as T | null) : null;
}

async function main(): Promise<void> {
  const single = data<{ xml: string }>('dati-diagramma');
  const one = document.getElementById('diagramma');
  if (single && one) await draw(one, single.xml, []);
  const diff = data<{ left: string | null; right: string | null; added: string[]; removed: string[]; changed: string[] }>('dati-differenze');
  const left = document.getElementById('diagramma-prima');
  const right = document.getElementById('diagramma-dopo');
  if (diff && left && right) {
    await Promise.all([
      draw(left, diff.left, [[diff.removed, 'diff-rimosso'], [diff.changed, 'diff-modificato']]),
      draw(right, diff.right, [[diff.added, 'diff-aggiunto'], [diff.changed, 'diff-modificato']]),
    ]);
  }
}

void main();
