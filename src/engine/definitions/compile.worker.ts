/**
 * Worker-thread entry of compile-off-thread.ts: compiles the BPMN files it is
 * sent (compileBpmn) and posts each result back under its request id.
 */
import { parentPort } from 'node:worker_threads';
import { compileBpmn, type CompileOptions } from './compile.js';

parentPort?.on('message', (msg: { id: number; xml: string; opts: CompileOptions }) => {
  compileBpmn(msg.xml, msg.opts).then(
    (result) => parentPort?.postMessage({ id: msg.id, result }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
