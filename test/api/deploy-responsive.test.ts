/**
 * Issue 11 item 11, regression: deploying a 1,500-task model kept the event
 * loop busy for ≈1.5–3 s (parse, validation, serialization), so /health and
 * every other request waited. Now a large model is compiled in a worker
 * thread: /health keeps answering while it deploys, and the compiled result
 * is the one the inline compiler gives.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { compileBpmn } from '../../src/engine/definitions/compile.js';
import { OFF_THREAD_BYTES, compileBpmnOffThread } from '../../src/engine/definitions/compile-off-thread.js';

const TASKS = 1500;

function bigModel(key: string, tasks = TASKS): string {
  let body = '    <bpmn:startEvent id="start" />\n    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="t0" />\n';
  for (let i = 0; i < tasks; i++) {
    body += `    <bpmn:userTask id="t${i}" name="Attività ${i}" camunda:candidateGroups="g1" camunda:dueDate="P3D" />\n`;
    body += `    <bpmn:sequenceFlow id="f${i + 1}" sourceRef="t${i}" targetRef="${i + 1 < tasks ? `t${i + 1}` : 'end'}" />\n`;
  }
  return bpmn(key, `${body}    <bpmn:endEvent id="end" />`);
}

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

test('/health keeps answering while a 1,500-task model is deployed', async () => {
  const admin = await app.admin();
  const xml = bigModel('grande');
  assert.ok(xml.length >= OFF_THREAD_BYTES, 'the model is large enough to go off the event loop');
  // A small deployment first: what a first request loads once (modules, schemas) is not what this test measures.
  assert.is((await deploy(admin, { 'piccolo.bpmn': bigModel('piccolo', 2) })).status, 201);
  // /health asked continuously while the deployment runs; the longest wait between two answers is what a user feels.
  let done = false;
  const answers: number[] = [];
  const poll = (async () => {
    while (!done) {
      const r = await fetch(`${app.baseUrl}/health`);
      await r.arrayBuffer();
      if (r.status === 200) answers.push(performance.now());
    }
  })();
  const started = performance.now();
  // Plain fetch: the harness's reply validation would run on this same event loop inside the measured span.
  const res = await fetch(`${app.baseUrl}/api/v1/deployments`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'grande', files: [{ name: 'grande.bpmn', content: xml }] }) });
  const r = { status: res.status, body: (await res.json()) as { definitions: Array<{ key: string }> } };
  const ended = performance.now();
  done = true;
  await poll;
  assert.is(r.status, 201, JSON.stringify(r.body).slice(0, 500));
  assert.is(r.body.definitions[0].key, 'grande');
  const during = [started, ...answers.filter((t) => t > started && t < ended), ended];
  const longestGap = Math.max(...during.slice(1).map((t, i) => t - during[i]!));
  // Inline, the compile alone blocked ≥1.5 s in one piece (2.6 s on this machine); off the loop what is left on it
  // (reading the request, writing the 1.2 MB of compiled rows) stalls for a few hundred ms at most.
  assert.ok(longestGap < 1200, `/health went unanswered for ${Math.round(longestGap)} ms during the deployment (${answers.length} answers)`);
});

test('the worker compiles exactly what the inline compiler does, refusals included', async () => {
  const opts = { handlerNames: new Set<string>(), context: { tenant: null, groups: new Set(['g1']) } };
  const xml = bigModel('uguale', 650);
  assert.ok(xml.length >= OFF_THREAD_BYTES);
  assert.equal(await compileBpmnOffThread(xml, opts), await compileBpmn(xml, opts));
  const bad = xml.replace('camunda:dueDate="P3D"', 'camunda:dueDate="${"');
  const off = await compileBpmnOffThread(bad, opts);
  assert.ok(off.errors.length > 0, 'a broken due date is refused off the loop too');
  assert.equal(off, await compileBpmn(bad, opts));
});

test.run();
