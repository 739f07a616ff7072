/**
 * Browser island of the task page: renders the task's form-js schema with the
 * form-js viewer, prefilled with the case's values (or the saved draft);
 * «Completa» posts the values to /api/v1/tasks/{id}/complete and shows the
 * server's 422 messages beside their fields (the values typed stay), with a
 * summary on top that links to them and takes the focus; «Salva bozza» PUTs
 * /api/v1/tasks/{id}/draft. The rules are the server's: the viewer's own
 * validation is switched off so every message is the engine's, in Italian.
 */
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';

interface IslandData {
  taskId: string;
  schema: Record<string, unknown> | null;
  data: Record<string, unknown>;
  canComplete: boolean;
  csrf: string;
}
interface FieldError {
  field: string;
  message: string;
}
interface FieldInstance {
  id: string;
  valuePath: Array<string | number>;
  indexes?: Record<string, number>;
}

/** The viewer's own texts, in Italian (those a case officer can meet). */
const IT: Record<string, string> = {
  'Add new': 'Aggiungi',
  Collapse: 'Comprimi',
  'Expand all ({value})': 'Espandi tutto ({value})',
  Search: 'Cerca',
  'No results': 'Nessun risultato',
  'Remove tag': 'Rimuovi',
  'Next page': 'Pagina successiva',
  'Previous page': 'Pagina precedente',
  '{page} of {total}': '{page} di {total}',
  'Nothing to show.': 'Niente da mostrare.',
  'No content to show.': 'Nessun contenuto.',
  'All values selected': 'Tutti i valori selezionati',
  'Skip to search': 'Vai alla ricerca',
  Increment: 'Aumenta',
  Decrement: 'Diminuisci',
  'No files selected': 'Nessun file selezionato',
  '{value} files selected': '{value} file selezionati',
  'Date and time must both be entered.': 'Inserire sia la data sia l\'ora.',
};

function translate(template: string, replacements: Record<string, string> = {}): string {
  return (IT[template] ?? template).replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}
/**
 * The server's messages per field path with the value they were about: the
 * viewer's validator (which it runs on blur and on submit) answers with them
 * until the user changes that value, so they stay beside the field.
 */
const serverErrors = new Map<string, { messages: string[]; value: string }>();
const serverValidation = {
  validateField: () => [],
  validateFieldInstance: (inst: FieldInstance, value: unknown) => {
    const e = serverErrors.get(pathOf(inst));
    return e && e.value === JSON.stringify(value ?? null) ? e.messages : [];
  },
};

const cfg = JSON.parse(document.getElementById('dati-modulo')!.textContent || '{}') as IslandData;
const container = document.getElementById('modulo-attivita');
const summary = document.getElementById('riepilogo-errori')!;
const status = document.getElementById('esito-modulo')!;
const completeButton = document.getElementById('completa') as HTMLButtonElement | null;
const draftButton = document.getElementById('salva-bozza') as HTMLButtonElement | null;

let form: Form | null = null;
if (cfg.schema && container) {
  container.textContent = '';
  form = new Form({ container, additionalModules: [{ translate: ['value', translate], validator: ['value', serverValidation] }] });
  await form.importSchema(cfg.schema, cfg.data);
  container.querySelector('form')?.setAttribute('novalidate', '');
  // Enter in a field must not complete the task: only the «Completa» button does.
  container.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault(), true);
}
if (completeButton) completeButton.disabled = false;
if (draftButton) draftButton.disabled = false;

completeButton?.addEventListener('click', () => void complete());
draftButton?.addEventListener('click', () => void saveDraft());

function values(): Record<string, unknown> {
  serverErrors.clear();
  return form ? (form.submit().data as Record<string, unknown>) : {};
}

/** What the API answers: an error body, or a draft. */
interface ApiBody {
  error?: { message?: unknown; details?: { fields?: unknown; errors?: unknown } };
  updatedAt?: string;
}

