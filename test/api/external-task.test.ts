/**
 * External workers over Camunda 7's REST (/engine-rest/external-task), driven by
 * the real camunda-external-task-client-js where a worker would use it, and by
 * plain HTTP where the exact answer matters: typed variables both ways,
 * failure → retries → incident → retry, extendLock, locks between workers,
 * tenancy, long polling, and the incidents API.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { errorPath, externalTask, flow, userTask } from '../helpers/models.js';
import { Incident, Job } from '../../src/db/entities/index.js';
import { ExternalTaskService } from '../../src/tasks/external/external-task.service.js';
import type { Principal } from '../../src/auth/principal.js';

// The client ships no type declarations: loaded through a non-literal specifier
// and described below by the few members these tests use.
const CLIENT_PACKAGE = 'camunda-external-task-client-js';
const camunda = (await import(CLIENT_PACKAGE)) as CamundaModule;

interface TypedValue {
  type: string;
  value: unknown;
  valueInfo?: Record<string, unknown>;
}
interface WorkerVariables {
  get(name: string): unknown;
  getTyped(name: string): TypedValue | null;
  getAll(): Record<string, unknown>;
  set(name: string, value: unknown): WorkerVariables;
  setTyped(name: string, typed: TypedValue): WorkerVariables;
}
interface LockedTask {
  id: string;
  topicName: string;
  workerId: string;
  retries: number | null;
  errorMessage: string | null;
  processInstanceId: string;
  tenantId: string;
  businessKey: string | null;
  variables: WorkerVariables;
}
interface TaskService {
  complete(task: LockedTask, variables?: WorkerVariables, localVariables?: WorkerVariables): Promise<void>;
  handleFailure(task: LockedTask, options: { errorMessage?: string; errorDetails?: string; retries?: number; retryTimeout?: number }): Promise<void>;
  handleBpmnError(task: LockedTask, errorCode: string, errorMessage?: string, variables?: WorkerVariables): Promise<void>;
  extendLock(task: LockedTask, newDuration: number): Promise<void>;
  unlock(task: LockedTask): Promise<void>;
}
interface WorkerClient {
  subscribe(topic: string, options: Record<string, unknown>, handler: (args: { task: LockedTask; taskService: TaskService }) => Promise<void>): { unsubscribe(): void };
  start(): void;
  stop(): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener: (...args: unknown[]) => void): void;
}
interface CamundaModule {
  Client: new (options: Record<string, unknown>) => WorkerClient;
  BasicAuthInterceptor: new (options: { username: string; password: string }) => (config: Record<string, unknown>) => Record<string, unknown>;
  Variables: new () => WorkerVariables;
}

/** The harness gives every test user this password. */
const PASSWORD = 'password123';
const ET = '/engine-rest/external-task';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

/** The variables the test workers send: the service task declares them as its outputs (issue 11: undeclared ones are refused). */
const OUTPUTS = `<bpmn:extensionElements><camunda:inputOutput>${['esito', 'punteggio', 'rapporto', 'dettaglio', 'idoneo', 'dataEsito', 'protocollo', 'protocolloInps', 'motivo', 'x', 'doc'].map((n) => `<camunda:outputParameter name="${n}">\${${n}}</camunda:outputParameter>`).join('')}</camunda:inputOutput></bpmn:extensionElements>`;

/** start → external service task (topic) → user task "after" → end */
function externalModel(key: string, topic: string): string {
  return flow(key, [externalTask('ext', topic, 'Verifica INPS', OUTPUTS), userTask('after', 'Dopo la verifica')]);
}

/** As externalModel, plus an error boundary event (code ISEE_KO) on the service task leading to user task "ko". */
function errorModel(key: string, topic: string): string {
  return flow(key, [externalTask('ext', topic, 'Verifica ISEE', OUTPUTS), userTask('after', 'ISEE valido')], errorPath('ext', { errorCode: 'ISEE_KO', errorName: 'ISEE non valido', to: 'ko', toName: 'ISEE non valido' }));
}

interface Setup {
  tenant: string;
  key: string;
  topic: string;
  op: Client;
}

