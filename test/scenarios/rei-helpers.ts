/**
 * Drives the REI model (processes/rei.bpmn) through the HTTP API for the
 * scenario tests: a comune of its own with the model and the eligibility
 * decision deployed for it, one user per role, the contract's start
 * variables, external tasks completed through the Camunda external-task REST
 * (as a worker would), messages, and the clock moved forward with the job
 * executor drained.
 */
import fs from 'node:fs';
import * as assert from 'uvu/assert';
import { deploy, type Client, type TestApp } from '../helpers/harness.js';
import { setOffice } from '../helpers/fixtures.js';
import { createCalendar, endOfRomeDay } from '../../src/engine/calendar/index.js';
import { Job } from '../../src/db/entities/index.js';

export const DAY = 86_400_000;
const ET = '/engine-rest/external-task';

let tenantSeq = 0;

export interface ReiWorld {
  app: TestApp;
  tenant: string;
  admin: Client;
  /** operatore, groups operatori-rei */
  op: Client;
  /** assistente sociale, groups assistenti-sociali and equipe */
  as: Client;
  /** responsabile, group responsabili */
  resp: Client;
  users: Client[];
}

/**
 * A comune with a code of its own (Z7xx: never a demo code, whose parameter
 * files would apply), the REI model and decision deployed for it, and its users.
 */
export async function reiWorld(app: TestApp, opts: { tenant?: string; model?: string; files?: Record<string, string> } = {}): Promise<ReiWorld> {
  const admin = await app.admin();
  const tenant = opts.tenant ?? `Z${700 + ++tenantSeq}`;
  const created = await admin.post('/api/v1/tenants', { code: tenant, name: `Comune di prova ${tenant}` });
  assert.ok(created.status === 201 || created.status === 409, JSON.stringify(created.body));
  await setOffice(admin, tenant, `Comune di prova ${tenant}`);
  const files = opts.files ?? { 'rei.bpmn': fs.readFileSync(opts.model ?? 'processes/rei.bpmn', 'utf8'), 'rei-requisiti.dmn': fs.readFileSync('processes/rei-requisiti.dmn', 'utf8') };
  const r = await deploy(admin, files, tenant);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  const as = await app.user({ tenant, roles: ['assistente_sociale'], groups: ['assistenti-sociali', 'equipe'] });
  const resp = await app.user({ tenant, roles: ['responsabile'], groups: ['responsabili'] });
  return { app, tenant, admin, op, as, resp, users: [admin, op, as, resp] };
}

/**
 * The start variables the intake would give the process (eligible unless
 * overridden). Without `richiedente`: a start with it goes through the intake
 * (codice fiscale checks, subject registry, renewal rule), which these model
 * tests leave out; the flat DMN inputs are given directly.
 */
export function domanda(protocollo: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocollo,
    dataDomanda: '2026-03-02',
    soggettoId: null,
    nucleo: [
      { codiceFiscale: 'RSSMRA80A01F205X', nome: 'Mario', cognome: 'Rossi', dataNascita: '1980-01-01', relazione: 'richiedente' },
      { codiceFiscale: 'BNCLRA82B41F205Y', nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-02-01', relazione: 'coniuge' },
      { codiceFiscale: 'RSSLCU12C01F205Z', nome: 'Luca', cognome: 'Rossi', dataNascita: '2012-03-01', relazione: 'figlio' },
    ],
    isee: 3000,
    isre: 1500,
    dsuProtocollo: 'INPS-ISEE-2026-000001',
    patrimonioImmobiliare: 0,
    patrimonioMobiliare: 2000,
    veicoliUltimi24Mesi: false,
    naspi: false,
    cittadinanza: 'IT',
    permessoLungoPeriodo: false,
    anniResidenza: 20,
    componentiNucleo: 3,
    nucleoConMinore: true,
    nucleoConDisabile: false,
    gravidanza: false,
    over55Disoccupato: false,
    rinnovo: false,
    durataMesi: 18,
    ...over,
  };
}

export async function startRei(w: ReiWorld, variables: Record<string, unknown>) {
  const r = await w.op.post('/api/v1/process-definitions/rei/start', { businessKey: variables.protocollo, variables });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; activeElements: string[]; variables: Record<string, unknown> };
}