async function call(method: string, path: string, body: unknown): Promise<{ ok: boolean; status: number; body: ApiBody | null }> {
  const res = await fetch(path, { method, credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': cfg.csrf, accept: 'application/json' }, body: JSON.stringify(body) });
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    /* no body */
  }
  return { ok: res.ok, status: res.status, body: parsed as ApiBody | null };
}

async function complete(): Promise<void> {
  busy(true, 'Invio in corso…');
  try {
    const r = await call('POST', `/api/v1/tasks/${cfg.taskId}/complete`, { variables: values() });
    if (r.ok) {
      window.location.assign(`/attivita/${cfg.taskId}`);
      return;
    }
    // the form's checks answer details.fields, the completion rules details.errors: both [{field, message}]
    const details = r.status === 422 ? r.body?.error?.details : undefined;
    const fields = (Array.isArray(details?.fields) ? details.fields : Array.isArray(details?.errors) ? details.errors : []) as FieldError[];
    showErrors(fields, fields.length ? null : message(r));
  } catch {
    showErrors([], 'Non è stato possibile contattare il server: controlla la connessione e riprova.');
  } finally {
    busy(false);
  }
}

async function saveDraft(): Promise<void> {
  busy(true, 'Salvataggio della bozza…');
  try {
    const r = await call('PUT', `/api/v1/tasks/${cfg.taskId}/draft`, { data: values() });
    if (r.ok) {
      clearErrors();
      const at = new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(r.body?.updatedAt ?? Date.now())).replace(',', '');
      status.innerHTML = '';
      const box = document.createElement('div');
      box.className = 'alert alert-success mb-0';
      box.textContent = `Bozza salvata il ${at}. L'attività resta aperta.`;
      status.append(box);
    } else {
      showErrors([], message(r));
    }
  } catch {
    showErrors([], 'Non è stato possibile contattare il server: controlla la connessione e riprova.');
  } finally {
    busy(false);
  }
}

function message(r: { status: number; body: ApiBody | null }): string {
  const text = typeof r.body?.error?.message === 'string' ? r.body.error.message : 'errore imprevisto';
  if (r.status === 401) return 'La sessione è scaduta: accedi di nuovo (i dati non salvati andranno persi).';
  return `Non è stato possibile completare l'operazione: ${text}`;
}

function busy(on: boolean, text?: string) {
  for (const b of [completeButton, draftButton]) if (b) b.disabled = on;
  if (on && text) status.textContent = text;
  else if (!on && status.textContent === 'Invio in corso…') status.textContent = '';
}

/** Server field path of a form field instance: `a.b`, `list[1].c`. */
function pathOf(i: FieldInstance): string {
  return i.valuePath.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function showErrors(fields: FieldError[], general: string | null) {
  status.textContent = '';
  summary.innerHTML = '';
  const title = document.createElement('p');
  title.className = 'mb-1';
  title.innerHTML = '<strong></strong>';
  title.firstElementChild!.textContent = general ?? 'Non è stato possibile completare l\'attività: correggi i campi indicati.';
  summary.append(title);
  if (fields.length && form) {
    const instances = (form.get('formFieldInstanceRegistry') as { getAllKeyed(): FieldInstance[] }).getAllKeyed();
    const registry = form.get('formFieldRegistry') as { get(id: string): { label?: string } | undefined };
    const data = (form as unknown as { _getState(): { data: Record<string, unknown> } })._getState().data;
    const list = document.createElement('ul');
    list.className = 'mb-0';
    for (const f of fields) {
      const text = sentence(f.message);
      const inst = instances.find((i) => pathOf(i) === f.field);
      const li = document.createElement('li');
      if (inst) {
        const previous = serverErrors.get(f.field)?.messages ?? [];
        serverErrors.set(f.field, { messages: [...previous, text], value: JSON.stringify(getIn(data, inst.valuePath) ?? null) });
        const a = document.createElement('a');
        const domSuffix = `-${inst.id}${Object.values(inst.indexes ?? {}).map((n) => `_${n}`).join('')}`;
        const input = container?.querySelector<HTMLElement>(`[id^="fjs-form"][id$="${CSS.escape(domSuffix)}"]`);
        a.href = input ? `#${input.id}` : '#modulo-attivita';
        a.textContent = `${registry.get(inst.id)?.label ?? f.field}: ${text}`;
        a.addEventListener('click', (e) => {
          if (input) {
            e.preventDefault();
            input.focus();
          }
        });
        li.append(a);
      } else {
        li.textContent = `${f.field}: ${text}`;
      }
      list.append(li);
    }
    summary.append(list);
    form.validate();
  }
  summary.classList.remove('d-none');
  summary.focus();
}

function clearErrors() {
  summary.classList.add('d-none');
  summary.innerHTML = '';
  serverErrors.clear();
  form?.validate();
}

function sentence(s: string): string {
  const t = s.trim();
  return t ? `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
}

function getIn(obj: Record<string, unknown>, key: Array<string | number>): unknown {
  return key.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[String(k)] : undefined), obj);
}
