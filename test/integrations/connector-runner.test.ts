/**
 * The connector runner with connectors written for the test: outputs become
 * variables; a thrown error is retried per the element's
 * camunda:failedJobRetryTimeCycle as the clock moves, then an incident that a
 * retry resolves; ConnectorBpmnError reaches the error boundary event with its
 * variables; PermanentConnectorError is an incident at once; two runners never
 * run one task twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { errorPath, externalTask, flow, userTask } from '../helpers/models.js';
import { ExternalTask, Incident } from '../../src/db/entities/index.js';
import { ExternalTaskService } from '../../src/tasks/external/external-task.service.js';
import { ConnectorRunner } from '../../src/integrations/connector-runner.js';
import { ConnectorRegistry } from '../../src/integrations/registry.js';
import { ConnectorBpmnError, PermanentConnectorError, type Connector, type ConnectorContext } from '../../src/integrations/connector.js';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

/** start → service task on `topic` (optional retry cycle; error boundary ERR_X → "ko") → user task "after" → end */
function model(key: string, topic: string, retryCycle?: string): string {
  const retry = retryCycle ? `<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>${retryCycle}</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>` : undefined;
  return flow(key, [externalTask('ext', topic, 'Connettore', retry), userTask('after', 'Dopo')], errorPath('ext', { errorCode: 'ERR_X', errorName: 'Errore X', to: 'ko', toName: 'Errore' }));
}

function runnerFor(connectors: Connector[], workerId = 'test-runner'): ConnectorRunner {
  return new ConnectorRunner({ externalTasks: new ExternalTaskService(app.services), registry: new ConnectorRegistry(connectors), orm: app.services.orm, clock: app.clock }, { workerId });
}

async function setup(name: string, retryCycle?: string) {
  const tenant = await app.tenant();
  const key = `conn_${name}`;
  const topic = `test-${name}`;
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  const dep = await deploy(admin, { [`${key}.bpmn`]: model(key, topic, retryCycle) }, tenant);
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  const start = async (variables: Record<string, unknown> = {}, businessKey = `BK-${name}`) => {
    const r = await op.post(`/api/v1/process-definitions/${key}/start`, { businessKey, variables });
    assert.is(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const instance = async (id: string) => (await op.get(`/api/v1/process-instances/${id}`)).body;
  return { tenant, key, topic, op, start, instance };
}

test('the connector sees the case; what it returns becomes process variables', async () => {
  const s = await setup('outputs');
  const seen: ConnectorContext[] = [];
  const runner = runnerFor([{ topic: s.topic, description: 'test', async run(ctx) { seen.push(ctx); return { risultato: ctx.variables.n as number * 2, oggetto: { a: [1, 2] } }; } }]);
  const id = await s.start({ n: 21 });
  assert.is(await runner.drain(), 1);
  assert.is(seen.length, 1);
  assert.is(seen[0].tenant, s.tenant);
  assert.is(seen[0].businessKey, 'BK-outputs');
  assert.is(seen[0].instanceId, id);
  assert.is(seen[0].activityId, 'ext');
  assert.is(seen[0].now.toISOString(), app.clock.now().toISOString());
  const i = await s.instance(id);
  assert.equal(i.activeElements, ['after']);
  assert.is(i.variables.risultato, 42);
  assert.equal(i.variables.oggetto, { a: [1, 2] });
  assert.is(runner.stats.completed, 1);
  assert.is(await runner.drain(), 0);
});

test('failures follow the element retry cycle (R2/PT10M) as the clock moves, then an incident; retrying it succeeds', async () => {
  const s = await setup('cycle', 'R2/PT10M');
  let fail = true;
  let calls = 0;
  const runner = runnerFor([{ topic: s.topic, description: 'test', async run() { calls++; if (fail) throw new Error('servizio giù'); return { ok: true }; } }]);
  const id = await s.start();
  await runner.drain();
  const em = () => app.services.orm.em.fork();
  let ext = await em().findOneOrFail(ExternalTask, { instanceId: id, status: 'open' });
  assert.is(ext.retries, 1);
  assert.is(ext.retryAt?.getTime(), app.clock.now().getTime() + 10 * 60_000);
  assert.is(ext.errorMessage, 'servizio giù');
  app.clock.advance(10 * 60_000);
  await runner.drain();
  ext = await em().findOneOrFail(ExternalTask, { instanceId: id, status: 'open' });
  assert.is(ext.retries, 0);
  const incident = await em().findOneOrFail(Incident, { instanceId: id, status: 'open' });
  assert.is(incident.message, 'servizio giù');
  assert.is(calls, 2);

  fail = false;
  const resp = await app.user({ tenant: s.tenant, roles: ['responsabile'] });
  assert.is((await resp.post(`/api/v1/incidents/${incident.id}/retry`, {})).status, 200);
  assert.is(await runner.drain(), 1);
  assert.equal((await s.instance(id)).activeElements, ['after']);
  assert.is((await em().findOneOrFail(Incident, { id: incident.id })).status, 'resolved');
});

test('ConnectorBpmnError reaches the error boundary event, with its variables', async () => {
  const s = await setup('bpmn');
  const runner = runnerFor([{ topic: s.topic, description: 'test', async run() { throw new ConnectorBpmnError('ERR_X', 'rifiutato', { motivo: 'perché sì' }); } }]);
  const id = await s.start();
  await runner.drain();
  const i = await s.instance(id);
  assert.equal(i.activeElements, ['ko']);
  assert.is(i.variables.motivo, 'perché sì');
  assert.is(runner.stats.bpmnErrors, 1);
});

test('PermanentConnectorError opens the incident at once', async () => {
  const s = await setup('permanent');
  const runner = runnerFor([{ topic: s.topic, description: 'test', async run() { throw new PermanentConnectorError('configurazione mancante'); } }]);
  const id = await s.start();
  await runner.drain();
  const ext = await app.services.orm.em.fork().findOneOrFail(ExternalTask, { instanceId: id, status: 'open' });
  assert.is(ext.retries, 0);
  assert.is((await app.services.orm.em.fork().findOneOrFail(Incident, { instanceId: id, status: 'open' })).message, 'configurazione mancante');
});

test('two runners draining at the same time never run one task twice', async () => {
  const s = await setup('race');
  const runs = new Map<string, number>();
  const connector: Connector = {
    topic: s.topic,
    description: 'test',
    async run(ctx) {
      runs.set(ctx.externalTaskId, (runs.get(ctx.externalTaskId) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      return {};
    },
  };
  for (let i = 0; i < 8; i++) await s.start({}, `BK-race-${i}`);
  const [a, b] = await Promise.all([runnerFor([connector], 'runner-a').drain(), runnerFor([connector], 'runner-b').drain()]);
  assert.is(a + b, 8);
  assert.is(runs.size, 8);
  assert.ok([...runs.values()].every((n) => n === 1));
});

test('a topic registered twice is a wiring mistake', () => {
  const c: Connector = { topic: 'dup', description: 'x', async run() { return {}; } };
  assert.throws(() => new ConnectorRegistry([c, c]), /due volte/);
  assert.is(new ConnectorRegistry([c]).override([{ ...c, description: 'y' }]).get('dup')?.description, 'y');
});

test.run();