export async function instance(w: ReiWorld, id: string) {
  const r = await w.op.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body as { id: string; status: string; activeElements: string[]; variables: Record<string, any>; endedAt: string | null };
}

/** The open tasks of a case (as the admin sees them), sorted by element id. */
export async function openTasks(w: ReiWorld, id: string): Promise<Array<{ id: string; elementId: string; candidateGroups: string[]; dueAt: string | null; formKey: string | null }>> {
  const r = await w.admin.get(`/api/v1/tasks?processInstanceId=${id}&pageSize=100`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return [...r.body.items].sort((a, b) => a.elementId.localeCompare(b.elementId));
}

export async function taskOf(w: ReiWorld, id: string, elementId: string) {
  const task = (await openTasks(w, id)).find((t) => t.elementId === elementId);
  assert.ok(task, `task ${elementId} aperto (attivi: ${(await instance(w, id)).activeElements.join(', ')})`);
  return task!;
}

/** Completes the case's open task at `elementId` as `user`; asserts success. */
export async function complete(w: ReiWorld, user: Client, id: string, elementId: string, variables: Record<string, unknown> = {}) {
  const task = await taskOf(w, id, elementId);
  const r = await user.post(`/api/v1/tasks/${task.id}/complete`, { variables });
  assert.is(r.status, 200, `${elementId}: ${JSON.stringify(r.body)}`);
  return task;
}

/** Camunda typed variables, as a worker sends them. */
function typed(variables: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [
      k,
      v === null ? { value: null, type: 'Null' } : typeof v === 'object' ? { value: JSON.stringify(v), type: 'Json' } : typeof v === 'number' ? { value: v, type: Number.isInteger(v) ? 'Integer' : 'Double' } : typeof v === 'boolean' ? { value: v, type: 'Boolean' } : { value: v, type: 'String' },
    ]),
  );
}

/**
 * Plays the worker of one topic for one case: fetches and locks its external
 * task and completes it with `variables`; returns the variables the worker saw.
 */
export async function work(w: ReiWorld, id: string, topic: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const locked = await w.op.post(`${ET}/fetchAndLock`, { workerId: 'test-worker', maxTasks: 50, topics: [{ topicName: topic, lockDuration: 60_000, processInstanceId: id }] });
  assert.is(locked.status, 200, JSON.stringify(locked.body));
  const task = (locked.body as Array<{ id: string; processInstanceId: string; variables: Record<string, { value: unknown; type: string }> }>).find((t) => t.processInstanceId === id);
  assert.ok(task, `task esterno ${topic} per il caso (attivi: ${(await instance(w, id)).activeElements.join(', ')})`);
  const done = await w.op.post(`${ET}/${task!.id}/complete`, { workerId: 'test-worker', variables: typed(variables) });
  assert.is(done.status, 204, JSON.stringify(done.body));
  return Object.fromEntries(Object.entries(task!.variables).map(([k, v]) => [k, v.type === 'Json' && typeof v.value === 'string' ? JSON.parse(v.value) : v.value]));
}

export async function message(w: ReiWorld, name: string, businessKey: string, variables: Record<string, unknown> = {}) {
  return w.op.post('/api/v1/messages', { name, businessKey, variables });
}

/** Moves the clock, runs the due jobs, logs everyone in again (tokens expire). */
export async function advance(w: ReiWorld, ms: number) {
  w.app.clock.advance(ms);
  await w.app.services.executor.drain();
  for (const u of w.users) await u.refresh();
}

/** Sets the clock to an instant (never backwards), then as advance(). */
export async function advanceTo(w: ReiWorld, at: string) {
  const target = new Date(at).getTime();
  const now = w.app.clock.now().getTime();
  await advance(w, Math.max(0, target - now));
}

