/**
 * Browser island of the model pages: one version drawn (<script
 * id="dati-diagramma">, /modelli/{key}), or the two sides of a comparison
 * (<script id="dati-differenze">, /modelli/{key}/differenze) with removed and
 * changed elements coloured on the left, added and changed on the right.
 */
import { drawDiagram, pageData } from './bpmn-viewer.js';

function marking(groups: Array<[string[], string]>) {
  return (diagram: { addMarker(id: string, marker: string): void }) => {
    for (const [ids, marker] of groups) for (const id of ids) diagram.addMarker(id, marker);
  };
}

async function main(): Promise<void> {
  const single = pageData<{ xml: string }>('dati-diagramma');
  const one = document.getElementById('diagramma');
  if (single && one) await drawDiagram(one, single.xml);
  const diff = pageData<{ left: string | null; right: string | null; added: string[]; removed: string[]; changed: string[] }>('dati-differenze');
  const left = document.getElementById('diagramma-prima');
  const right = document.getElementById('diagramma-dopo');
  if (diff && left && right) {
    await Promise.all([
      drawDiagram(left, diff.left, marking([[diff.removed, 'diff-rimosso'], [diff.changed, 'diff-modificato']])),
      drawDiagram(right, diff.right, marking([[diff.added, 'diff-aggiunto'], [diff.changed, 'diff-modificato']])),
    ]);
  }
}

void main();
