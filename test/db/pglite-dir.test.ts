/**
 * DATA_DIR holds the PGlite cluster and other files (the token signing key in
 * DATA_DIR/keys): a DATA_DIR that already has a keys folder — e.g. written by
 * `npm test` before the first `npm run demo` — must still open. One process
 * at a time: a second one (another `npm start` on the same folder) is refused
 * instead of corrupting the cluster; a lock left by a killed process is not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { openDatabase, pgliteDir } from '../../src/db/orm.js';
import { lockPgliteDir, unlockPgliteDir } from '../../src/db/pglite-early.js';

test('the cluster lives in DATA_DIR/pglite; an earlier DATA_DIR that is a cluster is kept as it is', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-data-'));
  try {
    assert.is(pgliteDir(dir), path.join(dir, 'pglite'));
    assert.is(pgliteDir('memory://'), 'memory://');
    fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
    assert.is(pgliteDir(dir), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a DATA_DIR with only the signing key in it opens an embedded database', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-data-'));
  try {
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'jwt-ed25519.pem'), 'x', { mode: 0o600 });
    const orm = await openDatabase({ url: null, dataDir: dir });
    try {
      const [row] = (await orm.em.fork().getConnection().execute('select count(*)::int as n from app_user')) as Array<{ n: number }>;
      assert.is(row?.n, 0);
    } finally {
      await orm.close();
    }
    assert.ok(fs.existsSync(path.join(dir, 'pglite', 'PG_VERSION')));
    assert.not.ok(fs.existsSync(path.join(dir, 'pglite.lock')), 'the lock goes with the close');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the cluster is locked while open: another running process is refused, a dead one\'s lock is taken over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-data-'));
  const other = spawn('sleep', ['30']);
  try {
    const cluster = pgliteDir(dir);
    fs.writeFileSync(`${cluster}.lock`, String(other.pid));
    const refused = await openDatabase({ url: null, dataDir: dir }).then(() => null, (e: unknown) => e);
    assert.is((refused as { code?: string } | null)?.code, 'DATA_DIR_IN_USE');
    assert.match(String((refused as Error).message), `dal processo ${other.pid}`);
    assert.not.ok(fs.existsSync(path.join(cluster, 'PG_VERSION')), 'nothing opened');
    const dead = spawnSync('true').pid;
    fs.writeFileSync(`${cluster}.lock`, String(dead));
    const orm = await openDatabase({ url: null, dataDir: dir });
    try {
      assert.is(fs.readFileSync(`${cluster}.lock`, 'utf8'), String(process.pid), 'taken over from the killed process');
      lockPgliteDir(cluster); // the same process again: no-op
    } finally {
      await orm.close();
    }
    assert.not.ok(fs.existsSync(`${cluster}.lock`));
    unlockPgliteDir(cluster); // not held: no-op
  } finally {
    other.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
