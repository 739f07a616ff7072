import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedOrm } from '../helpers/harness.js';
import { ParameterCatalog } from '../../src/tailoring/parameters/catalog.js';
import { ParameterService } from '../../src/tailoring/parameters/parameter.service.js';
import { verifyParameterFiles } from '../../src/tailoring/parameters/verify-files.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Orm } from '../../src/db/orm.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-params-'));
const clock = new ManualClock(new Date('2026-12-03T09:00:00Z'));
let orm: Orm;

/** Counts the schema checks actually run. */
class CountingService extends ParameterService {
  checks = 0;
  override verifyFiles(): string[] {
    this.checks++;
    return super.verifyFiles();
  }
}

function write(comuneValue: unknown): void {
  fs.writeFileSync(path.join(dir, 'prova.params.schema.json'), JSON.stringify({ type: 'object', properties: { giorni: { type: 'integer', minimum: 1 } }, required: ['giorni'] }));
  fs.writeFileSync(path.join(dir, 'prova.params.json'), JSON.stringify({ giorni: 30 }));
  fs.mkdirSync(path.join(dir, 'X001'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'X001', 'prova.params.json'), JSON.stringify({ giorni: comuneValue }));
}

async function verify(): Promise<{ problems: string[]; checks: number }> {
  const catalog = ParameterCatalog.load(dir);
  const service = new CountingService(catalog, clock);
  const problems = await verifyParameterFiles(orm, catalog, service, clock.now());
  return { problems, checks: service.checks };
}

test.before(async () => {
  orm = await sharedOrm();
  await orm.em.fork().getConnection().execute(`delete from startup_layer where layer = '#params'`);
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('parameter files are checked against their schemas at start, and again only when a file changed', async () => {
  write(20);
  assert.equal(await verify(), { problems: [], checks: 1 });
  // A restart with the same files: nothing compiled, nothing checked.
  assert.equal(await verify(), { problems: [], checks: 0 });
  // A comune's file broken: checked again, the problem reported, and reported at every start until fixed.
  write('venti');
  const broken = await verify();
  assert.is(broken.checks, 1);
  assert.is(broken.problems.length, 1, broken.problems.join('\n'));
  assert.match(broken.problems[0]!, /^prova \(X001\): /);
  assert.is((await verify()).checks, 1);
  write(25);
  assert.equal(await verify(), { problems: [], checks: 1 });
  assert.equal(await verify(), { problems: [], checks: 0 });
});

test.run();
