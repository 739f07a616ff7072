/**
 * Live engines kept between a case's commands (src/engine/execution/engine-cache.ts):
 * used only at the version and definition they were left at, never after a
 * failed command, and bounded by memory. Two services on one database stand
 * for two processes (server and `npm run worker`) with caches of their own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineCache, estimatedEngineBytes } from '../../src/engine/execution/engine-cache.js';
import type { EngineSession } from '../../src/engine/execution/runtime.js';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';

const session = (definitionId: string, elements = 7): EngineSession => ({ definitionId, elements });

test('cache: an engine is taken once, only at its version and definition', () => {
  const cache = new EngineCache(64 * 1024 * 1024);
  const s = session('d1');
  cache.put('i1', 3, s);
  assert.is(cache.take('i1', 3, 'd1'), s);
  assert.is(cache.take('i1', 3, 'd1'), null, 'taken: a second command at the same time rebuilds');
  cache.put('i1', 3, s);
  assert.is(cache.take('i1', 4, 'd1'), null, 'the row moved on (another process): stale');
  assert.is(cache.size, 0, 'a stale engine is dropped');
  cache.put('i1', 4, s);
  assert.is(cache.take('i1', 4, 'd2'), null, 'migrated to another definition: stale');
  assert.equal({ hits: cache.stats.hits, stale: cache.stats.stale, misses: cache.stats.misses }, { hits: 1, stale: 2, misses: 1 });
});

test('cache: bounded by the estimated memory of its engines, least recently used first', () => {
  const per = estimatedEngineBytes(171);
  const cache = new EngineCache(per * 3);
  for (let i = 0; i < 10; i++) cache.put(`i${i}`, 1, session('rei', 171));
  assert.is(cache.size, 3);
  assert.ok(cache.estimatedBytes <= per * 3);
  assert.is(cache.take('i0', 1, 'rei'), null, 'the oldest went first');
  assert.ok(cache.take('i9', 1, 'rei'), 'the newest is kept');
  assert.is(cache.stats.evicted, 7);
  const tiny = new EngineCache(per - 1);
  tiny.put('big', 1, session('rei', 171));
  assert.is(tiny.size, 0, 'an engine larger than the whole budget is not kept');
  assert.ok(estimatedEngineBytes(171) > 5 * 1024 * 1024 && estimatedEngineBytes(7) < 1024 * 1024, 'estimate in line with bench/engine-memory.ts');
});

// ------------------------------------------------------------------ two processes, one database

let one: TestApp;
let two: TestApp;
let tenant: string;
let op1: Client;
let op2: Client;

const THREE_STEPS = bpmn(
  'cache_three',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    <bpmn:userTask id="a" name="A" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
    <bpmn:userTask id="b" name="B" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="toC" sourceRef="gw" targetRef="c">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${esito == 'ok'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="c" name="C" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

test.before(async () => {
  one = await startTestApp();
  two = await startTestApp();
  tenant = await one.tenant();
  const admin = await one.admin();
  assert.is((await deploy(admin, { 'three.bpmn': THREE_STEPS })).status, 201);
  op1 = await one.user({ tenant, roles: ['operatore'], groups: ['g1'] });
  op2 = await two.user({ tenant, roles: ['operatore'], groups: ['g1'] });
});
test.after(async () => {
  await one.close();
  await two.close();
});

async function openTask(c: Client, instanceId: string, elementId: string) {
  const r = await c.get(`/api/v1/tasks?processInstanceId=${instanceId}&elementId=${elementId}`);
  const task = (r.body.items as Array<{ id: string; processInstanceId: string }>).find((t) => t.processInstanceId === instanceId);
  assert.ok(task, `open task ${elementId}`);
  return task!.id;
}

test('a case worked on by two processes: each uses its engine only while the row is still at its version', async () => {
  const c1 = one.services.engines!;
  const c2 = two.services.engines!;
  const started = await op1.post('/api/v1/process-definitions/cache_three/start', { tenant, businessKey: 'CACHE-1', variables: { origine: 'uno' } });
  assert.is(started.status, 201, JSON.stringify(started.body));
  const id = started.body.id as string;

  let hits = c1.stats.hits;
  let r = await op1.post(`/api/v1/tasks/${await openTask(op1, id, 'a')}/complete`, { variables: { daA: 1 } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(c1.stats.hits, hits + 1, 'process one ran A on the engine its start left');

  // Process two completes B: its own cache has nothing, it rebuilds from the row.
  const misses2 = c2.stats.misses;
  r = await op2.post(`/api/v1/tasks/${await openTask(op2, id, 'b')}/complete`, { variables: { esito: 'ok', daB: 2 } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(c2.stats.misses, misses2 + 1);

  // Process one still holds the engine it left after A: stale, not used.
  const stale = c1.stats.stale;
  hits = c1.stats.hits;
  r = await op1.post(`/api/v1/tasks/${await openTask(op1, id, 'c')}/complete`, { variables: { daC: 3 } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(c1.stats.stale, stale + 1, 'the engine left at the older version was dropped');
  assert.is(c1.stats.hits, hits);

  const inst = await op1.get(`/api/v1/process-instances/${id}`);
  assert.is(inst.body.status, 'completed');
  assert.equal(
    { origine: inst.body.variables.origine, daA: inst.body.variables.daA, esito: inst.body.variables.esito, daB: inst.body.variables.daB, daC: inst.body.variables.daC },
    { origine: 'uno', daA: 1, esito: 'ok', daB: 2, daC: 3 },
    'every step, whichever process ran it, is in the case',
  );
  const history = await op1.get(`/api/v1/process-instances/${id}/history?detail=engine`);
  const left = (history.body.items ?? history.body).filter((e: { type: string }) => e.type === 'element.left').map((e: { elementId: string }) => e.elementId);
  assert.equal([...left].sort(), ['a', 'b', 'c', 'end', 'gw', 'start'], 'each element left exactly once: ' + JSON.stringify(left));
});

test('a command that fails on a cached engine does not put it back: the next one rebuilds from the row', async () => {
  const c1 = one.services.engines!;
  const started = await op1.post('/api/v1/process-definitions/cache_three/start', { tenant, businessKey: 'CACHE-2', variables: {} });
  const id = started.body.id as string;
  let r = await op1.post(`/api/v1/tasks/${await openTask(op1, id, 'a')}/complete`, { variables: {} });
  assert.is(r.status, 200);
  // No outgoing flow of the gateway matches: the command fails on the engine it took from the cache.
  const bTask = await openTask(op1, id, 'b');
  const hits = c1.stats.hits;
  r = await op1.post(`/api/v1/tasks/${bTask}/complete`, { variables: { esito: 'ko' } });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(c1.stats.hits, hits + 1, 'the failing command ran on the cached engine');
  const misses = c1.stats.misses;
  r = await op1.post(`/api/v1/tasks/${bTask}/complete`, { variables: { esito: 'ok' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(c1.stats.misses, misses + 1, 'rebuilt: the failed engine was not kept');
  const inst = await op1.get(`/api/v1/process-instances/${id}`);
  assert.equal(inst.body.activeElements, ['c']);
  assert.is(inst.body.variables.esito, 'ok');
});

test('ENGINE_CACHE_MB=0 turns the cache off', async () => {
  const off = await startTestApp({ config: { engineCacheBytes: 0 } });
  try {
    assert.is(off.services.engines, null);
  } finally {
    await off.close();
  }
});

test.run();