/** A fresh comune with an operatore (the worker account) and a process with one external task on a unique topic. */
async function setup(name: string, model: (key: string, topic: string) => string = externalModel): Promise<Setup> {
  const tenant = await app.tenant();
  const key = `exttask_${name}`;
  const topic = `et-${name}`;
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['g1'] }); // also makes group g1 known in the comune
  const dep = await deploy(admin, { [`${key}.bpmn`]: model(key, topic) }, tenant);
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  return { tenant, key, topic, op };
}

async function startInstance(s: Setup, variables: Record<string, unknown> = {}, businessKey?: string): Promise<string> {
  const r = await s.op.post(`/api/v1/process-definitions/${s.key}/start`, { variables, ...(businessKey ? { businessKey } : {}) });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.body.activeElements.includes('ext'), JSON.stringify(r.body.activeElements));
  return r.body.id;
}

/** A worker built the way a CAF would build it: the real client, HTTP Basic with the comune account. */
function worker(user: Client, workerId: string, options: Record<string, unknown> = {}): WorkerClient {
  return new camunda.Client({
    baseUrl: `${app.baseUrl}/engine-rest`,
    workerId,
    autoPoll: false,
    interval: 50,
    maxTasks: 1,
    lockDuration: 30_000,
    interceptors: new camunda.BasicAuthInterceptor({ username: user.username, password: PASSWORD }),
    ...options,
  });
}

/**
 * Subscribes, polls until one task of the topic is handled, stops. Rejects on a
 * poll error, a handler error, or when nothing arrives within a safety limit.
 */
function handleOne(client: WorkerClient, topic: string, handler: (args: { task: LockedTask; taskService: TaskService }) => Promise<void>, options: Record<string, unknown> = {}): Promise<LockedTask> {
  return new Promise((resolve, reject) => {
    let sub: { unsubscribe(): void } | null = null;
    const finish = (err: unknown, task?: LockedTask) => {
      clearTimeout(guard);
      client.stop();
      client.off('poll:error', onPollError);
      sub?.unsubscribe();
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(task!);
    };
    const onPollError = (e: unknown) => finish(e);
    const guard = setTimeout(() => finish(new Error(`nessun task del topic ${topic} ricevuto`)), 10_000);
    client.on('poll:error', onPollError);
    sub = client.subscribe(topic, options, async (args) => {
      try {
        await handler(args);
        finish(null, args.task);
      } catch (e) {
        finish(e);
      }
    });
    client.start();
  });
}

function fetchAndLock(user: Client, workerId: string, topic: string, extra: Record<string, unknown> = {}, topicExtra: Record<string, unknown> = {}) {
  return user.post(`${ET}/fetchAndLock`, { workerId, maxTasks: 5, usePriority: true, topics: [{ topicName: topic, lockDuration: 10_000, ...topicExtra }], ...extra });
}

