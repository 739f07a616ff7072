/**
 * Issue 10 #8: the README's examples work when followed literally. Extracts
 * the blocks marked ```sh example, starts the real server (src/main.ts, demo
 * data, on a free port and the test's own database) and runs the blocks in
 * order in one bash (set -euo pipefail; every curl uses -f, so an HTTP error
 * fails the run), then checks that each block ran to its end.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { PROJECT_ROOT, scratchDatabase, startServer, type ScratchDatabase, type ServerProcess } from './helpers/server-process.js';

const ADMIN_PASSWORD = 'readme-admin-4f7Qz';
const INPS_CALLBACK_PASSWORD = 'readme-inps-9KxW2';

export function exampleBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh example\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

let db: ScratchDatabase;
let server: ServerProcess;

test.before(async () => {
  db = await scratchDatabase('rei_readme');
  server = await startServer({
    env: { ...db.env, SEED_DEMO: 'true', ADMIN_PASSWORD, INPS_CALLBACK_PASSWORD, INPS_SIM_PORT: '0', INPS_SIM_DELAY_MS: '600000', JOB_POLL_MS: '200' },
    timeoutMs: 180_000,
  });
});

test.after(async () => {
  await server?.kill('SIGTERM');
  await db?.drop();
});

test('every "sh example" block of the README runs, in order, without an HTTP error', async () => {
  const blocks = exampleBlocks(fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'));
  assert.ok(blocks.length >= 5, `${blocks.length} example blocks`);
  assert.ok(blocks[0]!.includes('API=http://127.0.0.1:3000/api/v1'), 'the first block defines API');
  const script = [
    'set -euo pipefail',
    ...blocks.map((b, i) => `echo "@@ blocco ${i + 1}" >&2\n${b.replaceAll('127.0.0.1:3000', `127.0.0.1:${server.port}`)}`),
    'echo "@@ fine" >&2',
  ].join('\n');
  const { code, stdout, stderr } = await bash(script, { ADMIN_PASSWORD, INPS_CALLBACK_PASSWORD });
  const reached = [...stderr.matchAll(/^@@ (.*)$/gm)].map((m) => m[1]).at(-1);
  assert.is(code, 0, `stopped in ${reached} (exit ${code})\n--- stderr\n${stderr.slice(-3000)}\n--- stdout\n${stdout.slice(-3000)}`);
  assert.is(reached, 'fine');
  assert.not.match(stdout, /"error"\s*:/, 'no error body printed');
});

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test.run();
