/**
 * Browser island of /modelli/{key}/modifica: the bpmn-js Modeler with the
 * Camunda 7 properties panel (bpmn-js-properties-panel, camunda-bpmn-moddle,
 * camunda-bpmn-js-behaviors). *Verifica* sends the diagram to
 * POST /api/v1/deployments/validate and shows each error and warning as a
 * marker on its element and in a list (a click selects the element);
 * *Pubblica* deploys it for the comune (POST /api/v1/deployments) and opens
 * the differences from the version it started from. The session cookie and
 * the X-CSRF-Token header authenticate the calls.
 */
import * as modelerModule from 'bpmn-js/lib/Modeler.js';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform/index.js';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import { translateModule } from './model-editor-it.js';

interface EditorData {
  key: string;
  xml: string;
  fileName: string;
  previousId: string;
  fromDefault: boolean;
  csrf: string;
}
interface Problem {
  message: string;
  elementId?: string;
  rule?: string;
}
interface Modeler {
  importXML(xml: string): Promise<unknown>;
  saveXML(opts: { format: boolean }): Promise<{ xml?: string }>;
  get(service: string): unknown;
  on(event: string, cb: (e: { newSelection?: Array<{ id: string }> }) => void): void;
}
type ModelerConstructor = new (options: Record<string, unknown>) => Modeler;
const BpmnModeler = (modelerModule as unknown as { default: ModelerConstructor }).default;

interface Overlays {
  add(id: string, type: string, overlay: { position: Record<string, number>; html: HTMLElement }): string;
  remove(filter: { type: string }): void;
}
interface Canvas {
  zoom(level: string): void;
  addMarker(id: string, marker: string): void;
  removeMarker(id: string, marker: string): void;
  scrollToElement(el: unknown): void;
}

const $ = (id: string) => document.getElementById(id);