async function instance(user: Client, id: string) {
  const r = await user.get(`/api/v1/process-instances/${id}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function historyTypes(user: Client, id: string): Promise<string[]> {
  const r = await user.get(`/api/v1/process-instances/${id}/history`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((e: { type: string }) => e.type);
}

test('the real client completes a task with typed variables; the process goes on with them', async () => {
  const s = await setup('complete');
  const id = await startInstance(s, { nome: 'Mario', eta: 42, importo: 1234.5, residente: true, nascita: '1980-05-01', nucleo: { membri: 3, figli: ['a', 'b'] }, grande: 2 ** 40, nota: null }, 'PRATICA-1');
  const seen: Record<string, TypedValue | null> = {};
  const task = await handleOne(worker(s.op, 'caf-1'), s.topic, async ({ task, taskService }) => {
    for (const name of ['nome', 'eta', 'importo', 'residente', 'nascita', 'nucleo', 'grande', 'nota']) seen[name] = task.variables.getTyped(name);
    const out = new camunda.Variables()
      .set('esito', 'ok')
      .set('punteggio', 17)
      .set('rapporto', 0.25)
      .set('dettaglio', { controlli: [1, 2], fonte: 'INPS' })
      .set('idoneo', false)
      .setTyped('dataEsito', { type: 'date', value: new Date('2026-03-02T10:30:00.000Z'), valueInfo: {} })
      .setTyped('protocollo', { type: 'Long', value: 9_007_199_254_740_991, valueInfo: {} });
    await taskService.complete(task, out);
  });
  assert.is(task.processInstanceId, id);
  assert.is(task.tenantId, s.tenant);
  assert.is(task.businessKey, 'PRATICA-1');
  assert.is(task.workerId, 'caf-1');
  // The client lower-cases the type names it receives.
  assert.equal(seen.nome, { type: 'string', value: 'Mario', valueInfo: {} });
  assert.equal(seen.eta, { type: 'integer', value: 42, valueInfo: {} });
  assert.equal(seen.importo, { type: 'double', value: 1234.5, valueInfo: {} });
  assert.equal(seen.residente, { type: 'boolean', value: true, valueInfo: {} });
  assert.equal(seen.nascita, { type: 'string', value: '1980-05-01', valueInfo: {} });
  assert.equal(seen.nucleo, { type: 'json', value: { membri: 3, figli: ['a', 'b'] }, valueInfo: {} });
  assert.equal(seen.grande, { type: 'long', value: 2 ** 40, valueInfo: {} });
  assert.equal(seen.nota, { type: 'null', value: null, valueInfo: {} });

  const inst = await instance(s.op, id);
  assert.equal(inst.activeElements, ['after']);
  assert.is(inst.variables.esito, 'ok');
  assert.is(inst.variables.punteggio, 17);
  assert.is(inst.variables.rapporto, 0.25);
  assert.equal(inst.variables.dettaglio, { controlli: [1, 2], fonte: 'INPS' });
  assert.is(inst.variables.idoneo, false);
  assert.is(inst.variables.dataEsito, '2026-03-02T10:30:00.000Z');
  assert.is(inst.variables.protocollo, 9_007_199_254_740_991);
  assert.is(inst.variables.nome, 'Mario', 'the other variables are kept');
  assert.ok((await historyTypes(s.op, id)).includes('external.completed'));

  // Closed: gone from the external-task resource, like in Camunda.
  const gone = await s.op.get(`${ET}/${task.id}`);
  assert.is(gone.status, 404);
  assert.is(gone.body.type, 'InvalidRequestException');
  assert.ok(gone.body.message.includes(task.id));
  const again = await s.op.post(`${ET}/${task.id}/complete`, { workerId: 'caf-1' });
  assert.is(again.status, 404);
});

test('fetchAndLock answers Camunda\'s LockedExternalTaskDto with typed variables, exactly as JSON', async () => {
  const s = await setup('shape');
  const id = await startInstance(s, { nome: 'Anna', eta: 30, extra: 'x' }, 'BK-SHAPE');
  const res = await fetch(`${app.baseUrl}${ET}/fetchAndLock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${s.op.username}:${PASSWORD}`).toString('base64')}` },
    body: JSON.stringify({ workerId: 'w-shape', maxTasks: 10, topics: [{ topicName: s.topic, lockDuration: 60_000, variables: ['nome', 'eta', 'mancante'] }] }),
  });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json', 'the JS client parses only an exact application/json');
  const [t] = (await res.json()) as Array<Record<string, unknown>>;
  const inst = await instance(s.op, id);
  assert.equal(t, {
    activityId: 'ext',
    activityInstanceId: t.executionId,
    errorMessage: null,
    errorDetails: null,
    executionId: t.executionId,
    id: t.id,
    lockExpirationTime: '2026-03-02T08:01:00.000+0000',
    createTime: t.createTime,
    processDefinitionId: inst.definitionId,
    processDefinitionKey: s.key,
    processDefinitionVersionTag: null,
    processInstanceId: id,
    retries: null,
    workerId: 'w-shape',
    topicName: s.topic,
    tenantId: s.tenant,
    variables: { nome: { type: 'String', value: 'Anna', valueInfo: {} }, eta: { type: 'Integer', value: 30, valueInfo: {} } },
    priority: 0,
    businessKey: 'BK-SHAPE',
  });
  assert.type(t.executionId, 'string');
  assert.match(String(t.createTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

  const one = await s.op.get(`${ET}/${String(t.id)}`);
  assert.is(one.status, 200);
  assert.is(one.body.workerId, 'w-shape');
  assert.is(one.body.lockExpirationTime, '2026-03-02T08:01:00.000+0000');
  assert.is(one.body.suspended, false);
  const listed = await s.op.get(`${ET}?topicName=${s.topic}&locked=true`);
  assert.equal(listed.body.map((x: { id: string }) => x.id), [t.id]);
  assert.equal((await s.op.get(`${ET}?topicName=${s.topic}&notLocked=true`)).body, []);
  assert.equal((await s.op.get(`${ET}/count?processInstanceId=${id}`)).body, { count: 1 });
  assert.equal((await s.op.post(`${ET}/count`, { topicName: s.topic, withRetriesLeft: true })).body, { count: 1 });

  // Bad input is a Camunda InvalidRequestException.
  const bad = await s.op.post(`${ET}/fetchAndLock`, { workerId: 'w', maxTasks: 1, topics: [{ topicName: s.topic }] });
  assert.is(bad.status, 400);
  assert.is(bad.body.type, 'InvalidRequestException');
  assert.ok(bad.body.message.includes('lockDuration'), bad.body.message);
  const badVar = await s.op.post(`${ET}/${String(t.id)}/complete`, { workerId: 'w-shape', variables: { x: { type: 'Integer', value: 'tre' } } });
  assert.is(badVar.status, 400);
  assert.is(badVar.body.type, 'InvalidRequestException');
  assert.ok(badVar.body.message.includes('x'), badVar.body.message);
  const file = await s.op.post(`${ET}/${String(t.id)}/complete`, { workerId: 'w-shape', variables: { doc: { type: 'File', value: 'aGVsbG8=' } } });
  assert.is(file.status, 400);
  assert.ok(file.body.message.includes('File'), file.body.message);
});

