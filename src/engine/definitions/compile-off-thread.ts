/**
 * compileBpmn away from the event loop: parsing, validating and serializing a
 * large model (≈1.5–3 s for 1,500 tasks) would otherwise stop every other
 * request, /health included. Files from OFF_THREAD_BYTES up go to one worker
 * thread (started on first use, kept while the process lives, memory-bounded);
 * smaller ones compile inline, where the round trip would cost more than it
 * saves. If the worker cannot run (it crashed, or cannot be started) the file
 * is compiled inline: the result is the same, only the waiting differs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compileBpmn, type CompileOptions, type CompileResult } from './compile.js';

/** Files this size or larger are compiled in the worker (the REI model, ≈77 KB, compiles inline in ≈100 ms). */
export const OFF_THREAD_BYTES = 96 * 1024;
/** Heap of the worker: a hostile model exhausts the worker, not the server. */
const WORKER_HEAP_MB = 512;

type Pending = { resolve: (r: CompileResult) => void; reject: (e: Error) => void };
class WorkerFailed extends Error {}

interface Thread {
  worker: Worker;
  /** Compilations sent to this worker and not answered yet. */
  pending: Map<number, Pending>;
}
let thread: Thread | null = null;
let nextId = 1;

export async function compileBpmnOffThread(xml: string, opts: CompileOptions, threshold = OFF_THREAD_BYTES): Promise<CompileResult> {
  if (xml.length < threshold) return compileBpmn(xml, opts);
  try {
    return await inWorker(xml, opts);
  } catch (err) {
    if (err instanceof WorkerFailed) return compileBpmn(xml, opts);
    throw err;
  }
}

function inWorker(xml: string, opts: CompileOptions): Promise<CompileResult> {
  const t = thread ?? (thread = startWorker());
  const id = nextId++;
  return new Promise<CompileResult>((resolve, reject) => {
    t.pending.set(id, { resolve, reject });
    t.worker.ref(); // keep the process alive while a compilation is out
    try {
      t.worker.postMessage({ id, xml, opts });
    } catch (err) {
      t.pending.delete(id); // options that cannot be copied to the worker: compiled inline instead
      reject(new WorkerFailed(err instanceof Error ? err.message : String(err)));
    }
  });
}

function startWorker(): Thread {
  // Under tsx (.ts sources) the worker registers tsx's loader itself: a worker does not inherit the one of `--import`.
  const ext = path.extname(fileURLToPath(import.meta.url));
  const entry = JSON.stringify(new URL(`./compile.worker${ext}`, import.meta.url).href);
  const source = ext === '.ts' ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${entry}); })` : `import(${entry})`;
  const w = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  w.unref();
  const t: Thread = { worker: w, pending: new Map() };
  const { pending } = t;
  w.on('message', (msg: { id: number; result?: CompileResult; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (!pending.size) w.unref();
    if (msg.result) p.resolve(msg.result);
    else p.reject(new Error(msg.error ?? 'compilazione non riuscita'));
  });
  const fail = (err: unknown) => {
    if (thread === t) thread = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new WorkerFailed(err instanceof Error ? err.message : String(err)));
    }
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`worker exited (${code})`)));
  return t;
}
