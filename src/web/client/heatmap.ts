/**
 * Browser island of the SLA heatmap: the process diagram, each step coloured
 * by lateness (markers `calore-basso`, `calore-medio`, `calore-alto`) with an
 * overlay giving open and overdue tasks and the median duration. Data from
 * <script id="dati-mappa">.
 */
import { drawDiagram, pageData } from './bpmn-viewer.js';

interface HeatStep {
  id: string;
  open: number;
  overdue: number;
  median: string;
  level: 'basso' | 'medio' | 'alto';
}

async function main(): Promise<void> {
  const d = pageData<{ xml: string; steps: HeatStep[] }>('dati-mappa');
  const container = document.getElementById('diagramma');
  if (!d || !container) return;
  await drawDiagram(container, d.xml, (diagram) => {
    for (const s of d.steps) {
      if (!diagram.has(s.id)) continue;
      diagram.addMarker(s.id, `calore-${s.level}`);
      const box = document.createElement('div');
      box.className = `calore-etichetta calore-etichetta-${s.level}`;
      box.dataset.passo = s.id;
      box.textContent = `${s.open} aperte · ${s.overdue} scadute\nmediana ${s.median}`;
      diagram.addOverlay(s.id, { bottom: -4, left: 0 }, box);
    }
  });
}

void main();