test('failure with retries 2, 1, 0 → incident; retry through the incidents API → fetched again and completed', async () => {
  const s = await setup('failure');
  const id = await startInstance(s, { pratica: 7 });
  const client = worker(s.op, 'caf-fail');
  const fail = ({ task, taskService }: { task: LockedTask; taskService: TaskService }) =>
    taskService.handleFailure(task, { errorMessage: 'INPS non raggiungibile', errorDetails: 'ECONNREFUSED 10.0.0.1:443', retries: task.retries === null ? 2 : task.retries - 1, retryTimeout: 60_000 });

  const first = await handleOne(client, s.topic, fail);
  assert.is(first.retries, null, 'never failed before');
  const afterFirst = await s.op.get(`${ET}/${first.id}`);
  assert.is(afterFirst.body.retries, 2);
  assert.is(afterFirst.body.errorMessage, 'INPS non raggiungibile');
  assert.is(afterFirst.body.lockExpirationTime, null, 'the lock is released');
  // Not fetchable before the retry timeout, by anyone.
  assert.equal((await fetchAndLock(s.op, 'caf-other', s.topic)).body, []);

  app.clock.advance(60_001);
  const second = await handleOne(client, s.topic, fail);
  assert.is(second.id, first.id);
  assert.is(second.retries, 2);
  assert.is(second.errorMessage, 'INPS non raggiungibile');

  app.clock.advance(60_001);
  const third = await handleOne(client, s.topic, fail);
  assert.is(third.retries, 1);

  const details = await s.op.get(`${ET}/${first.id}/errorDetails`);
  assert.is(details.status, 200);
  assert.is(details.body, 'ECONNREFUSED 10.0.0.1:443');

  // retries 0: an incident, and the task is no longer fetchable even after the timeout.
  app.clock.advance(600_000);
  assert.equal((await fetchAndLock(s.op, 'caf-fail', s.topic)).body, []);
  const stuck = await s.op.get(`${ET}/${first.id}`);
  assert.is(stuck.body.retries, 0);
  assert.equal((await s.op.get(`${ET}/count?topicName=${s.topic}&noRetriesLeft=true`)).body, { count: 1 });
  assert.equal((await s.op.get(`${ET}/count?topicName=${s.topic}&withRetriesLeft=true`)).body, { count: 0 });

  const open = await s.op.get(`/api/v1/incidents?status=open&processInstanceId=${id}`);
  assert.is(open.status, 200, JSON.stringify(open.body));
  assert.is(open.body.total, 1);
  const incident = open.body.items[0];
  assert.is(incident.kind, 'external-task-failed');
  assert.is(incident.externalTaskId, first.id);
  assert.is(incident.elementId, 'ext');
  assert.is(incident.message, 'INPS non raggiungibile');
  assert.is(incident.status, 'open');
  assert.is(incident.tenant, s.tenant);
  assert.is(incident.processInstanceId, id);

  // Another comune sees nothing of it; an operatore may not retry.
  const other = await app.user({ tenant: await app.tenant(), roles: ['responsabile'] });
  assert.is((await other.get(`/api/v1/incidents?processInstanceId=${id}`)).body.total, 0);
  const otherRetry = await other.post(`/api/v1/incidents/${incident.id}/retry`);
  assert.is(otherRetry.status, 404);
  assert.is(otherRetry.body.error.code, 'INCIDENT_NOT_FOUND');
  const denied = await s.op.post(`/api/v1/incidents/${incident.id}/retry`);
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'ROLE_REQUIRED');

  const boss = await app.user({ tenant: s.tenant, roles: ['responsabile'] });
  const retried = await boss.post(`/api/v1/incidents/${incident.id}/retry`, {});
  assert.is(retried.status, 200, JSON.stringify(retried.body));
  assert.is(retried.body.status, 'resolved');
  assert.is(retried.body.resolvedBy, boss.username);
  assert.is(retried.body.resolvedAt, app.clock.now().toISOString());
  const twice = await boss.post(`/api/v1/incidents/${incident.id}/retry`);
  assert.is(twice.status, 409);
  assert.is(twice.body.error.code, 'INCIDENT_RESOLVED');
  assert.is((await s.op.get(`/api/v1/incidents?status=open&processInstanceId=${id}`)).body.total, 0);
  assert.is((await s.op.get(`/api/v1/incidents?status=resolved&processInstanceId=${id}`)).body.total, 1);

  const last = await handleOne(client, s.topic, async ({ task, taskService }) => {
    await taskService.complete(task, new camunda.Variables().set('protocolloInps', 'INPS-7'));
  });
  assert.is(last.id, first.id);
  assert.is(last.retries, 1, 'the retry gave one attempt back');
  const inst = await instance(s.op, id);
  assert.equal(inst.activeElements, ['after']);
  assert.is(inst.variables.protocolloInps, 'INPS-7');
  const types = await historyTypes(s.op, id);
  assert.is(types.filter((t) => t === 'external.failed').length, 3);
  assert.ok(types.includes('incident.created'));
  assert.ok(types.includes('incident.retried'));
  assert.ok(types.indexOf('incident.retried') < types.indexOf('external.completed'));
});

