/**
 * Browser island of «Nuova domanda REI»: household rows added and removed in
 * the page (without it the same buttons post the form and the server redraws
 * it), and each codice fiscale checked as it is typed by the server's own rule
 * (POST /domande/verifica-codice-fiscale), the message beside the field.
 */
const form = document.getElementById('modulo-domanda') as HTMLFormElement | null;

function csrf(): string {
  return (form?.querySelector('input[name="_csrf"]') as HTMLInputElement | null)?.value ?? '';
}

/** Renumbers the rows' names, ids and labels after a removal so the server sees nucleo.0…n-1. */
function renumber(container: HTMLElement): void {
  container.querySelectorAll<HTMLFieldSetElement>('fieldset[data-componente]').forEach((row, i) => {
    const old = row.dataset.componente ?? '';
    if (old === String(i)) return;
    row.dataset.componente = String(i);
    row.querySelectorAll<HTMLElement>('[name],[id],[for],[aria-describedby],[value]').forEach((el) => {
      for (const attr of ['name', 'id', 'for', 'aria-describedby']) {
        const v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(`nucleo.${old}.`, `nucleo.${i}.`).replace(new RegExp(`nucleo-${old}-`, 'g'), `nucleo-${i}-`));
      }
      if (el instanceof HTMLButtonElement && el.value.startsWith('rimuovi-')) {
        el.value = `rimuovi-${i}`;
        el.textContent = `Rimuovi il componente ${i + 1}`;
      }
    });
    const legend = row.querySelector('legend');
    if (legend) legend.textContent = `Componente ${i + 1}`;
  });
}

function wireRow(row: HTMLElement, container: HTMLElement): void {
  row.querySelector<HTMLButtonElement>('[data-rimuovi]')?.addEventListener('click', (e) => {
    e.preventDefault();
    row.remove();
    renumber(container);
    document.getElementById('aggiungi-componente')?.focus();
  });
  row.querySelectorAll<HTMLInputElement>('input[data-codice-fiscale]').forEach(wireCodiceFiscale);
}

const timers = new WeakMap<HTMLInputElement, number>();
function wireCodiceFiscale(input: HTMLInputElement): void {
  const check = async () => {
    const value = input.value.trim();
    const out = document.getElementById(input.getAttribute('aria-describedby')?.split(' ')[0] ?? '');
    if (!out) return;
    if (!value) {
      out.textContent = '';
      input.classList.remove('is-invalid', 'is-valid');
      input.removeAttribute('aria-invalid');
      return;
    }
    if (value.length < 11) return;
    const body = new URLSearchParams({ _csrf: csrf(), codiceFiscale: value });
    const r = await fetch('/domande/verifica-codice-fiscale', { method: 'POST', body, headers: { 'X-CSRF-Token': csrf() }, credentials: 'same-origin' });
    if (!r.ok || input.value.trim() !== value) return;
    const res = (await r.json()) as { valid: boolean; message?: string };
    out.textContent = res.valid ? '' : res.message ?? '';
    input.classList.toggle('is-invalid', !res.valid);
    input.classList.toggle('is-valid', res.valid);
    if (res.valid) input.removeAttribute('aria-invalid');
    else input.setAttribute('aria-invalid', 'true');
  };
  input.addEventListener('input', () => {
    window.clearTimeout(timers.get(input));
    timers.set(input, window.setTimeout(() => void check(), 250));
  });
  input.addEventListener('blur', () => {
    window.clearTimeout(timers.get(input));
    void check();
  });
}

if (form) {
  const container = document.getElementById('componenti') as HTMLElement;
  const template = document.getElementById('modello-componente') as HTMLTemplateElement;
  container.querySelectorAll<HTMLElement>('fieldset[data-componente]').forEach((row) => wireRow(row, container));
  form.querySelectorAll<HTMLInputElement>('#richiedente-titolo ~ .row input[data-codice-fiscale]').forEach(wireCodiceFiscale);
  document.getElementById('aggiungi-componente')?.addEventListener('click', (e) => {
    e.preventDefault();
    const i = container.querySelectorAll('fieldset[data-componente]').length;
    const html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__n__/g, String(i + 1));
    const holder = document.createElement('div');
    holder.innerHTML = html;
    const row = holder.firstElementChild as HTMLElement;
    container.appendChild(row);
    wireRow(row, container);
    row.querySelector<HTMLInputElement>('input')?.focus();
  });
  // Enter in a field registers the application (not the first «Rimuovi» of the form).
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
      e.preventDefault();
      document.getElementById('invia-domanda')?.click();
    }
  });
  const focus = form.dataset.focus;
  if (focus) document.getElementById(focus)?.focus();
}
