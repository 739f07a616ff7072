/**
 * Runs the DMN TCK (github.com/dmn-tck/tck) through the REST API, as a user
 * would (see test/helpers/tck.ts). Prints `N passed, M failed` per compliance level.
 *
 *   npm run tck -- <TCK checkout> [--level 2|3] [--only <regex on the model folder>] [--failures]
 *
 * The server: TCK_URL (with TCK_USERNAME / TCK_PASSWORD of an admin) for a
 * running one; otherwise one is started in-process on a throw-away database
 * (DATABASE_URL's server, else in-memory PGlite), like the tests do.
 * TCK_PROGRESS=1 prints each model folder as it starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { closeSharedOrm, startTestApp, Client } from '../test/helpers/harness.js';
import { runLevel } from '../test/helpers/tck.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = args.find((a, i) => !a.startsWith('--') && !['--level', '--only'].includes(args[i - 1] ?? ''));
  if (!root) {
    console.error('uso: npm run tck -- <checkout del DMN TCK> [--level 2|3] [--only <regex>] [--failures]');
    process.exit(2);
  }
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const cases = fs.existsSync(path.join(root, 'TestCases')) ? path.join(root, 'TestCases') : root;
  const levels = (opt('--level') ? [opt('--level')!] : ['2', '3']).map((l) => `compliance-level-${l}`);
  const only = opt('--only') ? new RegExp(opt('--only')!) : null;

  let client: Client;
  let stop = async () => {};
  if (process.env.TCK_URL) {
    client = new Client(process.env.TCK_URL.replace(/\/$/, ''), process.env.TCK_USERNAME ?? 'admin');
    await client.login(process.env.TCK_PASSWORD ?? '');
  } else {
    const app = await startTestApp();
    client = await app.admin();
    stop = async () => {
      await app.close();
      await closeSharedOrm();
    };
  }
  try {
    for (const level of levels) {
      const dir = path.join(cases, level);
      if (!fs.existsSync(dir)) continue;
      const started = Date.now();
      const r = await runLevel(client, dir, only);
      if (args.includes('--failures')) for (const f of r.failures) console.log(`  FAIL ${f.model} #${f.test}: ${f.why}`);
      console.log(`${level}: ${r.passed} passed, ${r.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