test('a task out of retries completed anyway by its last worker resolves its incident', async () => {
  const s = await setup('lastword');
  const id = await startInstance(s);
  const [t] = (await fetchAndLock(s.op, 'caf-x', s.topic)).body;
  const failed = await s.op.post(`${ET}/${t.id}/failure`, { workerId: 'caf-x', errorMessage: 'timeout' });
  assert.is(failed.status, 204, JSON.stringify(failed.body));
  const open = await s.op.get(`/api/v1/incidents?status=open&processInstanceId=${id}`);
  assert.is(open.body.total, 1, 'retries omitted means 0, as in Camunda');
  assert.is(open.body.items[0].message, 'timeout');
  const wrong = await s.op.post(`${ET}/${t.id}/failure`, { workerId: 'caf-y', errorMessage: 'x', retries: -1 });
  assert.is(wrong.status, 400);
  assert.is(wrong.body.type, 'InvalidRequestException');
  assert.is((await s.op.post(`${ET}/${t.id}/complete`, { workerId: 'caf-x' })).status, 204);
  const after = await s.op.get(`/api/v1/incidents?processInstanceId=${id}`);
  assert.equal(after.body.items.map((i: { status: string; resolvedBy: string }) => [i.status, i.resolvedBy]), [['resolved', s.op.username]]);
  assert.equal((await instance(s.op, id)).activeElements, ['after']);
});

test('extendLock keeps the task away from other workers; only the lock holder may extend it, and only before it expires', async () => {
  const s = await setup('extend');
  await startInstance(s);
  const task = await handleOne(
    worker(s.op, 'caf-slow'),
    s.topic,
    async ({ task, taskService }) => {
      await taskService.extendLock(task, 120_000);
    },
    { lockDuration: 10_000 },
  );
  const got = await s.op.get(`${ET}/${task.id}`);
  assert.is(got.body.lockExpirationTime, new Date(app.clock.now().getTime() + 120_000).toISOString().replace('Z', '+0000'), 'now + newDuration');
  app.clock.advance(60_000); // past the original 10 s lock, within the extension
  assert.equal((await fetchAndLock(s.op, 'caf-fast', s.topic)).body, []);
  const foreign = await s.op.post(`${ET}/${task.id}/extendLock`, { workerId: 'caf-fast', newDuration: 1000 });
  assert.is(foreign.status, 400);
  assert.is(foreign.body.type, 'InvalidRequestException');
  assert.ok(foreign.body.message.includes('caf-slow'), foreign.body.message);

  app.clock.advance(60_001); // the extension has run out too
  const late = await s.op.post(`${ET}/${task.id}/extendLock`, { workerId: 'caf-slow', newDuration: 1000 });
  assert.is(late.status, 400);
  assert.is(late.body.code, 'EXTERNAL_TASK_LOCK_EXPIRED');
  const taken = await fetchAndLock(s.op, 'caf-fast', s.topic);
  assert.equal(taken.body.map((t: { id: string }) => t.id), [task.id]);
});

