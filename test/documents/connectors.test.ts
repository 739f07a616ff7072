/**
 * Document connectors: one per topic with the contract's output variable;
 * a rerun (or a concurrent run) of the same external task stores one document
 * and returns its id; missing data or a convocation outside the 24–72 h notice
 * is a permanent failure; and through the connector runner a model's external
 * service task gets its document id as a process variable.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { externalTask, flow, twoTasks, userTask } from '../helpers/models.js';
import { documentConnectors } from '../../src/documents/connectors.js';
import { CaseDocument } from '../../src/db/entities/document.entities.js';
import { PermanentConnectorError, type Connector, type ConnectorContext } from '../../src/integrations/connector.js';
import { sampleVariables } from './fixtures.js';

const KEY = 'documents_connector_case';
const FLOW = 'documents_connector_flow';

let app: TestApp;
let A: string;
let B: string;
let opA: Client;
let connectors: Map<string, Connector>;
let instanceA: string;
let variablesA: Record<string, unknown>;

function ctx(topic: string, over: Partial<ConnectorContext> = {}): ConnectorContext {
  return { tenant: A, instanceId: instanceA, businessKey: 'REI-2026-000123', activityId: 'doc', topic, externalTaskId: randomUUID(), variables: variablesA, now: app.clock.now(), ...over };
}

async function rows(where: Record<string, unknown>) {
  return app.services.orm.em.fork().count(CaseDocument, where);
}

test.before(async () => {
  app = await startTestApp();
  A = await app.tenant('Comune di Albosaggia');
  B = await app.tenant('Comune di Berbenno');
  const admin = await app.admin();
  const external = flow(FLOW, [externalTask('lettera', 'documento-rigetto', 'Lettera di rigetto'), userTask('after', 'Consegna', { group: 'docc-g' })]);
  const dep = await deploy(admin, { 'docs.bpmn': twoTasks(KEY, { group: 'docc-g' }), 'docs-flow.bpmn': external });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  opA = await app.user({ tenant: A, roles: ['operatore'], groups: ['docc-g'] });
  variablesA = sampleVariables({
    owner: opA.username,
    convocazione: { dataOra: '2026-03-04T10:30:00+01:00', luogo: 'Piazza Municipio 1', motivo: 'Colloquio di verifica', componente: 'Mario Rossi' },
    ultimaSanzione: { tipo: 'riduzione_mensilita', evento: 'mancata_presentazione', data: '2026-03-01' },
  });
  const r = await opA.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey: 'REI-2026-000123', variables: variablesA });
  assert.is(r.status, 201, JSON.stringify(r.body));
  instanceA = r.body.id;
  connectors = new Map(documentConnectors(app.services).map((c) => [c.topic, c]));
});
test.after(async () => app.close());

test('one connector per document topic, declaring its output variable', () => {
  assert.equal(
    [...connectors.values()].map((c) => [c.topic, c.outputs]),
    [
      ['documento-progetto', ['documentoProgettoId']],
      ['documento-rigetto', ['documentoRigettoId']],
      ['documento-convocazione', ['documentoConvocazioneId']],
      ['documento-sanzione', ['documentoSanzioneId']],
    ],
  );
  for (const c of connectors.values()) assert.type(c.description, 'string');
});

// Runs first among the HTTP tests: long PDF work blocks the event loop, and an HTTP call after a long idle
// gap can meet a keep-alive socket the test server is closing (ECONNRESET).
test('through the connector runner: the external task completes with documentoRigettoId', async () => {
  const r = await opA.post(`/api/v1/process-definitions/${FLOW}/start`, { businessKey: 'REI-2026-000999', variables: sampleVariables({ protocollo: 'REI-2026-000999', esitoInps: 'negativo', motiviInps: ['Patrimonio mobiliare oltre la soglia'] }) });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.activeElements, ['lettera']);
  await app.services.connectors.drain();
  const after = await opA.get(`/api/v1/process-instances/${r.body.id}`);
  assert.equal(after.body.activeElements, ['after'], JSON.stringify(after.body));
  const id = after.body.variables.documentoRigettoId;
  assert.type(id, 'string');
  const list = await opA.get(`/api/v1/process-instances/${r.body.id}/documents`);
  assert.equal(list.body.items.map((d: { id: string }) => d.id), [id]);
  assert.is(list.body.items[0].fileName, 'lettera-rigetto-REI-2026-000999-20260302.pdf');
  const { html } = await app.services.documents.html(id, A);
  assert.ok(html.includes('<li>Patrimonio mobiliare oltre la soglia</li>'));
  assert.ok(html.includes("dall'INPS"));
});

test('each connector stores its document and returns its id', async () => {
  const outputs: Record<string, string> = {};
  for (const c of connectors.values()) Object.assign(outputs, await c.run(ctx(c.topic)));
  assert.equal(Object.keys(outputs).sort(), ['documentoConvocazioneId', 'documentoProgettoId', 'documentoRigettoId', 'documentoSanzioneId']);
  const list = await app.services.documents.list(A, instanceA);
  const byId = new Map(list.map((d) => [d.id, d]));
  assert.is(byId.get(outputs.documentoProgettoId!)?.type, 'progetto');
  assert.is(byId.get(outputs.documentoRigettoId!)?.type, 'rigetto');
  assert.is(byId.get(outputs.documentoConvocazioneId!)?.type, 'convocazione');
  assert.is(byId.get(outputs.documentoSanzioneId!)?.type, 'sanzione');
  assert.is(byId.get(outputs.documentoSanzioneId!)?.createdBy, 'connettore:documento-sanzione');
  const { html } = await app.services.documents.html(outputs.documentoSanzioneId!, A);
  assert.ok(html.includes('decurtazione di una mensilità del beneficio</strong> (pari a € 187,50)'));
});

test('a rerun with the same externalTaskId returns the same document: one row', async () => {
  const c = connectors.get('documento-progetto')!;
  const context = ctx(c.topic);
  const first = await c.run(context);
  app.clock.advance(5 * 60_000);
  const second = await c.run({ ...context, now: app.clock.now() });
  assert.equal(second, first);
  assert.is(await rows({ externalTaskId: context.externalTaskId }), 1);

  // Two runs at once (e.g. a lock expired mid-run): still one row, one id.
  const racing = ctx('documento-rigetto');
  const rigetto = connectors.get('documento-rigetto')!;
  const [x, y] = await Promise.all([rigetto.run(racing), rigetto.run(racing)]);
  assert.equal(x, y);
  assert.is(await rows({ externalTaskId: racing.externalTaskId }), 1);

  // Another external task is another document.
  const other = await c.run(ctx(c.topic));
  assert.is.not((other as Record<string, string>).documentoProgettoId, (first as Record<string, string>).documentoProgettoId);
});

test('missing data and a convocation outside the 24–72 h notice fail permanently, storing nothing', async () => {
  const convocazione = connectors.get('documento-convocazione')!;
  const tooLate = ctx(convocazione.topic, { now: new Date('2026-03-04T00:00:00Z') });
  try {
    await convocazione.run(tooLate);
    assert.unreachable('ran');
  } catch (err) {
    assert.instance(err, PermanentConnectorError);
    assert.match((err as Error).message, /preavviso tra 24 e 72 ore/);
  }
  assert.is(await rows({ externalTaskId: tooLate.externalTaskId }), 0);

  const sanzione = connectors.get('documento-sanzione')!;
  const none = ctx(sanzione.topic, { variables: { ...variablesA, ultimaSanzione: null } });
  try {
    await sanzione.run(none);
    assert.unreachable('ran');
  } catch (err) {
    assert.instance(err, PermanentConnectorError);
  }
  assert.is(await rows({ externalTaskId: none.externalTaskId }), 0);
});

test("a task of another comune's instance is refused", async () => {
  const c = connectors.get('documento-rigetto')!;
  const foreign = ctx(c.topic, { tenant: B });
  try {
    await c.run(foreign);
    assert.unreachable('ran');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'INSTANCE_NOT_FOUND');
  }
  assert.is(await rows({ externalTaskId: foreign.externalTaskId }), 0);
});

test.run();
