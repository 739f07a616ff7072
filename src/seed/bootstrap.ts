/**
 * Start-up chores, each idempotent: create the admin user on first start,
 * deploy every model (.bpmn) and decision (.dmn) found under processes/ (shared defaults at the top level,
 * per-comune overrides in processes/<belfiore>/), and seed the demo data.
 * A file is deployed only when it changed since it was last deployed from the
 * file, and never on top of a newer version deployed through the API or
 * Camunda Modeler: that one is reported as skipped, with the reason.
 * A layer (the shared folder, a comune's folder) whose files and whose comune's
 * deployments are the same as at the last start is not parsed again
 * (table startup_layer): a restart does not pay for validating every model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import { Tenant, User } from '../db/entities/index.js';
import type { Services } from '../app-context.js';
import { APP_VERSION } from '../shared/project-root.js';

export async function ensureAdmin(services: Services, password: string | null): Promise<{ created: boolean; password?: string }> {
  const em = services.orm.em.fork();
  if (await em.findOne(User, { username: 'admin' })) return { created: false };
  const plain = password ?? randomBytes(12).toString('base64url');
  em.persist(Object.assign(new User(), { id: randomUUID(), username: 'admin', passwordHash: await hashPassword(plain), tenant: null, roles: ['admin'], groups: [], createdAt: services.clock.now() }));
  await em.flush();
  return { created: true, password: password ? undefined : plain };
}

export interface ModelDeployReport {
  tenant: string | null;
  key: string;
  version: number;
  created: boolean;
  /** Set when the file was not deployed: the line to log, saying what and why. */
  skipped: string | null;
}


const THROUGH: Record<string, string> = { api: 'the API', modeler: 'Camunda Modeler', file: 'a file' };

export async function deployProcessesDir(services: Services, dir: string): Promise<ModelDeployReport[]> {
  if (!fs.existsSync(dir)) return [];
  const report: ModelDeployReport[] = [];
  const em = services.orm.em.fork();
  const layers: Array<{ tenant: string | null; folder: string }> = [{ tenant: null, folder: dir }];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && /^[A-Z]\d{3}$/.test(entry.name)) layers.push({ tenant: entry.name, folder: path.join(dir, entry.name) });
  }
  for (const { tenant, folder } of layers) {
    if (tenant && !(await em.findOne(Tenant, { code: tenant }))) continue;
    const files = fs
      .readdirSync(folder)
      .filter((f) => /\.(bpmn|dmn)$/i.test(f))
      .sort()
      .map((f) => ({ name: f, content: fs.readFileSync(path.join(folder, f), 'utf8') }));
    if (!files.length) continue;
    const layer = tenant ?? '';
    const digest = layerDigest(files);
    const conn = em.getConnection();
    const [{ n }] = (await conn.execute('select count(*)::int as n from deployment where tenant is not distinct from ?', [tenant])) as Array<{ n: number }>;
    const [last] = (await conn.execute('select digest, deployments from startup_layer where layer = ?', [layer])) as Array<{ digest: string; deployments: number }>;
    if (last && last.digest === digest && last.deployments === n) continue;
    const result = await services.deployments.deploy({ name: `processes/${tenant ? `${tenant}/` : ''}`, tenant, files, source: 'startup', createdBy: null });
    const where = `processes/${tenant ? `${tenant}/` : ''}`;
    for (const d of result.definitions) report.push({ tenant, key: d.key, version: d.version, created: d.created, skipped: null });
    for (const d of result.decisions) report.push({ tenant, key: `${d.key} (DMN)`, version: d.version, created: d.created, skipped: null });
    for (const s of result.skipped) {
      const key = s.kind === 'decision' ? `${s.key} (DMN)` : s.key;
      const line = `Skipped ${where}${s.resourceName}: ${key} v${s.latest.version} (${tenant ?? 'default condiviso'}) deployed through ${THROUGH[s.latest.origin]} is newer than the file`;
      report.push({ tenant, key, version: s.latest.version, created: false, skipped: line });
    }
    const [{ n: after }] = (await conn.execute('select count(*)::int as n from deployment where tenant is not distinct from ?', [tenant])) as Array<{ n: number }>;
    await conn.execute(
      'insert into startup_layer (layer, digest, deployments, recorded_at) values (?, ?, ?, ?) on conflict (layer) do update set digest = excluded.digest, deployments = excluded.deployments, recorded_at = excluded.recorded_at',
      [layer, digest, after, services.clock.now()],
    );
  }
  return report;
}

/** The files of a layer (names and contents) and the application's version: a new release validates its models again. */
function layerDigest(files: Array<{ name: string; content: string }>): string {
  const h = createHash('sha256').update(APP_VERSION);
  for (const f of files) h.update('\0').update(f.name).update('\0').update(f.content);
  return h.digest('hex');
}