export async function historyOf(w: ReiWorld, id: string): Promise<Array<{ type: string; elementId: string | null; details: any }>> {
  const r = await w.op.get(`/api/v1/process-instances/${id}/history?detail=engine`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** Element ids entered, in order. */
export async function entered(w: ReiWorld, id: string): Promise<string[]> {
  return (await historyOf(w, id)).filter((e) => e.type === 'element.entered').map((e) => e.elementId!);
}

/** From the application to the monitoring: eligible case, INPS positive, analysis with `bisogni`, project signed. */
export async function toMonitoring(w: ReiWorld, protocollo: string, opts: { bisogni?: 'semplici' | 'complessi' | 'solo_lavoro'; over?: Record<string, unknown> } = {}) {
  const started = await startRei(w, domanda(protocollo, opts.over));
  const id = started.id;
  await work(w, id, 'inps-invio-domanda', { protocolloInps: `INPS-${protocollo}`, dataInvioInps: '2026-03-03' });
  const m = await message(w, 'esitoInps', protocollo, { esitoInps: 'positivo', motiviInps: [], protocolloInps: `INPS-${protocollo}` });
  assert.is(m.status, 200, JSON.stringify(m.body));
  const bisogni = opts.bisogni ?? 'semplici';
  await complete(w, w.as, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-03-10', bisogni, sintesi: 'Nucleo con un minore, nessun reddito da lavoro; disponibilità a percorsi di inclusione.' });
  if (bisogni === 'solo_lavoro') {
    await complete(w, w.op, id, 'pattoServizio', { dataFirma: '2026-03-16', pattoServizio: { centroImpiego: 'CPI Milano Centro' } });
  } else {
    if (bisogni === 'complessi') {
      await complete(w, w.as, id, 'costituzioneEquipe', { dataCostituzioneEquipe: '2026-03-11', componentiEquipe: [{ servizio: 'servizi_sociali', nominativo: 'Anna Verdi' }, { servizio: 'centro_impiego', nominativo: 'Paolo Neri' }] });
      await complete(w, w.as, id, 'quadroAnalisi', { quadroAnalisi: { data: '2026-03-12', sintesi: 'Bisogni abitativi e lavorativi; rete familiare debole.' } });
    }
    await complete(w, w.as, id, 'progettoPersonalizzato', { progetto: PROGETTO });
    await work(w, id, 'documento-progetto', { documentoProgettoId: `doc-${protocollo}` });
    await complete(w, w.as, id, 'firmaProgetto', { dataFirma: '2026-03-16', firmaNucleo: true });
  }
  const seen = await work(w, id, 'inps-notifica-firma', { notificaFirmaInps: { protocollo: `N-${protocollo}` } });
  assert.is(seen.dataFirma, '2026-03-16');
  return id;
}

export const PROGETTO = {
  caseManager: 'Anna Verdi',
  obiettivi: [
    { area: 'inclusione_lavorativa', descrizione: 'Ricerca attiva di lavoro', risultatiAttesi: 'Almeno due colloqui al mese', tempi: 'entro 6 mesi' },
    { area: 'inclusione_sociale', descrizione: 'Frequenza scolastica regolare del figlio', risultatiAttesi: 'Assenze sotto il 10%', tempi: 'anno scolastico' },
  ],
  sostegni: [{ intervento: 'Tirocinio di inclusione', periodo: 'aprile–settembre', risorse: 'CPI, ente di formazione' }],
  impegniNucleo: [{ componente: 'Mario Rossi', impegno: 'Contatti con i servizi ogni due settimane' }],
  impegniRete: [{ soggetto: 'CPI Milano Centro', impegno: 'Proposte di lavoro congrue' }],
  azioni: [{ periodo: 'aprile', descrizione: 'Iscrizione al CPI e bilancio di competenze' }],
};

/** End of the n-th working day after `day` (national holidays; the test comuni have no patron day), as the due dates are written. */
export function addWorkingDaysEnd(day: string, n: number): string {
  return endOfRomeDay(createCalendar({}).addWorkingDays(day, n));
}

/** When the case's timer at `elementId` is due (its job), or null. */
export async function timerDue(w: ReiWorld, id: string, elementId: string): Promise<Date | null> {
  const jobs = await w.app.services.orm.em.fork().find(Job, { instanceId: id, elementId });
  return jobs.length ? jobs.map((j) => j.dueAt).sort((a, b) => a.getTime() - b.getTime())[0]! : null;
}
