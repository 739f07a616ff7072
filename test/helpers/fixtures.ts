/**
 * The set-up most test files repeat: a test app, a fresh comune, a user of it
 * with the given roles and groups, the admin, and the test's models deployed
 * (a refused deployment fails the set-up with the server's reasons).
 */
import type { AppConfig } from '../../src/config.js';
import type { Role } from '../../src/auth/principal.js';
import type { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { deploy, startTestApp, testOffice, type Client, type TestApp } from './harness.js';

export interface Fixture {
  app: TestApp;
  /** The comune's code (a fresh one per fixture). */
  tenant: string;
  /** A user of that comune with `roles` and `groups`. */
  op: Client;
  admin: Client;
}

export async function startFixture(
  opts: { models?: Record<string, string>; roles?: Role[]; groups?: string[]; handlers?: HandlerRegistry; config?: Partial<AppConfig> } = {},
): Promise<Fixture> {
  const app = await startTestApp({ handlers: opts.handlers, config: opts.config });
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: opts.roles ?? ['operatore'], groups: opts.groups ?? ['g1'] });
  const admin = await app.admin();
  if (opts.models) await deployOrFail(admin, opts.models);
  return { app, tenant, op, admin };
}

/** Deploys the models (shared default, no comune) and fails with the server's answer unless 201. */
export async function deployOrFail(admin: Client, models: Record<string, string>, tenant?: string | null): Promise<void> {
  const r = await deploy(admin, models, tenant);
  if (r.status !== 201) throw new Error(`deployment refused (${r.status}): ${JSON.stringify(r.body)}`);
}

/** Gives a comune created through the API (POST /tenants) its office profile, so the process can send its letters. */
export async function setOffice(client: Client, tenant: string, name: string): Promise<void> {
  const r = await client.put(`/api/v1/tenants/${tenant}/office`, testOffice(name));
  if (r.status !== 200) throw new Error(`office profile refused (${r.status}): ${JSON.stringify(r.body)}`);
}
