/**
 * The read-only diagram shared by the browser islands (case file, model pages,
 * SLA heatmap): the bpmn-js NavigatedViewer (pan and zoom) drawing one BPMN
 * XML, with CSS markers on elements, fitted to the viewport. The container is
 * marked `data-pronto="true"` once drawn (the browser tests wait for it).
 */
import * as navigated from 'bpmn-js/lib/NavigatedViewer.js';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

export interface OverlayPosition {
  bottom?: number;
  left?: number;
  top?: number;
  right?: number;
}
/** What the islands use of a drawn diagram. */
export interface DrawnDiagram {
  has(id: string): boolean;
  addMarker(id: string, marker: string): void;
  addOverlay(id: string, position: OverlayPosition, html: HTMLElement): void;
}

type Viewer = { importXML(xml: string): Promise<unknown>; get(service: string): unknown };
/** The ES module's default export (the package's types describe it as CommonJS under NodeNext). */
const NavigatedViewer = (navigated as unknown as { default: new (options: { container: HTMLElement }) => Viewer }).default;

interface Canvas {
  zoom(level: string): void;
  addMarker(id: string, marker: string): void;
}
interface Overlays {
  add(id: string, overlay: { position: OverlayPosition; html: HTMLElement }): void;
}

function message(container: HTMLElement, className: string, text: string): void {
  const p = document.createElement('p');
  p.className = `${className} p-3`;
  p.textContent = text;
  container.append(p);
}

/**
 * Draws `xml` in `container`, calls `decorate` (markers, overlays) and fits the
 * viewport; null (with a message in the container) when there is no XML or it
 * cannot be drawn.
 */
export async function drawDiagram(
  container: HTMLElement,
  xml: string | null,
  decorate: (diagram: DrawnDiagram) => void = () => undefined,
): Promise<DrawnDiagram | null> {
  container.textContent = '';
  if (!xml) {
    message(container, 'text-muted', 'Diagramma non disponibile.');
    return null;
  }
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(xml);
  } catch {
    message(container, 'text-danger', 'Non è stato possibile disegnare il diagramma.');
    return null;
  }
  const canvas = viewer.get('canvas') as Canvas;
  const registry = viewer.get('elementRegistry') as { get(id: string): unknown };
  const overlays = viewer.get('overlays') as Overlays;
  const diagram: DrawnDiagram = {
    has: (id) => Boolean(registry.get(id)),
    addMarker: (id, marker) => {
      if (registry.get(id)) canvas.addMarker(id, marker);
    },
    addOverlay: (id, position, html) => {
      if (registry.get(id)) overlays.add(id, { position, html });
    },
  };
  decorate(diagram);
  canvas.zoom('fit-viewport');
  container.dataset.pronto = 'true';
  return diagram;
}

/** The JSON a page put in <script type="application/json" id="…">, or null. */
export function pageData<T>(id: string): T | null {
  const el = document.getElementById(id);
  return el ? (JSON.parse(el.textContent ?? 'null') as T | null) : null;
}
