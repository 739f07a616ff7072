/**
 * The REI lifecycle on the real stack, for the end-to-end scenarios: the
 * shipped model, decision and forms deployed for a comune of its own, the
 * application intake, the in-process connectors (INPS adapter over HTTP and
 * documents) talking to the simulated INPS started on a free port, and the
 * clock moved forward with the job executor drained. Everything goes through
 * the HTTP API, except draining (jobs, connectors) and reading when a timer is due.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as assert from 'uvu/assert';
import { deploy, startTestApp, type Client, type TestApp } from '../helpers/harness.js';
import { setOffice } from '../helpers/fixtures.js';
import { InpsSim } from '../../sim/inps/server.js';
import { Job } from '../../src/db/entities/index.js';

/** The harness gives every test user this password. */
const PASSWORD = 'password123';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Every scenario starts on Monday 2 March 2026, 09:00 in Rome. */
export const START = '2026-03-02T08:00:00.000Z';

export interface Stack {
  app: TestApp;
  sim: InpsSim;
  admin: Client;
  /** The INPS service account (role inps), as the simulator calls back. */
  inps: Client;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const inpsUser = `inps-${randomUUID().slice(0, 8)}`;
  const sim = new InpsSim({ delayMs: 0, callbackRetryMs: 10, callbackMaxRetryMs: 100, callbackMaxAttempts: 200, callbackUser: inpsUser, callbackPassword: PASSWORD });
  await sim.start(0);
  // A poll interval longer than the file: connectors run only when a test drains them.
  const app = await startTestApp({ config: { inpsUrl: sim.url, inpsTimeoutMs: 2000, connectorPollMs: 600_000 } });
  sim.setEngine({ url: app.baseUrl, user: inpsUser, password: PASSWORD });
  const admin = keepFresh(await app.admin(), app);
  const inps = keepFresh(await app.user({ tenant: null, roles: ['inps'], username: inpsUser }), app);
  return {
    app,
    sim,
    admin,
    inps,
    async close() {
      await sim.close();
      await app.close();
    },
  };
}

export interface Comune {
  s: Stack;
  tenant: string;
  /** operatore, group operatori-rei */
  op: Client;
  /** assistente sociale, groups assistenti-sociali and equipe */
  as: Client;
  /** responsabile, group responsabili */
  resp: Client;
}

let seq = 0;

/** A comune with a code of its own (R9xx: never a demo comune), the shipped REI model and decision deployed for it, its users. */
export async function comune(s: Stack): Promise<Comune> {
  const tenant = `R${900 + ++seq}`;
  const created = await s.admin.post('/api/v1/tenants', { code: tenant, name: `Comune di prova ${tenant}` });
  assert.is(created.status, 201, JSON.stringify(created.body));
  await setOffice(s.admin, tenant, `Comune di prova ${tenant}`);
  const files = { 'rei.bpmn': fs.readFileSync('processes/rei.bpmn', 'utf8'), 'rei-requisiti.dmn': fs.readFileSync('processes/rei-requisiti.dmn', 'utf8') };
  const r = await deploy(s.admin, files, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const op = keepFresh(await s.app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] }), s.app);
  const as = keepFresh(await s.app.user({ tenant, roles: ['assistente_sociale'], groups: ['assistenti-sociali', 'equipe'] }), s.app);
  const resp = keepFresh(await s.app.user({ tenant, roles: ['responsabile'], groups: ['responsabili'] }), s.app);
  return { s, tenant, op, as, resp };
}