test('a locked task goes to one worker at a time; after the lock expires another worker gets it', async () => {
  const s = await setup('twoworkers');
  const id = await startInstance(s);
  const a = await fetchAndLock(s.op, 'worker-a', s.topic, {}, { lockDuration: 5_000 });
  assert.is(a.status, 200);
  assert.is(a.body.length, 1);
  const taskId = a.body[0].id;
  assert.equal((await fetchAndLock(s.op, 'worker-b', s.topic)).body, [], 'locked by worker-a');

  const stolen = await s.op.post(`${ET}/${taskId}/complete`, { workerId: 'worker-b' });
  assert.is(stolen.status, 400);
  assert.is(stolen.body.type, 'InvalidRequestException');
  assert.ok(stolen.body.message.includes('worker-a'), stolen.body.message);
  const lockTaken = await s.op.post(`${ET}/${taskId}/lock`, { workerId: 'worker-b', lockDuration: 1000 });
  assert.is(lockTaken.status, 400);

  app.clock.advance(5_001);
  const b = await fetchAndLock(s.op, 'worker-b', s.topic);
  assert.equal(b.body.map((t: { id: string }) => t.id), [taskId]);
  assert.is(b.body[0].workerId, 'worker-b');
  const late = await s.op.post(`${ET}/${taskId}/complete`, { workerId: 'worker-a' });
  assert.is(late.status, 400, 'worker-a lost the lock');
  assert.is((await instance(s.op, id)).activeElements[0], 'ext');

  // unlock gives it back at once; the lock endpoint takes it for one worker.
  assert.is((await s.op.post(`${ET}/${taskId}/unlock`)).status, 204);
  assert.is((await s.op.get(`${ET}/${taskId}`)).body.workerId, null);
  assert.is((await s.op.post(`${ET}/${taskId}/lock`, { workerId: 'worker-a', lockDuration: 30_000 })).status, 204);
  assert.equal((await fetchAndLock(s.op, 'worker-b', s.topic)).body, []);
  const done = await s.op.post(`${ET}/${taskId}/complete`, { workerId: 'worker-a', variables: { esito: { value: 'ok', type: 'String' } } });
  assert.is(done.status, 204, JSON.stringify(done.body));
  assert.equal((await instance(s.op, id)).activeElements, ['after']);
});

test('concurrent fetchAndLock calls never hand the same task to two workers', async () => {
  const s = await setup('concurrent');
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await startInstance(s, { i }));
  const replies = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => fetchAndLock(s.op, w, s.topic, { maxTasks: 2 })));
  const got = replies.flatMap((r) => {
    assert.is(r.status, 200, JSON.stringify(r.body));
    return r.body.map((t: { id: string; workerId: string; processInstanceId: string }) => t);
  });
  assert.is(got.length, 6, 'all six tasks handed out');
  assert.is(new Set(got.map((t) => t.id)).size, 6, 'each to exactly one worker');
  assert.equal(new Set(got.map((t) => t.processInstanceId)), new Set(ids));
  const listed = await s.op.get(`${ET}?topicName=${s.topic}&sortBy=createTime&sortOrder=asc`);
  for (const t of got) assert.is(listed.body.find((x: { id: string }) => x.id === t.id).workerId, t.workerId, 'the stored lock is the one answered');
});

