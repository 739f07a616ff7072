/**
 * Browser island of /modelli/{key}/migrazione: moves the cases the dry run
 * found migratable, in batches (one POST /api/v1/migrations per batch, with
 * their instance ids), showing the progress and each case's result.
 */
interface RunData {
  sourceDefinitionId: string;
  targetDefinitionId: string;
  mapping: Record<string, string>;
  instanceIds: string[];
  batchSize: number;
  csrf: string;
}

function main(): void {
  const raw = document.getElementById('dati-migrazione');
  const button = document.getElementById('esegui-migrazione') as HTMLButtonElement | null;
  const bar = document.getElementById('avanzamento');
  const status = document.getElementById('esito-migrazione');
  const results = document.getElementById('risultati-migrazione');
  if (!raw || !button || !bar || !status || !results) return;
  const d = JSON.parse(raw.textContent ?? 'null') as RunData;
  const label = (id: string) => document.querySelector(`tr[data-pratica="${CSS.escape(id)}"] th`)?.textContent ?? id;
  const item = (text: string, ok: boolean) => {
    const li = document.createElement('li');
    li.className = ok ? 'text-success' : 'text-danger';
    li.textContent = text;
    results.append(li);
  };
  const run = async () => {
    button.disabled = true;
    let done = 0;
    let moved = 0;
    for (let i = 0; i < d.instanceIds.length; i += d.batchSize) {
      const batch = d.instanceIds.slice(i, i + d.batchSize);
      status.textContent = `Migrazione in corso: ${done} di ${d.instanceIds.length} pratiche…`;
      try {
        const r = await fetch('/api/v1/migrations', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': d.csrf },
          body: JSON.stringify({ sourceDefinitionId: d.sourceDefinitionId, targetDefinitionId: d.targetDefinitionId, mapping: d.mapping, dryRun: false, instanceIds: batch, batchSize: batch.length }),
        });
        const body = (await r.json()) as { migratedIds?: string[]; failed?: Array<{ processInstanceId: string; reason: string }>; error?: { message: string } };
        if (!r.ok) {
          for (const id of batch) item(`${label(id)}: non migrata (${body.error?.message ?? 'errore'})`, false);
        } else {
          for (const id of body.migratedIds ?? []) item(`${label(id)}: migrata`, true);
          for (const f of body.failed ?? []) item(`${label(f.processInstanceId)}: non migrata (${f.reason})`, false);
          moved += body.migratedIds?.length ?? 0;
        }
      } catch {
        for (const id of batch) item(`${label(id)}: non migrata (errore di rete)`, false);
      }
      done += batch.length;
      bar.style.width = `${Math.round((done / d.instanceIds.length) * 100)}%`;
      bar.setAttribute('aria-valuenow', String(done));
    }
    status.textContent = `Migrazione conclusa: ${moved} pratiche migrate su ${d.instanceIds.length}.`;
  };
  button.addEventListener('click', () => void run());
  button.disabled = false;
}

main();
