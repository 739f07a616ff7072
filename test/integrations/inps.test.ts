/**
 * The INPS exchange end to end: the connector runner sends applications to the
 * simulated INPS (started in-process on a free port), the simulator posts the
 * outcome back to the callback endpoint and the case goes on. INPS down →
 * retries with back-off as the clock moves → incident → retry after recovery;
 * a timed-out send repeated with the same idempotency key; chronological
 * order; the callback's authentication, 404 and 409; signature and sanction
 * notices; INPS refusing an application → BPMN error INPS_RIFIUTO.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { process as bpmnProcess } from '../helpers/models.js';
import { ExternalTask, Incident } from '../../src/db/entities/index.js';
import { InpsSim } from '../../sim/inps/server.js';

const PASSWORD = 'password123'; // the harness gives every test user this password
const MINUTE = 60_000;

let app: TestApp;
let admin: Client;
let inps: Client;
let sim: InpsSim;
const inpsUser = `inps-${randomUUID().slice(0, 8)}`;

test.before(async () => {
  sim = new InpsSim({ delayMs: 0, callbackRetryMs: 10, callbackMaxRetryMs: 100, callbackMaxAttempts: 200, callbackUser: inpsUser, callbackPassword: PASSWORD });
  await sim.start(0);
  // A poll interval far longer than any test: only the wake-up on commit can make the started runner send at once.
  app = await startTestApp({ config: { inpsUrl: sim.url, inpsTimeoutMs: 2000, connectorPollMs: 60_000 } });
  sim.setEngine({ url: app.baseUrl });
  admin = await app.admin();
  inps = await app.user({ tenant: null, roles: ['inps'], username: inpsUser });
});
// Tests move the clock by hours; tokens live 60 minutes.
test.before.each(async () => {
  for (const u of [admin, inps]) await u.refresh();
});
test.after(async () => {
  await sim.close();
  await app.close();
});

/** start → send to INPS (external, error boundary INPS_RIFIUTO → "rifiutata") → wait for esitoInps → end */
function inpsModel(key: string): string {
  return bpmnProcess(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="invio" />
    <bpmn:serviceTask id="invio" name="Invio domanda a INPS" camunda:type="external" camunda:topic="inps-invio-domanda" />
    <bpmn:sequenceFlow id="f2" sourceRef="invio" targetRef="attesa" />
    <bpmn:receiveTask id="attesa" name="Attesa esito INPS" messageRef="msgEsito" />
    <bpmn:sequenceFlow id="f3" sourceRef="attesa" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="rifiuto" attachedToRef="invio">
      <bpmn:errorEventDefinition id="rifiutoDef" errorRef="errRifiuto" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="rifiuto" targetRef="rifiutata" />
    <bpmn:userTask id="rifiutata" name="Domanda rifiutata da INPS" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f5" sourceRef="rifiutata" targetRef="end2" />
    <bpmn:endEvent id="end2" />`,
    `
  <bpmn:message id="msgEsito" name="esitoInps" />
  <bpmn:error id="errRifiuto" name="Rifiuto INPS" errorCode="INPS_RIFIUTO" />`,
  );
}

/** start → signature notice → sanction notice → end */
function noticesModel(key: string): string {
  return bpmnProcess(
    key,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="firma" />
    <bpmn:serviceTask id="firma" name="Notifica firma a INPS" camunda:type="external" camunda:topic="inps-notifica-firma" />
    <bpmn:sequenceFlow id="f2" sourceRef="firma" targetRef="sanzione" />
    <bpmn:serviceTask id="sanzione" name="Notifica sanzione a INPS" camunda:type="external" camunda:topic="inps-notifica-sanzione" />
    <bpmn:sequenceFlow id="f3" sourceRef="sanzione" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

interface Comune {
  tenant: string;
  key: string;
  op: Client;
  resp: Client;
}

async function comune(name: string, model: (key: string) => string = inpsModel): Promise<Comune> {
  const tenant = await app.tenant();
  const key = `inps_${name}`;
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const resp = await app.user({ tenant, roles: ['responsabile'], groups: ['g1'] });
  const dep = await deploy(admin, { [`${key}.bpmn`]: model(key) }, tenant);
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  return { tenant, key, op, resp };
}

let seq = 0;
function domanda(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    protocollo: `REI-2026-${String(seq).padStart(5, '0')}`,
    dataDomanda: '2026-02-16',
    richiedente: { codiceFiscale: 'RSSMRA80A01F205X', nome: 'Mario', cognome: 'Rossi' },
    nucleo: [{ codiceFiscale: 'RSSMRA80A01F205X', relazione: 'richiedente' }],
    isee: 4200,
    isre: 1800,
    dsuProtocollo: 'INPS-ISEE-2026-1',
    ...overrides,
  };
}

async function startCase(c: Comune, variables: Record<string, unknown>): Promise<{ id: string; protocollo: string }> {
  const protocollo = String(variables.protocollo);
  const r = await c.op.post(`/api/v1/process-definitions/${c.key}/start`, { businessKey: protocollo, variables });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, protocollo };
}

async function instance(c: Comune, id: string) {
  const r = await c.op.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function externalTask(instanceId: string): Promise<ExternalTask> {
  const ext = await app.services.orm.em.fork().findOne(ExternalTask, { instanceId, status: 'open' });
  assert.ok(ext, 'open external task expected');
  return ext!;
}

function simDomande(tenant: string) {
  return sim.domande().filter((d) => d.ente === tenant);
}

/** Real-time wait for something the simulator does on its own (it runs real HTTP), never for engine time. */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function simControl(path: string, body: unknown = {}) {
  const res = await fetch(`${sim.url}${path}`, { method: path.endsWith('/rules') ? 'PUT' : 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `${path}: HTTP ${res.status}`);
  return res.json();
}

// ---------------------------------------------------------------- happy path and outcomes

test('the runner sends the application; the simulator posts a positive outcome back; the case goes on', async () => {
  const c = await comune('happy');
  const { id, protocollo } = await startCase(c, domanda());
  assert.is(await app.services.connectors.drain(), 1);
  await sim.idle();

  const [d] = simDomande(c.tenant);
  assert.ok(d, 'INPS received the application');
  assert.is(d.protocolloDomanda, protocollo);
  assert.is(d.dataDomanda, '2026-02-16');
  assert.is(d.codiceFiscale, 'RSSMRA80A01F205X');
  assert.is(d.esito?.esito, 'positivo');
  assert.is(d.consegna.stato, 'consegnata');

  const i = await instance(c, id);
  assert.is(i.status, 'completed');
  assert.is(i.variables.protocolloInps, d.protocolloInps);
  assert.is(i.variables.dataInvioInps, app.clock.now().toISOString());
  assert.is(i.variables.esitoInps, 'positivo');
  assert.equal(i.variables.motiviInps, []);
});

test('negative outcomes by the simulator rules: ISEE above the threshold, codice fiscale in the deny list', async () => {
  const c = await comune('negativo');
  await simControl('/control/rules', { codiciFiscaliNegativi: ['VRDLGU70B02F205Y'] });
  try {
    const high = await startCase(c, domanda({ isee: 7500 }));
    const denied = await startCase(c, domanda({ richiedente: { codiceFiscale: 'vrdlgu70b02f205y' } }));
    assert.is(await app.services.connectors.drain(), 2);
    await sim.idle();
    const a = await instance(c, high.id);
    assert.is(a.status, 'completed');
    assert.is(a.variables.esitoInps, 'negativo');
    assert.match(a.variables.motiviInps[0], /ISEE .* superiore alla soglia/);
    const b = await instance(c, denied.id);
    assert.is(b.variables.esitoInps, 'negativo');
    assert.equal(b.variables.motiviInps, ['Requisiti non confermati dalle banche dati INPS']);
  } finally {
    await simControl('/control/rules', { codiciFiscaliNegativi: [] });
  }
});

test('INPS refusing the application (no codice fiscale) is the BPMN error INPS_RIFIUTO with the reasons', async () => {
  const c = await comune('rifiuto');
  const { id } = await startCase(c, domanda({ richiedente: { nome: 'Senza', cognome: 'Codice' } }));
  await app.services.connectors.drain();
  const i = await instance(c, id);
  assert.is(i.status, 'active');
  assert.equal(i.activeElements, ['rifiutata']);
  assert.match(i.variables.motiviInps[0], /Codice fiscale del richiedente mancante/);
  assert.is(simDomande(c.tenant).length, 0);
});

// ---------------------------------------------------------------- failures, retries, incidents

test('INPS down (503): retries after 1, 5 and 15 minutes, then an incident; retried after recovery it succeeds', async () => {
  const c = await comune('down');
  const { id } = await startCase(c, domanda());
  const before = sim.calls.domande;
  await simControl('/control/fail', { status: 503 }); // until reset
  try {
    assert.is(await app.services.connectors.drain(), 1);
    let ext = await externalTask(id);
    assert.is(ext.retries, 3);
    assert.is(ext.retryAt?.toISOString(), new Date(app.clock.now().getTime() + MINUTE).toISOString());
    assert.match(ext.errorMessage ?? '', /HTTP 503/);

    assert.is(await app.services.connectors.drain(), 0, 'not due before its back-off');
    app.clock.advance(MINUTE - 1000);
    assert.is(await app.services.connectors.drain(), 0);
    app.clock.advance(1000);
    assert.is(await app.services.connectors.drain(), 1);
    ext = await externalTask(id);
    assert.is(ext.retries, 2);
    assert.is(ext.retryAt?.getTime(), app.clock.now().getTime() + 5 * MINUTE);

    app.clock.advance(5 * MINUTE);
    await app.services.connectors.drain();
    ext = await externalTask(id);
    assert.is(ext.retries, 1);
    assert.is(ext.retryAt?.getTime(), app.clock.now().getTime() + 15 * MINUTE);

    app.clock.advance(15 * MINUTE);
    await app.services.connectors.drain();
    ext = await externalTask(id);
    assert.is(ext.retries, 0);
    app.clock.advance(60 * MINUTE);
    assert.is(await app.services.connectors.drain(), 0, 'no retries left: not fetched again');
    assert.is(sim.calls.domande - before, 4);
  } finally {
    await simControl('/control/reset');
  }

  await c.resp.refresh();
  await c.op.refresh(); // over an hour has passed: tokens live 60 minutes
  const list = await c.resp.get(`/api/v1/incidents?processInstanceId=${id}&status=open`);
  assert.is(list.status, 200);
  assert.is(list.body.items.length, 1);
  const incident = list.body.items[0];
  assert.is(incident.kind, 'external-task-failed');
  assert.is(incident.elementId, 'invio');
  assert.match(incident.message, /INPS non disponibile .*HTTP 503/);

  const retry = await c.resp.post(`/api/v1/incidents/${incident.id}/retry`, {});
  assert.is(retry.status, 200, JSON.stringify(retry.body));
  assert.is(await app.services.connectors.drain(), 1);
  await sim.idle();
  const i = await instance(c, id);
  assert.is(i.status, 'completed');
  assert.is(i.variables.esitoInps, 'positivo');
  const resolved = await app.services.orm.em.fork().findOneOrFail(Incident, { id: incident.id });
  assert.is(resolved.status, 'resolved');
});

test('a send that timed out is repeated with the same idempotency key: INPS keeps one application, one protocol, one outcome', async () => {
  const c = await comune('timeout');
  const { id } = await startCase(c, domanda());
  sim.slow({ ms: 2500, count: 1 }); // the engine gives up after 2 s, INPS registers the application anyway
  assert.is(await app.services.connectors.drain(), 1);
  const ext = await externalTask(id);
  assert.is(ext.retries, 3);
  assert.match(ext.errorMessage ?? '', /non ha risposto entro 2000 ms/);
  await until('INPS to register the slow application', () => simDomande(c.tenant).length === 1);

  app.clock.advance(MINUTE);
  assert.is(await app.services.connectors.drain(), 1);
  await sim.idle();
  const domande = simDomande(c.tenant);
  assert.is(domande.length, 1);
  assert.is(domande[0].invii, 2);
  assert.equal(domande[0].idempotencyKeys, [ext.id]);
  const i = await instance(c, id);
  assert.is(i.status, 'completed');
  assert.is(i.variables.protocolloInps, domande[0].protocolloInps);
  assert.is(domande[0].consegna.stato, 'consegnata');
});

// ---------------------------------------------------------------- chronological order

test('applications go to INPS in order of dataDomanda, whatever the order the cases were created in', async () => {
  const c = await comune('chrono');
  const later = await startCase(c, domanda({ dataDomanda: '2026-02-20' }));
  const earliest = await startCase(c, domanda({ dataDomanda: '2026-02-10' }));
  const middle = await startCase(c, domanda({ dataDomanda: '2026-02-15' }));
  await app.services.connectors.drain();
  await sim.idle();
  assert.equal(simDomande(c.tenant).map((d) => d.protocolloDomanda), [earliest.protocollo, middle.protocollo, later.protocollo]);
});

test('chronological order holds through a failure: a later application waits while the earlier one backs off', async () => {
  const c = await comune('chrono_fail');
  const later = await startCase(c, domanda({ dataDomanda: '2026-02-20' }));
  const earlier = await startCase(c, domanda({ dataDomanda: '2026-02-10' }));
  const before = sim.calls.domande;
  sim.fail({ count: 1 });
  await app.services.connectors.drain();
  assert.is(sim.calls.domande - before, 1, 'only the earlier application was tried');
  assert.is(simDomande(c.tenant).length, 0);
  const held = await externalTask(later.id);
  assert.is(held.retries, null);
  assert.is(held.workerId, null, 'the later one was given back, not left locked');

  app.clock.advance(MINUTE);
  await app.services.connectors.drain();
  await sim.idle();
  assert.equal(simDomande(c.tenant).map((d) => d.protocolloDomanda), [earlier.protocollo, later.protocollo]);
});

// ---------------------------------------------------------------- the callback endpoint

test('callback: only the inps service account; it may call nothing else', async () => {
  const c = await comune('auth');
  const body = { ente: c.tenant, protocolloDomanda: 'X', esito: 'positivo', motivi: [], protocolloInps: 'P' };
  assert.is((await app.anonymous().post('/api/v1/inps/esiti', body)).status, 401);
  const op = await c.op.post('/api/v1/inps/esiti', body);
  assert.is(op.status, 403);
  assert.is(op.body.error.code, 'ROLE_REQUIRED');
  assert.is((await admin.post('/api/v1/inps/esiti', body)).status, 403);

  const wrong = await fetch(`${app.baseUrl}/api/v1/inps/esiti`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${inpsUser}:sbagliata`).toString('base64')}` }, body: JSON.stringify(body) });
  assert.is(wrong.status, 401);

  for (const path of ['/api/v1/tasks', '/api/v1/process-instances', '/api/v1/incidents', '/api/v1/auth/me']) {
    const r = await inps.get(path);
    assert.is(r.status, 403, path);
    assert.is(r.body.error.code, 'SERVICE_ACCOUNT', path);
  }
  const worker = await inps.post('/engine-rest/external-task/fetchAndLock', { workerId: 'w', maxTasks: 1, topics: [{ topicName: 'inps-invio-domanda', lockDuration: 1000 }] });
  assert.is(worker.status, 403);
});

test('callback: unknown comune or protocol → 404; malformed → 422; before the sending is recorded → 409 ESITO_PREMATURO', async () => {
  const c = await comune('callback');
  const { protocollo } = await startCase(c, domanda());
  const esito = { ente: c.tenant, protocolloDomanda: protocollo, esito: 'positivo', motivi: [], protocolloInps: 'INPS-X' };

  const unknown = await inps.post('/api/v1/inps/esiti', { ...esito, protocolloDomanda: 'REI-NON-ESISTE' });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'DOMANDA_NON_TROVATA');
  const otherComune = await inps.post('/api/v1/inps/esiti', { ...esito, ente: 'Z999' });
  assert.is(otherComune.status, 404);
  const bad = await inps.post('/api/v1/inps/esiti', { ...esito, esito: 'forse' });
  assert.is(bad.status, 422);

  const early = await inps.post('/api/v1/inps/esiti', esito);
  assert.is(early.status, 409);
  assert.is(early.body.error.code, 'ESITO_PREMATURO');
});

test('callback: a repeated outcome answers 409 and never moves the case twice; a different INPS protocol is refused', async () => {
  const c = await comune('duplicate');
  const { id, protocollo } = await startCase(c, domanda({ isee: 7000 }));
  await app.services.connectors.drain();
  await sim.idle();
  const done = await instance(c, id);
  assert.is(done.status, 'completed');
  assert.is(done.variables.esitoInps, 'negativo');

  const [d] = simDomande(c.tenant);
  const again = await sim.resendOutcome(d.protocolloInps);
  assert.is(again.status, 409);
  assert.is((again.body as { error: { code: string } }).error.code, 'ESITO_NON_ATTESO');

  const flipped = await inps.post('/api/v1/inps/esiti', { ente: c.tenant, protocolloDomanda: protocollo, esito: 'positivo', motivi: [], protocolloInps: d.protocolloInps });
  assert.is(flipped.status, 409);
  const mismatch = await inps.post('/api/v1/inps/esiti', { ente: c.tenant, protocolloDomanda: protocollo, esito: 'positivo', motivi: [], protocolloInps: 'INPS-ALTRO' });
  assert.is(mismatch.status, 409);
  assert.is(mismatch.body.error.code, 'PROTOCOLLO_INPS_DIVERSO');

  const after = await instance(c, id);
  assert.is(after.variables.esitoInps, 'negativo');
  const history = await c.op.get(`/api/v1/process-instances/${id}/history`);
  const received = (history.body.items ?? history.body).filter((h: { type: string }) => h.type === 'message.received');
  assert.is(received.length, 1);
});

test('callback with a Bearer token of the service account delivers like Basic does', async () => {
  const c = await comune('bearer');
  const { id, protocollo } = await startCase(c, domanda());
  sim.setEngine({ url: app.baseUrl, password: 'sbagliata' }); // the simulator's own post is refused (401, not retried): the test posts the outcome itself
  try {
    await app.services.connectors.drain();
    await sim.idle();
  } finally {
    sim.setEngine({ url: app.baseUrl, password: PASSWORD });
  }
  assert.is(simDomande(c.tenant)[0].consegna.stato, 'rifiutata');
  const i = await instance(c, id);
  assert.equal(i.activeElements, ['attesa']);
  const r = await inps.post('/api/v1/inps/esiti', { ente: c.tenant, protocolloDomanda: protocollo, esito: 'positivo', motivi: [], protocolloInps: i.variables.protocolloInps });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.delivered[0].processInstanceId, id);
  assert.is(r.body.delivered[0].status, 'completed');
});

// ---------------------------------------------------------------- notices

test('signature and sanction notices reach INPS (listed by the simulator) and record their receipts', async () => {
  const c = await comune('notices', noticesModel);
  const sanzione = { tipo: 'riduzione_quarto', evento: 'assenza_convocazione', data: '2026-03-01', motivo: 'Mancata presentazione' };
  const r = await c.op.post(`/api/v1/process-definitions/${c.key}/start`, {
    businessKey: 'REI-N-1',
    variables: { protocollo: 'REI-N-1', protocolloInps: 'INPS-REI-2026-9999999', dataFirma: '2026-02-27', ultimaSanzione: sanzione },
  });
  assert.is(r.status, 201);
  assert.is(await app.services.connectors.drain(), 2);

  const firma = sim.notifiche('firma').filter((n) => n.ente === c.tenant);
  const sanzioni = sim.notifiche('sanzione').filter((n) => n.ente === c.tenant);
  assert.is(firma.length, 1);
  assert.is(firma[0].payload.dataFirma, '2026-02-27');
  assert.is(firma[0].protocolloDomanda, 'REI-N-1');
  assert.is(sanzioni.length, 1);
  assert.equal(sanzioni[0].payload.sanzione, sanzione);

  const listed = (await (await fetch(`${sim.url}/notifiche?tipo=sanzione`)).json()) as { items: Array<{ protocolloNotifica: string }> };
  assert.ok(listed.items.some((n) => n.protocolloNotifica === sanzioni[0].protocolloNotifica));

  const i = await instance(c, r.body.id);
  assert.is(i.status, 'completed');
  assert.is(i.variables.notificaFirmaInps.protocollo, firma[0].protocolloNotifica);
  assert.is(i.variables.notificaSanzioneInps.protocollo, sanzioni[0].protocolloNotifica);
  assert.is(i.variables.notificaSanzioneInps.tipo, 'riduzione_quarto');
});

test('a notice missing its data is an incident at once, with a clear message (no pointless retries)', async () => {
  const c = await comune('notice_missing', noticesModel);
  const r = await c.op.post(`/api/v1/process-definitions/${c.key}/start`, { businessKey: 'REI-N-2', variables: { protocollo: 'REI-N-2', protocolloInps: 'INPS-1' } });
  assert.is(r.status, 201);
  await app.services.connectors.drain();
  const ext = await externalTask(r.body.id);
  assert.is(ext.retries, 0);
  const incidents = await app.services.orm.em.fork().find(Incident, { instanceId: r.body.id, status: 'open' });
  assert.is(incidents.length, 1);
  assert.match(incidents[0].message, /Manca la variabile dataFirma/);
});

// ---------------------------------------------------------------- running in the background

test('started, the runner wakes on commit: a new case is sent without waiting for the poll interval', async () => {
  const c = await comune('wakeup');
  const runner = app.services.connectors;
  runner.start();
  try {
    await new Promise((r) => setTimeout(r, 50)); // let the first (empty) pass end and the runner wait
    const { id } = await startCase(c, domanda());
    await until('the case to be sent', () => simDomande(c.tenant).length === 1, 3000);
    await sim.idle();
    assert.is((await instance(c, id)).status, 'completed');
  } finally {
    await runner.stop();
  }
});

test.run();