test('tenancy: another comune\'s worker never sees the task; roles and authentication are checked', async () => {
  const s = await setup('tenancy');
  const id = await startInstance(s);
  const otherTenant = await app.tenant();
  const otherWorker = await app.user({ tenant: otherTenant, roles: ['operatore'] });
  assert.equal((await fetchAndLock(otherWorker, 'caf-other', s.topic)).body, []);
  assert.equal((await fetchAndLock(otherWorker, 'caf-other', s.topic, {}, { tenantIdIn: [s.tenant] })).body, [], 'tenantIdIn cannot widen a comune account');
  assert.equal((await otherWorker.get(`${ET}?topicName=${s.topic}`)).body, []);
  assert.equal((await otherWorker.get(`${ET}/count?processInstanceId=${id}`)).body, { count: 0 });

  const own = await s.op.get(`${ET}?processInstanceId=${id}`);
  assert.is(own.body.length, 1);
  const taskId = own.body[0].id;
  const peek = await otherWorker.get(`${ET}/${taskId}`);
  assert.is(peek.status, 404);
  assert.is(peek.body.type, 'InvalidRequestException');
  assert.is((await otherWorker.post(`${ET}/${taskId}/complete`, { workerId: 'caf-other' })).status, 404);
  assert.is((await otherWorker.post(`${ET}/${taskId}/unlock`)).status, 404);

  // A social worker is not a worker account; no credentials is 401.
  const social = await app.user({ tenant: s.tenant, roles: ['assistente_sociale'] });
  const forbidden = await fetchAndLock(social, 'x', s.topic);
  assert.is(forbidden.status, 403);
  assert.is(forbidden.body.type, 'AuthorizationException');
  const anonymous = await app.anonymous().post(`${ET}/fetchAndLock`, { workerId: 'x', maxTasks: 1, topics: [] });
  assert.is(anonymous.status, 401);
  assert.is(anonymous.body.type, 'AuthenticationException');
  const wrongPassword = await fetch(`${app.baseUrl}${ET}/count`, { headers: { authorization: `Basic ${Buffer.from(`${s.op.username}:nope`).toString('base64')}` } });
  assert.is(wrongPassword.status, 401);

  // A metropolitan worker sees every comune, narrowed by tenantIdIn.
  const metro = await app.user({ tenant: null, roles: ['operatore'] });
  assert.equal((await fetchAndLock(metro, 'metro', s.topic, {}, { tenantIdIn: [otherTenant] })).body, []);
  const got = await fetchAndLock(metro, 'metro', s.topic, {}, { tenantIdIn: [s.tenant] });
  assert.equal(got.body.map((t: { id: string; tenantId: string }) => [t.id, t.tenantId]), [[taskId, s.tenant]]);
});

test('long polling: a waiting fetchAndLock returns the task as soon as an instance creates it', async () => {
  const s = await setup('longpoll');
  let settled = false;
  const pending = fetchAndLock(s.op, 'caf-wait', s.topic, { asyncResponseTimeout: 5_000 }).then((r) => {
    settled = true;
    return r;
  });
  // A full round trip later the fetch is still waiting: there is nothing to lock yet.
  assert.equal((await s.op.get(`${ET}/count?topicName=${s.topic}`)).body, { count: 0 });
  assert.is(settled, false, 'the fetch waits for tasks instead of answering [] at once');
  const id = await startInstance(s, { nome: 'Lucia' });
  const r = await pending;
  assert.is(r.status, 200);
  assert.is(r.body.length, 1);
  assert.is(r.body[0].processInstanceId, id);
  assert.is(r.body[0].workerId, 'caf-wait');
  assert.equal(r.body[0].variables.nome, { type: 'String', value: 'Lucia', valueInfo: {} });

  // With nothing to fetch, the wait ends with [] when the timeout elapses.
  const empty = await fetchAndLock(s.op, 'caf-wait', s.topic, { asyncResponseTimeout: 250 });
  assert.is(empty.status, 200);
  assert.equal(empty.body, []);
});

test('long polling: the wait ends when the client goes away, locking nothing', async () => {
  const s = await setup('abort');
  const service = new ExternalTaskService(app.services);
  const principal: Principal = { id: randomUUID(), username: s.op.username, tenant: s.tenant, roles: ['operatore'], groups: [] };
  const controller = new AbortController();
  const waiting = service.fetchAndLock(principal, { workerId: 'gone', maxTasks: 1, topics: [{ topicName: s.topic, lockDuration: 60_000 }], asyncResponseTimeout: 60_000 }, controller.signal);
  assert.equal((await s.op.get(`${ET}/count?topicName=${s.topic}`)).body, { count: 0 });
  controller.abort();
  assert.equal(await waiting, []);
  await startInstance(s);
  const got = await fetchAndLock(s.op, 'present', s.topic);
  assert.is(got.body.length, 1, 'the aborted wait locked nothing');
});