/** Receives an application through the intake; asserts 201. */
export async function apply(c: Comune, application: Record<string, unknown>): Promise<{ instanceId: string; soggettoId: string; businessKey: string; durataMesi: number; rinnovo: boolean }> {
  const r = await c.op.post('/api/v1/applications', application);
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

export interface Instance {
  id: string;
  status: string;
  activeElements: string[];
  variables: Record<string, any>;
  endedAt: string | null;
}

export async function instance(c: Comune, id: string): Promise<Instance> {
  const r = await c.op.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

export interface Task {
  id: string;
  elementId: string;
  candidateGroups: string[];
  dueAt: string | null;
  formKey: string | null;
}

/** The open tasks of a case, sorted by element id. */
export async function openTasks(c: Comune, id: string): Promise<Task[]> {
  const r = await c.s.admin.get(`/api/v1/tasks?processInstanceId=${id}&pageSize=100`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return [...(r.body.items as Task[])].sort((a, b) => a.elementId.localeCompare(b.elementId));
}

export async function taskOf(c: Comune, id: string, elementId: string): Promise<Task> {
  const task = (await openTasks(c, id)).find((t) => t.elementId === elementId);
  assert.ok(task, `task ${elementId} aperto (attivi: ${(await instance(c, id)).activeElements.join(', ')})`);
  return task!;
}

/** Completes the case's open task at `elementId` as `user` (through its form's validation); asserts 200. */
export async function complete(c: Comune, user: Client, id: string, elementId: string, variables: Record<string, unknown> = {}): Promise<Task> {
  const task = await taskOf(c, id, elementId);
  const r = await user.post(`/api/v1/tasks/${task.id}/complete`, { variables });
  assert.is(r.status, 200, `${elementId}: ${JSON.stringify(r.body)}`);
  return task;
}

export async function message(c: Comune, name: string, businessKey: string, variables: Record<string, unknown> = {}) {
  const r = await c.op.post('/api/v1/messages', { name, businessKey, variables });
  assert.is(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Runs the connectors until nothing is due, then waits for the outcomes the simulator posts back (real HTTP), and once more. */
export async function connectors(s: Stack): Promise<number> {
  let total = 0;
  for (let i = 0; i < 5; i++) {
    const n = await s.app.services.connectors.drain();
    await s.sim.idle();
    total += n;
    if (n === 0) break;
  }
  return total;
}

/**
 * Makes a client log in again before a request when its token has expired on
 * the engine clock (or was issued after it, when a test sets the clock back):
 * only the users a scenario uses after moving the clock pay for a login.
 */
export function keepFresh(client: Client, app: TestApp): Client {
  const request = client.request.bind(client);
  client.request = async (method, path, body, headers) => {
    if (client.token && path !== '/api/v1/auth/login') {
      const claims = JSON.parse(Buffer.from(client.token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
      const now = app.clock.now().getTime();
      if (claims.exp * 1000 <= now + 60_000 || claims.iat * 1000 > now) await client.refresh();
    }
    return request(method, path, body, headers);
  };
  return client;
}

/** Moves the clock to `at` (never backwards), runs the due jobs and the connectors. */
export async function advanceTo(c: Comune, at: string | Date): Promise<void> {
  const target = new Date(at).getTime();
  const clock = c.s.app.clock;
  clock.advance(Math.max(0, target - clock.now().getTime()));
  await c.s.app.services.executor.drain();
  await connectors(c.s);
}

export async function advance(c: Comune, ms: number): Promise<void> {
  await advanceTo(c, new Date(c.s.app.clock.now().getTime() + ms));
}

export function today(c: Comune): string {
  return c.s.app.clock.now().toISOString().slice(0, 10);
}

/** When the case's timer at `elementId` is due (its earliest job), or null. */
export async function timerDue(c: Comune, id: string, elementId: string): Promise<Date | null> {
  const jobs = await c.s.app.services.orm.em.fork().find(Job, { instanceId: id, elementId });
  return jobs.length ? jobs.map((j) => j.dueAt).sort((a, b) => a.getTime() - b.getTime())[0]! : null;
}

export async function history(c: Comune, id: string): Promise<Array<{ type: string; elementId: string | null; details: any }>> {
  const r = await c.op.get(`/api/v1/process-instances/${id}/history?detail=engine`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** Element ids entered, in order. */
export async function entered(c: Comune, id: string): Promise<string[]> {
  return (await history(c, id)).filter((e) => e.type === 'element.entered').map((e) => e.elementId!);
}

export interface DocumentItem {
  id: string;
  type: 'progetto' | 'rigetto' | 'convocazione' | 'sanzione';
  title: string;
  fileName: string;
  links: { self: string; pdf: string; html: string };
}

export async function documents(c: Comune, id: string): Promise<DocumentItem[]> {
  const r = await c.op.get(`/api/v1/process-instances/${id}/documents`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** Downloads a document's PDF or HTML as the operator: status, content type and bytes. */
export async function download(c: Comune, documentId: string, format: 'pdf' | 'html'): Promise<{ status: number; type: string | null; disposition: string | null; body: Buffer }> {
  const res = await fetch(`${c.s.app.baseUrl}/api/v1/documents/${documentId}/${format}`, { headers: { authorization: `Bearer ${c.op.token}` } });
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: Buffer.from(await res.arrayBuffer()) };
}

/** What the simulated INPS received from this comune. */
export function simDomande(c: Comune) {
  return c.s.sim.domande().filter((d) => d.ente === c.tenant);
}
export function simNotifiche(c: Comune, tipo: 'firma' | 'sanzione') {
  return c.s.sim.notifiche(tipo).filter((n) => n.ente === c.tenant);
}

export const PROGETTO = {
  caseManager: 'Anna Verdi',
  obiettivi: [
    { area: 'inclusione_lavorativa', descrizione: 'Ricerca attiva di lavoro', risultatiAttesi: 'Almeno due colloqui al mese', tempi: 'entro 6 mesi' },
    { area: 'inclusione_sociale', descrizione: 'Frequenza scolastica regolare del figlio', risultatiAttesi: 'Assenze sotto il 10%', tempi: 'anno scolastico' },
    { area: 'civica', descrizione: 'Partecipazione a un progetto di quartiere', risultatiAttesi: 'Quattro incontri', tempi: 'entro 12 mesi' },
  ],
  sostegni: [{ intervento: 'Tirocinio di inclusione', periodo: 'aprile–settembre', risorse: 'CPI, ente di formazione' }],
  impegniNucleo: [{ componente: 'Mario Rossi', impegno: 'Contatti con i servizi ogni due settimane' }],
  impegniRete: [{ soggetto: 'CPI Milano Centro', impegno: 'Proposte di lavoro congrue' }],
  azioni: [{ periodo: 'aprile', descrizione: 'Iscrizione al CPI e bilancio di competenze' }],
};

/** A valid convocation time: the first weekday at 10:00 Rome between 30 and 72 hours from now. */
export function convocationTime(now: Date): string {
  const d = new Date(now.getTime() + 30 * HOUR);
  for (;;) {
    const day = d.toISOString().slice(0, 10);
    const wd = new Date(`${day}T12:00:00Z`).getUTCDay();
    const at = `${day}T10:00:00${isSummer(day) ? '+02:00' : '+01:00'}`;
    const ahead = new Date(at).getTime() - now.getTime();
    if (wd !== 0 && wd !== 6 && ahead >= 24 * HOUR && ahead <= 72 * HOUR) return at;
    d.setUTCDate(d.getUTCDate() + 1);
  }
}

function isSummer(day: string): boolean {
  const rome = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', timeZoneName: 'shortOffset' }).formatToParts(new Date(`${day}T12:00:00Z`));
  return rome.find((p) => p.type === 'timeZoneName')?.value === 'GMT+2';
}
