/**
 * BPMN MIWG conformance files (Camunda Modeler exports and the reference set):
 * every one must be either accepted (201) or refused with readable problems
 * (422), never a server error. Deployed as the shared default (no comune), so
 * comune-specific rules (known candidate groups) do not decide the outcome;
 * their process ids are generated (Process_1h3m6w5, _8170…) and clash with no
 * other suite's keys.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';

/** Vendored with their licence (CC BY 3.0): see test/fixtures/miwg/README.md. */
const MIWG = fileURLToPath(new URL('../fixtures/miwg/', import.meta.url));

function bpmnFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return bpmnFiles(full);
      return /\.bpmn$/i.test(name) ? [full] : [];
    });
}

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

test('the MIWG conformance set is present', () => {
  const files = bpmnFiles(MIWG);
  assert.ok(files.length >= 60, `found ${files.length} .bpmn files under ${MIWG}`);
});

test('every MIWG file deploys (201) or is refused with readable errors (422), never 5xx', async () => {
  const files = bpmnFiles(MIWG);
  const failures: string[] = [];
  const split = { accepted: [] as string[], refused: [] as string[] };
  for (const file of files) {
    const rel = path.relative(MIWG, file);
    const name = path.basename(file);
    let r: { status: number; body: any };
    try {
      r = await deploy(admin, { [name]: readFileSync(file, 'utf8') });
    } catch (err) {
      failures.push(`${rel}: request failed (${(err as Error).message})`);
      continue;
    }
    if (r.status === 201) {
      const defs = r.body?.definitions;
      if (!Array.isArray(defs) || defs.length === 0) failures.push(`${rel}: 201 without definitions ${JSON.stringify(r.body)}`);
      else if (defs.some((d: { tenant: string | null; version: number }) => d.tenant !== null || !(d.version >= 1))) failures.push(`${rel}: 201 with unexpected definitions ${JSON.stringify(defs)}`);
      else split.accepted.push(rel);
    } else if (r.status === 422) {
      const err = r.body?.error;
      const errors = err?.details?.errors;
      if (typeof err?.code !== 'string' || !err.code) failures.push(`${rel}: 422 without error.code ${JSON.stringify(r.body)}`);
      else if (!Array.isArray(errors) || errors.length === 0) failures.push(`${rel}: 422 without error.details.errors ${JSON.stringify(r.body)}`);
      else if (errors.some((e: { message?: unknown }) => typeof e?.message !== 'string' || !e.message.trim())) failures.push(`${rel}: 422 with an error lacking a message ${JSON.stringify(errors)}`);
      else split.refused.push(rel);
    } else {
      failures.push(`${rel}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
  }
  assert.equal(failures, [], `${failures.length} of ${files.length} files misbehaved:\n${failures.join('\n')}`);
  assert.is(split.accepted.length + split.refused.length, files.length);
});

test('the server is still healthy after the conformance run', async () => {
  const r = await admin.get('/health');
  assert.is(r.status, 200);
  assert.is(r.body.status, 'up');
});

test.run();
