/**
 * Issue 10, item 1 — "a restart silently replaces what an analyst deployed":
 * start-up deploys a file of processes/ only when it changed since it was last
 * deployed from the file, and never on top of a newer version deployed through
 * the API or Camunda Modeler (it reports the skip, with the reason). Each
 * version records its origin and the file's hash.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';
import { simple } from '../helpers/dmn-models.js';
import { deployProcessesDir } from '../../src/seed/bootstrap.js';
import { DecisionDefinition, ProcessDefinition } from '../../src/db/entities/index.js';

let app: TestApp;
let admin: Client;
let dir: string;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restart-deploy-'));
});
test.after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await app.close();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const table = (key: string, soglia: number) => simple(key, 'UNIQUE', [[`< ${soglia}`, '"basso"'], [`>= ${soglia}`, '"alto"']]);

async function versions(key: string, tenant: string) {
  return app.services.orm.em.fork().find(ProcessDefinition, { key, tenant }, { orderBy: { version: 'asc' } });
}

test('an API deployment survives restarts: the file is skipped (one line says why), new cases start on the API version; an unchanged file makes no version', async () => {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const key = `restart_${tenant.toLowerCase()}`;
  const dmnKey = `restart-dmn-${tenant.toLowerCase()}`;
  fs.mkdirSync(path.join(dir, tenant));
  const file = path.join(dir, tenant, 'rei.bpmn');
  fs.writeFileSync(file, twoTasks(key, { label: ' (file)' }));
  fs.writeFileSync(path.join(dir, tenant, 'soglie.dmn'), table(dmnKey, 100));

  // first start: the file is deployed, as version 1 from the file, with its hash
  const first = await deployProcessesDir(app.services, dir);
  assert.ok(first.some((r) => r.tenant === tenant && r.key === key && r.version === 1 && r.created), JSON.stringify(first));
  let rows = await versions(key, tenant);
  assert.equal(rows.map((r) => [r.version, r.origin, r.fileHash]), [[1, 'file', sha256(fs.readFileSync(file, 'utf8'))]]);

  // restart with the file unchanged: no new version, nothing skipped
  const unchanged = await deployProcessesDir(app.services, dir);
  assert.ok(unchanged.filter((r) => r.tenant === tenant).every((r) => !r.created && !r.skipped), JSON.stringify(unchanged));
  assert.is((await versions(key, tenant)).length, 1);

  // an analyst deploys a changed model and decision through the API: version 2
  const api = await deploy(admin, { 'rei.bpmn': twoTasks(key, { label: ' (API)' }), 'soglie.dmn': table(dmnKey, 500) }, tenant);
  assert.is(api.status, 201, JSON.stringify(api.body));
  assert.is(api.body.definitions[0].version, 2);

  // restart: the file does not go on top; one line per resource says what was skipped and why
  const restart = await deployProcessesDir(app.services, dir);
  const mine = restart.filter((r) => r.tenant === tenant);
  assert.ok(mine.every((r) => !r.created), JSON.stringify(mine));
  assert.equal(
    mine.map((r) => r.skipped).sort(),
    [
      `Skipped processes/${tenant}/rei.bpmn: ${key} v2 (${tenant}) deployed through the API is newer than the file`,
      `Skipped processes/${tenant}/soglie.dmn: ${dmnKey} (DMN) v2 (${tenant}) deployed through the API is newer than the file`,
    ].sort(),
  );
  rows = await versions(key, tenant);
  assert.equal(rows.map((r) => [r.version, r.origin]), [[1, 'file'], [2, 'api']]);
  const decisions = await app.services.orm.em.fork().find(DecisionDefinition, { key: dmnKey, tenant }, { orderBy: { version: 'asc' } });
  assert.equal(decisions.map((d) => [d.version, d.origin]), [[1, 'file'], [2, 'api']]);

  // new cases start on the API's version
  const started = await op.post(`/api/v1/process-definitions/${key}/start`, { variables: { owner: op.username } });
  assert.is(started.status, 201, JSON.stringify(started.body));
  assert.is(started.body.definitionVersion, 2, JSON.stringify(started.body));
  const task = await op.get(`/api/v1/tasks/${started.body.openTasks[0].id}`);
  assert.is(task.body.name, 'Task A (API)');

  // the file changes after that: still not deployed over the API's version
  fs.writeFileSync(file, twoTasks(key, { label: ' (file, modificato)' }));
  const changed = await deployProcessesDir(app.services, dir);
  assert.ok(changed.some((r) => r.tenant === tenant && r.key === key && r.skipped?.includes('deployed through the API is newer than the file')), JSON.stringify(changed));
  assert.equal((await versions(key, tenant)).map((r) => r.version), [1, 2]);
  const latest = await admin.get(`/api/v1/process-definitions?key=${key}`);
  const listed = latest.body.items.filter((d: { tenant: string }) => d.tenant === tenant).sort((a: { version: number }, b: { version: number }) => a.version - b.version);
  assert.equal(listed.map((d: { version: number; origin: string }) => [d.version, d.origin]), [[1, 'file'], [2, 'api']], 'the API shows where each version came from');
});

test('a file changed since it was last deployed from the file is deployed again when no API version is newer', async () => {
  const tenant = await app.tenant();
  await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const key = `restart_file_${tenant.toLowerCase()}`;
  const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'restart-file-'));
  try {
    fs.mkdirSync(path.join(sub, tenant));
    const file = path.join(sub, tenant, 'm.bpmn');
    fs.writeFileSync(file, twoTasks(key));
    await deployProcessesDir(app.services, sub);
    fs.writeFileSync(file, twoTasks(key, { label: ' v2' }));
    const report = await deployProcessesDir(app.services, sub);
    assert.ok(report.some((r) => r.tenant === tenant && r.key === key && r.version === 2 && r.created && !r.skipped), JSON.stringify(report));
    assert.equal((await versions(key, tenant)).map((r) => [r.version, r.origin]), [[1, 'file'], [2, 'file']]);
  } finally {
    fs.rmSync(sub, { recursive: true, force: true });
  }
});



test('a restart with the same files and no deployment since does not parse the layer again; a deployment in between makes it look again', async () => {
  const tenant = await app.tenant();
  await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const key = `restart_fast_${tenant.toLowerCase()}`;
  const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'restart-fast-'));
  try {
    fs.mkdirSync(path.join(sub, tenant));
    fs.writeFileSync(path.join(sub, tenant, 'm.bpmn'), twoTasks(key));
    const first = await deployProcessesDir(app.services, sub);
    assert.ok(first.some((r) => r.tenant === tenant && r.key === key && r.created), JSON.stringify(first));
    // nothing changed: the layer is not deployed (no report line at all, not even "unchanged")
    const again = await deployProcessesDir(app.services, sub);
    assert.equal(again.filter((r) => r.tenant === tenant), []);
    // a deployment for the comune in between: the layer is looked at again (and found unchanged)
    const api = await deploy(admin, { 'other.bpmn': twoTasks(`${key}_api`) }, tenant);
    assert.is(api.status, 201, JSON.stringify(api.body));
    const afterApi = await deployProcessesDir(app.services, sub);
    assert.ok(afterApi.some((r) => r.tenant === tenant && r.key === key && !r.created && !r.skipped), JSON.stringify(afterApi));
    assert.equal((await deployProcessesDir(app.services, sub)).filter((r) => r.tenant === tenant), []);
  } finally {
    fs.rmSync(sub, { recursive: true, force: true });
  }
});
test.run();