async function main(): Promise<void> {
  const raw = $('dati-modeler');
  const container = $('modeler');
  const panel = $('pannello-proprieta');
  if (!raw || !container || !panel) return;
  const d = JSON.parse(raw.textContent ?? 'null') as EditorData;
  container.textContent = '';
  const modeler = new BpmnModeler({
    container,
    propertiesPanel: { parent: panel },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule, translateModule],
    moddleExtensions: { camunda: camundaModdle },
  });
  try {
    await modeler.importXML(d.xml);
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Non è stato possibile aprire il modello nel modeler.</p>';
    return;
  }
  const canvas = modeler.get('canvas') as Canvas;
  const overlays = modeler.get('overlays') as Overlays;
  const registry = modeler.get('elementRegistry') as { get(id: string): unknown };
  const selection = modeler.get('selection') as { select(el: unknown): void };
  canvas.zoom('fit-viewport');
  modeler.on('selection.changed', (e) => {
    container.dataset.selezionato = e.newSelection?.[0]?.id ?? '';
  });
  let marked: string[] = [];
  const verify = $('verifica') as HTMLButtonElement;
  const publish = $('pubblica') as HTMLButtonElement;
  const status = $('esito-verifica')!;

  const files = async () => {
    const { xml } = await modeler.saveXML({ format: true });
    return { name: d.key, files: [{ name: d.fileName, content: xml ?? '' }] };
  };
  const call = (path: string, body: unknown) =>
    fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': d.csrf, accept: 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });

  function show(errors: Problem[], warnings: Problem[]): void {
    overlays.remove({ type: 'problema' });
    for (const id of marked) canvas.removeMarker(id, 'con-errore');
    marked = [];
    const list = $('problemi')!;
    list.textContent = '';
    $('problemi-vuoto')!.textContent = errors.length || warnings.length ? `${errors.length} errori, ${warnings.length} avvisi.` : 'Nessun errore e nessun avviso.';
    const counts = new Map<string, { errors: number; warnings: number }>();
    for (const [p, kind] of [...errors.map((e) => [e, 'errore'] as const), ...warnings.map((w) => [w, 'avviso'] as const)]) {
      const li = document.createElement('li');
      li.className = 'mb-1';
      li.dataset.tipo = kind;
      const badge = document.createElement('span');
      badge.className = `badge ${kind === 'errore' ? 'bg-danger' : 'bg-secondary'} me-2`;
      badge.textContent = kind === 'errore' ? 'Errore' : 'Avviso';
      li.append(badge);
      const element = p.elementId ? registry.get(p.elementId) : null;
      if (element) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-link p-0 align-baseline me-1';
        button.dataset.elemento = p.elementId;
        button.textContent = p.elementId!;
        button.addEventListener('click', () => {
          selection.select(element);
          canvas.scrollToElement(element);
        });
        li.append(button);
        const c = counts.get(p.elementId!) ?? { errors: 0, warnings: 0 };
        if (kind === 'errore') c.errors++;
        else c.warnings++;
        counts.set(p.elementId!, c);
      }
      li.append(document.createTextNode(p.message));
      list.append(li);
    }
    for (const [id, c] of counts) {
      const html = document.createElement('span');
      html.className = `marcatore-problema ${c.errors ? 'marcatore-errore' : 'marcatore-avviso'}`;
      html.dataset.elemento = id;
      html.setAttribute('aria-hidden', 'true');
      html.title = `${c.errors} errori, ${c.warnings} avvisi`;
      html.textContent = String(c.errors + c.warnings);
      overlays.add(id, 'problema', { position: { top: -12, right: 12 }, html });
      if (c.errors) {
        canvas.addMarker(id, 'con-errore');
        marked.push(id);
      }
    }
  }

  function say(kind: 'success' | 'danger' | 'info' | 'warning', text: string): void {
    status.innerHTML = '';
    const div = document.createElement('div');
    div.className = `alert alert-${kind} py-2 mb-0`;
    div.textContent = text;
    status.append(div);
  }

  const onVerify = async () => {
    verify.disabled = true;
    try {
      const r = await call('/api/v1/deployments/validate', await files());
      const body = (await r.json()) as { valid?: boolean; errors?: Problem[]; warnings?: Problem[]; error?: { message: string } };
      if (!r.ok) return say('danger', body.error?.message ?? 'Non è stato possibile verificare il modello.');
      show(body.errors ?? [], body.warnings ?? []);
      say(body.valid ? 'success' : 'danger', body.valid ? 'Il modello è valido: può essere pubblicato.' : 'Il modello contiene errori: sono segnati sul diagramma e elencati qui sotto.');
    } catch {
      say('danger', 'Non è stato possibile verificare il modello: riprovare.');
    } finally {
      verify.disabled = false;
    }
  };
  verify.addEventListener('click', () => void onVerify());

  const onPublish = async () => {
    publish.disabled = true;
    try {
      const r = await call('/api/v1/deployments', await files());
      const body = (await r.json()) as { deploymentId?: string | null; definitions?: Array<{ id: string; key: string; created: boolean }>; warnings?: Problem[]; error?: { message: string; details?: { errors?: Problem[]; warnings?: Problem[] } } };
      if (r.status === 422 && body.error?.details?.errors) {
        show(body.error.details.errors, body.error.details.warnings ?? []);
        return say('danger', 'Il modello non è stato pubblicato perché contiene errori: sono segnati sul diagramma e elencati qui sotto.');
      }
      if (!r.ok) return say('danger', body.error?.message ?? 'Non è stato possibile pubblicare il modello.');
      const def = body.definitions?.find((x) => x.key === d.key);
      if (!def || !def.created) return say('info', 'Nessuna modifica da pubblicare: il modello è uguale all\'ultima versione.');
      window.location.assign(`/modelli/${encodeURIComponent(d.key)}/differenze?versione=${def.id}&rispetto=${d.previousId}&pubblicata=1`);
    } catch {
      say('danger', 'Non è stato possibile pubblicare il modello: riprovare.');
    } finally {
      publish.disabled = false;
    }
  };
  publish.addEventListener('click', () => void onPublish());
  verify.disabled = false;
  publish.disabled = false;
  container.dataset.pronto = 'true';
}

void main();
