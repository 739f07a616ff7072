/**
 * Test harness: one database per test process (PostgreSQL when DATABASE_URL
 * is set, else in-memory PGlite), emptied once at start; each test file builds
 * its own services (own ManualClock) and a real HTTP server on a free port.
 * Fixtures use unique comune codes so files never see each other's data.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { buildServices } from '../../src/app-context.js';
import { createApp } from '../../src/api/app.js';
import { silentLogger } from '../../src/shared/logger.js';
import { openDatabase, type Orm } from '../../src/db/orm.js';
import { ManualClock } from '../../src/shared/clock.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { Tenant, TenantOffice, User } from '../../src/db/entities/index.js';
import type { Services } from '../../src/app-context.js';
import type { Role } from '../../src/auth/principal.js';
import type { HandlerRegistry } from '../../src/engine/execution/handlers.js';
import { checkReply } from './openapi-check.js';

let shared: Promise<Orm> | null = null;
let tenantCounter = 0;
const PASSWORD = 'password123';
let passwordHash: Promise<string> | null = null;

let isolatedDb: { admin: string; name: string } | null = null;

/**
 * With DATABASE_URL, each test process works in its own throw-away database
 * on that server (created here, dropped by closeSharedOrm), so parallel runs
 * never see each other's rows.
 */
export function sharedOrm(): Promise<Orm> {
  shared ??= (async () => {
    let url = process.env.DATABASE_URL || null;
    if (url) {
      const name = `rei_t_${process.pid}_${Date.now().toString(36)}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`create database ${name}`);
      await client.end();
      isolatedDb = { admin: url, name };
      const u = new URL(url);
      u.pathname = `/${name}`;
      url = u.toString();
    }
    return openDatabase({ url, dataDir: 'memory://', poolMax: 20 });
  })();
  return shared;
}

export interface TestApp {
  services: Services;
  clock: ManualClock;
  baseUrl: string;
  close(): Promise<void>;
  /**
   * Creates a comune with a fresh, unique Belfiore-shaped code and, unless `office: false`, an office
   * profile (the process sends letters only for a comune that has one).
   */
  tenant(name?: string, opts?: { office?: boolean }): Promise<string>;
  user(opts: { tenant: string | null; roles: Role[]; groups?: string[]; username?: string }): Promise<Client>;
  admin(): Promise<Client>;
  anonymous(): Client;
}

export async function startTestApp(opts: { handlers?: HandlerRegistry; config?: Partial<AppConfig> } = {}): Promise<TestApp> {
  const orm = await sharedOrm();
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  const config = { ...loadConfig({}), databaseUrl: process.env.DATABASE_URL || null, ...opts.config };
  const services = await buildServices(config, { clock, orm, handlers: opts.handlers });
  const server: Server = await new Promise((resolve) => {
    const s = createApp(services, silentLogger()).listen(0, '127.0.0.1', () => resolve(s));
  });
  // fetch keeps connections alive; a server closing an idle one while a test reuses it gives ECONNRESET under load.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  passwordHash ??= hashPassword(PASSWORD);

  const makeUser = async (o: { tenant: string | null; roles: Role[]; groups?: string[]; username?: string }): Promise<Client> => {
    const username = o.username ?? `u-${randomUUID().slice(0, 8)}`;
    const em = orm.em.fork();
    em.persist(Object.assign(new User(), { id: randomUUID(), username, passwordHash: await passwordHash!, tenant: o.tenant, roles: o.roles, groups: o.groups ?? [], createdAt: clock.now() }));
    await em.flush();
    const c = new Client(baseUrl, username);
    await c.login(PASSWORD);
    return c;
  };

  return {
    services,
    clock,
    baseUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async tenant(name, tenantOpts = {}) {
      // T001, T002, …: never a demo comune code (F205, I690, A010), whose per-comune files would apply.
      tenantCounter++;
      const code = `${String.fromCharCode(65 + ((19 + Math.floor(tenantCounter / 1000)) % 26))}${String(tenantCounter % 1000).padStart(3, '0')}`;
      const em = orm.em.fork();
      const tenantName = name ?? `Comune di prova ${code}`;
      em.persist(Object.assign(new Tenant(), { code, name: tenantName, createdAt: clock.now() }));
      await em.flush();
      if (tenantOpts.office !== false) {
        em.persist(Object.assign(new TenantOffice(), { tenant: code, profile: testOffice(tenantName), updatedAt: clock.now(), updatedBy: null }));
        await em.flush();
      }
      return code;
    },
    user: makeUser,
    admin: () => makeUser({ tenant: null, roles: ['admin'] }),
    anonymous: () => new Client(baseUrl, ''),
  };
}

/** The office profile of a test comune (see src/documents/office.ts). */
export function testOffice(name: string): Record<string, unknown> {
  return {
    ente: name,
    servizio: 'Servizi Sociali – Reddito di Inclusione (REI)',
    indirizzo: 'Piazza del Municipio 1',
    cap: '20100',
    citta: name.replace(/^Comune di /, ''),
    provincia: 'MI',
    telefono: '02 0000 0000',
    email: 'servizisociali@comune.example.it',
    firmatario: { nome: 'Dott.ssa Paola Rinaldi', qualifica: 'La Responsabile del Servizio' },
    responsabileProcedimento: { nome: 'Dott. Giorgio Sala', telefono: '02 0000 0001' },
  };
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

/** A tiny HTTP client bound to one user. */
export class Client {
  token: string | null = null;
  constructor(readonly baseUrl: string, readonly username: string) {}

  async login(password: string): Promise<void> {
    const r = await this.post('/api/v1/auth/login', { username: this.username, password });
    if (r.status !== 200) throw new Error(`login failed for ${this.username}: ${JSON.stringify(r.body)}`);
    this.token = r.body.token;
  }

  /** Logs in again (tokens expire when a test moves the clock forward by hours). */
  refresh(): Promise<void> {
    return this.login(PASSWORD);
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: BodyInit | undefined;
    if (typeof body === 'string') {
      payload = body;
      h['content-type'] ??= 'application/json';
    } else if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* non-JSON body stays text */
    }
    checkReply(method, path, res.status, res.headers.get('content-type'), parsed);
    return { status: res.status, body: parsed as T };
  }
}

/** Deploys BPMN sources through the API and returns the reply. */
export function deploy(client: Client, files: Record<string, string>, tenant?: string | null) {
  return client.post('/api/v1/deployments', { name: 'test', ...(tenant !== undefined ? { tenant } : {}), files: Object.entries(files).map(([name, content]) => ({ name, content })) });
}

export async function closeSharedOrm(): Promise<void> {
  if (shared) await (await shared).close(true);
  if (isolatedDb) {
    const client = new pg.Client({ connectionString: isolatedDb.admin });
    await client.connect();
    await client.query(`drop database if exists ${isolatedDb.name} with (force)`);
    await client.end();
  }
}
