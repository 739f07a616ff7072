/**
 * DATA_DIR holds the PGlite cluster and other files (the token signing key in
 * DATA_DIR/keys): a DATA_DIR that already has a keys folder — e.g. written by
 * `npm test` before the first `npm run demo` — must still open.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, pgliteDir } from '../../src/db/orm.js';

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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
