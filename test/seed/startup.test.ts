/**
 * Issue 10 #17: safe defaults. The server listens on 127.0.0.1 unless HOST
 * says otherwise, seeds the demo only when asked, refuses to start in
 * production on a demo-grade configuration (one line per reason, non-zero
 * exit), and keeps the INPS callback account's password across restarts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig, productionProblems } from '../../src/config.js';
import { ensureInpsCallbackUser, storedCallbackPassword } from '../../src/integrations/inps/callback-user.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { User } from '../../src/db/entities/index.js';
import { sharedOrm } from '../helpers/harness.js';
import { ManualClock } from '../../src/shared/clock.js';
import { PROJECT_ROOT } from '../helpers/server-process.js';

const KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const NO_KEYS = { DATA_DIR: '/nonexistent/rei-data' };

test('defaults: listen on 127.0.0.1, no demo, no simulator; HOST and SEED_DEMO when set', () => {
  const c = loadConfig({});
  assert.equal([c.host, c.seedDemo, c.inpsSim, c.jwtPrivateKey], ['127.0.0.1', false, false, null]);
  const d = loadConfig({ HOST: '0.0.0.0', SEED_DEMO: 'true' });
  assert.equal([d.host, d.seedDemo, d.inpsSim], ['0.0.0.0', true, true]);
});

test('production: one reason per demo-grade setting; none for a proper configuration', () => {
  assert.equal(productionProblems(loadConfig({ SEED_DEMO: 'true' })), [], 'not production: anything goes');
  const bad = productionProblems(loadConfig({ ...NO_KEYS, NODE_ENV: 'production', SEED_DEMO: 'true', INPS_SIM: 'true' }));
  assert.is(bad.length, 4);
  assert.match(bad[0]!, /SEED_DEMO=true/);
  assert.match(bad[1]!, /JWT_PRIVATE_KEY non impostata/);
  assert.match(bad[2]!, /TRUST_PROXY/);
  assert.match(bad[3]!, /INPS_SIM/);
  assert.equal(productionProblems(loadConfig({ ...NO_KEYS, NODE_ENV: 'production', JWT_PRIVATE_KEY: KEY, INPS_URL: 'https://inps.example.it', TRUST_PROXY: 'true' })), []);
  assert.equal([loadConfig({}).trustProxy, loadConfig({ TRUST_PROXY: 'true' }).trustProxy], [false, true]);
});

test('NODE_ENV=production with demo users, no secret and the simulator: the server refuses to start, says why, exits non-zero', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', SEED_DEMO: 'true', INPS_SIM: 'true', PORT: '0', DATA_DIR: 'memory://' };
  delete env.JWT_PRIVATE_KEY;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.is.not(code, 0);
  const lines = err.trim().split('\n').filter((l) => l.startsWith('Avvio rifiutato'));
  assert.is(lines.length, 4, err);
  assert.match(lines[0]!, /utenti demo/);
  assert.match(lines[1]!, /JWT_PRIVATE_KEY/);
  assert.match(lines[2]!, /TRUST_PROXY/);
  assert.match(lines[3]!, /simulatore INPS/);
});

test('the INPS callback password the simulator shares is generated once and kept across restarts', async () => {
  const orm = await sharedOrm();
  const services = { orm, clock: new ManualClock() };
  const username = `inps-${Date.now().toString(36)}`;
  const first = await storedCallbackPassword(orm);
  await ensureInpsCallbackUser(services, { username, password: first });
  // "restart"
  const second = await storedCallbackPassword(orm);
  assert.is(second, first);
  const again = await ensureInpsCallbackUser(services, { username, password: second });
  assert.equal([again.created, again.generatedPassword], [false, undefined]);
  const user = await orm.em.fork().findOneOrFail(User, { username });
  assert.ok(await verifyPassword(first, user.passwordHash));
});

test.run();
