/**
 * Browser island of /moduli/{id}: the form-js editor on the form the comune
 * uses now (from the page's JSON source), kept in sync with the «Testo JSON»
 * field the «Pubblica» form posts; «Mostra l'anteprima» draws the edited form
 * with the form-js viewer of the task page and the sample data typed as JSON.
 */
import { FormEditor } from '@bpmn-io/form-js-editor';
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js-editor/dist/assets/properties-panel.css';
import '@bpmn-io/form-js-editor/dist/assets/dragula.css';

type Schema = Record<string, unknown>;

const source = document.getElementById('sorgente-modulo') as HTMLTextAreaElement | null;
const container = document.getElementById('editor-modulo');
const previewButton = document.getElementById('mostra-anteprima') as HTMLButtonElement | null;
const preview = document.getElementById('anteprima-modulo');
const sample = document.getElementById('dati-esempio') as HTMLTextAreaElement | null;
const sampleError = document.getElementById('dati-esempio-errore');

let editor: FormEditor | null = null;
let viewer: Form | null = null;

async function main(): Promise<void> {
  if (!source || !container) return;
  let schema: Schema;
  try {
    schema = JSON.parse(source.value) as Schema;
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Il testo JSON del modulo non è valido: correggilo nel campo «Testo JSON del modulo».</p>';
    return;
  }
  container.textContent = '';
  editor = new FormEditor({ container });
  try {
    await editor.importSchema(schema);
  } catch {
    container.innerHTML = '<p class="text-danger p-3">Non è stato possibile aprire il modulo nell\'editor.</p>';
    editor = null;
    return;
  }
  editor.on('changed', sync);
  if (previewButton) previewButton.disabled = false;
  container.dataset.pronto = 'true';
}

function sync(): void {
  if (editor && source) source.value = JSON.stringify(editor.saveSchema(), null, 2);
}

async function showPreview(): Promise<void> {
  if (!preview || !sample || !sampleError) return;
  let data: Record<string, unknown>;
  try {
    const parsed = JSON.parse(sample.value || '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    data = parsed as Record<string, unknown>;
    sampleError.textContent = '';
    sample.classList.remove('is-invalid');
    sample.removeAttribute('aria-invalid');
  } catch {
    sampleError.textContent = 'I dati di esempio devono essere un oggetto JSON, es. {"nome": "Mario"}.';
    sample.classList.add('is-invalid');
    sample.setAttribute('aria-invalid', 'true');
    sample.focus();
    return;
  }
  const schema = editor ? (editor.saveSchema() as Schema) : (JSON.parse(source?.value ?? '{}') as Schema);
  viewer?.destroy();
  preview.textContent = '';
  viewer = new Form({ container: preview });
  try {
    await viewer.importSchema(schema, data);
    preview.querySelector('form')?.setAttribute('novalidate', '');
    preview.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault(), true);
    preview.dataset.pronto = 'true';
  } catch {
    preview.innerHTML = '<p class="text-danger mb-0">Non è stato possibile mostrare l\'anteprima del modulo.</p>';
  }
}

previewButton?.addEventListener('click', () => void showPreview());
void main();
