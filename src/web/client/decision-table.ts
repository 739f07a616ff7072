/**
 * Browser island of /decisioni/{key}: the decision's table drawn by the
 * dmn-js Viewer (read-only) from the DMN file, with the rules matched by the
 * last «Prova» marked `regola-applicata`. Data in <script id="dati-decisione">.
 */
import DmnViewer from 'dmn-js/lib/Viewer.js';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/diagram-js.css';

interface DecisionData {
  xml: string;
  decision: string;
  matched: string[];
}
interface View {
  type: string;
  element: { id: string };
}
type ViewerConstructor = new (options: { container: HTMLElement }) => { importXML(xml: string): Promise<unknown>; getViews(): View[]; open(view: View): Promise<unknown> };
/** dmn-js ships no types: src/types/dmn-js.d.ts declares the default export as unknown. */
const Viewer = DmnViewer as ViewerConstructor;

async function main(): Promise<void> {
  const data = document.getElementById('dati-decisione');
  const container = document.getElementById('tabella-dmn');
  if (!data || !container) return;
  const d = JSON.parse(data.textContent ?? 'null') as DecisionData | null;
  if (!d) return;
  container.textContent = '';
  const viewer = new Viewer({ container });
  try {
    await viewer.importXML(d.xml);
    const view = viewer.getViews().find((v) => v.element.id === d.decision && v.type !== 'drd');
    if (view) await viewer.open(view);
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Non è stato possibile disegnare la tabella.</p>';
    return;
  }
  for (const id of d.matched) {
    for (const cell of container.querySelectorAll(`[data-row-id="${CSS.escape(id)}"]`)) cell.closest('tr')?.classList.add('regola-applicata');
  }
  // the table scrolls sideways: reachable with the keyboard
  for (const scroller of container.querySelectorAll<HTMLElement>('.tjs-table-container')) {
    scroller.tabIndex = 0;
    scroller.setAttribute('role', 'region');
    scroller.setAttribute('aria-label', 'Tabella decisionale (scorrevole)');
  }
  container.dataset.pronto = 'true';
}

void main();
