/**
 * Browser island of the case file: the process diagram with the active
 * step(s) marked `stato-attivo` (blue border) and the completed ones
 * `stato-concluso` (green). The data comes from <script id="dati-diagramma">.
 */
import { drawDiagram, pageData } from './bpmn-viewer.js';

async function main(): Promise<void> {
  const d = pageData<{ xml: string; active: string[]; completed: string[] }>('dati-diagramma');
  const container = document.getElementById('diagramma');
  if (!d || !container) return;
  await drawDiagram(container, d.xml, (diagram) => {
    for (const id of d.completed) diagram.addMarker(id, 'stato-concluso');
    for (const id of d.active) diagram.addMarker(id, 'stato-attivo');
  });
}

void main();