test('bpmnError from the client is caught by the error boundary event', async () => {
  const s = await setup('bpmnerror', errorModel);
  const id = await startInstance(s, { isee: 99_000 });
  await handleOne(worker(s.op, 'caf-isee'), s.topic, async ({ task, taskService }) => {
    await taskService.handleBpmnError(task, 'ISEE_KO', 'ISEE oltre la soglia', new camunda.Variables().set('motivo', 'soglia superata'));
  });
  const inst = await instance(s.op, id);
  assert.equal(inst.activeElements, ['ko']);
  assert.is(inst.variables.motivo, 'soglia superata');
  assert.is((await s.op.get(`${ET}/count?processInstanceId=${id}`)).body.count, 0);
});

test('bpmnError needs the lock and an error code', async () => {
  const s = await setup('bpmnerrorlock', errorModel);
  await startInstance(s);
  const [t] = (await fetchAndLock(s.op, 'caf-a', s.topic)).body;
  const foreign = await s.op.post(`${ET}/${t.id}/bpmnError`, { workerId: 'caf-b', errorCode: 'ISEE_KO' });
  assert.is(foreign.status, 400, JSON.stringify(foreign.body));
  assert.is(foreign.body.type, 'InvalidRequestException');
  const noCode = await s.op.post(`${ET}/${t.id}/bpmnError`, { workerId: 'caf-a' });
  assert.is(noCode.status, 400);
  assert.is(noCode.body.type, 'InvalidRequestException');
  assert.ok(noCode.body.message.includes('errorCode'), noCode.body.message);
});

test('incidents API: a job incident retry gives the job its retries back, due now', async () => {
  const s = await setup('jobincident');
  const id = await startInstance(s);
  const em = app.services.orm.em.fork();
  const jobId = randomUUID();
  const incidentId = randomUUID();
  em.persist(
    Object.assign(new Job(), {
      id: jobId,
      tenant: s.tenant,
      instanceId: id,
      kind: 'timer',
      elementId: 'ext',
      executionId: `exec-${jobId}`,
      dueAt: new Date('2026-01-01T00:00:00.000Z'),
      lockedBy: 'dead-worker',
      lockedUntil: new Date('2026-01-01T00:05:00.000Z'),
      retries: 0,
      attempts: 3,
      lastError: 'boom',
      payload: null,
      createdAt: app.clock.now(),
    }),
  );
  em.persist(Object.assign(new Incident(), { id: incidentId, tenant: s.tenant, instanceId: id, kind: 'job-failed', jobId, externalTaskId: null, elementId: 'ext', message: 'boom', status: 'open', createdAt: app.clock.now(), resolvedAt: null, resolvedBy: null }));
  await em.flush();

  const listed = await s.op.get(`/api/v1/incidents?status=open&processInstanceId=${id}`);
  assert.equal(listed.body.items.map((i: { id: string; kind: string }) => [i.id, i.kind]), [[incidentId, 'job-failed']]);
  const one = await s.op.get(`/api/v1/incidents/${incidentId}`);
  assert.is(one.status, 200);
  assert.is(one.body.jobId, jobId);
  assert.is((await s.op.get('/api/v1/incidents/not-a-uuid')).status, 404);
  const badBody = await admin.post(`/api/v1/incidents/${incidentId}/retry`, { retries: 0 });
  assert.is(badBody.status, 422);

  app.clock.advance(3_600_000);
  for (const u of [admin, s.op]) await u.refresh(); // tokens live 60 minutes
  const retried = await admin.post(`/api/v1/incidents/${incidentId}/retry`, { retries: 3 });
  assert.is(retried.status, 200, JSON.stringify(retried.body));
  assert.is(retried.body.status, 'resolved');
  const job = await app.services.orm.em.fork().findOneOrFail(Job, { id: jobId });
  assert.is(job.retries, 3);
  assert.is(job.dueAt.toISOString(), app.clock.now().toISOString());
  assert.is(job.lockedBy, null);
  assert.is(job.lockedUntil, null);
  assert.ok((await historyTypes(s.op, id)).includes('incident.retried'));
});

test.run();
