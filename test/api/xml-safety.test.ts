import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { twoTasks } from '../helpers/models.js';

let app: TestApp;
let small: TestApp;
let admin: Client;
let smallAdmin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  small = await startTestApp({ config: { maxUploadBytes: 20_000 } });
  smallAdmin = await small.admin();
});
test.after(async () => {
  await app.close();
  await small.close();
});

const show = (r: { status: number; body: unknown }) => `${r.status} ${JSON.stringify(r.body).slice(0, 500)}`;

function assertErrorShape(body: any) {
  assert.type(body, 'object', JSON.stringify(body));
  assert.equal(Object.keys(body), ['error']);
  assert.equal(Object.keys(body.error).sort(), ['code', 'details', 'message']);
  assert.type(body.error.code, 'string');
  assert.type(body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

async function definitionCount(client: Client, key: string): Promise<number> {
  const r = await client.get(`/api/v1/process-definitions?key=${key}`);
  assert.is(r.status, 200);
  return r.body.total;
}

const XXE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="xmlsafety_xxe" name="&xxe;" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="&xxe;" camunda:candidateGroups="g1" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="xmlsafety_laughs" name="&lol9;" isExecutable="true">
    <bpmn:startEvent id="start" name="&lol9;" />
  </bpmn:process>
</bpmn:definitions>`;

test('an external entity (XXE) is refused with 422 and never resolved', async () => {
  const before = await definitionCount(admin, 'xmlsafety_xxe');
  const r = await deploy(admin, { 'xxe.bpmn': XXE });
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.is(r.body.error.code, 'DEPLOYMENT_INVALID');
  const errors = r.body.error.details.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0);
  assert.ok(errors.every((e: { message: string }) => typeof e.message === 'string' && e.message.length > 0));
  const dtd = errors.find((e: { line?: number }) => e.line === 2);
  assert.ok(dtd, `the DOCTYPE is reported on line 2: ${JSON.stringify(errors)}`);
  const text = JSON.stringify(r.body);
  assert.not.ok(text.includes('root:'), 'the response must not leak /etc/passwd');
  assert.not.ok(text.includes('/bin/'), 'the response must not leak /etc/passwd');
  assert.is(await definitionCount(admin, 'xmlsafety_xxe'), before);
  assert.is(before, 0);
});

test('an XXE upload through multipart is refused the same way', async () => {
  const form = new FormData();
  form.append('name', 'xmlsafety xxe multipart');
  form.append('file', new Blob([XXE], { type: 'application/xml' }), 'xxe.bpmn');
  const r = await admin.request('POST', '/api/v1/deployments', form);
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.not.ok(JSON.stringify(r.body).includes('root:'));
  assert.is(await definitionCount(admin, 'xmlsafety_xxe'), 0);
});

test('an XXE parameter entity without a name attribute use is refused too', async () => {
  const xml = twoTasks('xmlsafety_param').replace('<bpmn:definitions', '<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n<bpmn:definitions');
  const r = await deploy(admin, { 'param.bpmn': xml });
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.not.ok(JSON.stringify(r.body).includes('root:'));
  assert.is(await definitionCount(admin, 'xmlsafety_param'), 0);
});

test('a billion-laughs DTD is refused with 422 quickly', async () => {
  const t0 = performance.now();
  const r = await deploy(admin, { 'laughs.bpmn': LAUGHS });
  const elapsed = performance.now() - t0;
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.ok(r.body.error.details.errors.length > 0);
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(JSON.stringify(r.body).length < 10_000, 'the refusal must not carry the expansion');
  assert.is(await definitionCount(admin, 'xmlsafety_laughs'), 0);
  // The server is still responsive afterwards.
  const health = await admin.get('/health');
  assert.is(health.status, 200);
});

test('a 20,000-deep nesting is refused at the XML gate (rule xml-depth), BPMN and DMN alike; nothing deployed', async () => {
  const nest = (open: string, close: string) => `<?xml version="1.0"?>\n${open}${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}${close}`;
  const bpmn = nest('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">', '</bpmn:definitions>');
  const r = await deploy(admin, { 'deep.bpmn': bpmn });
  assert.is(r.status, 422, show(r));
  assertErrorShape(r.body);
  assert.ok(r.body.error.details.errors.some((e: { rule?: string }) => e.rule === 'xml-depth'), show(r));
  const dmn = nest('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">', '</definitions>');
  const d = await deploy(admin, { 'deep.dmn': dmn });
  assert.is(d.status, 422, show(d));
  assert.match(JSON.stringify(d.body), 'xml-depth');
});

function padded(key: string, bytes: number): string {
  const base = twoTasks(key);
  const comment = `\n<!-- ${'x'.repeat(Math.max(0, bytes - base.length - 10))} -->`;
  return base + comment;
}

function assertTooLarge(r: { status: number; body: any }) {
  assert.ok(r.status === 413 || r.status === 422, show(r));
  assertErrorShape(r.body);
  if (r.status === 413) assert.is(r.body.error.code, 'PAYLOAD_TOO_LARGE');
}

test('oversized JSON deployment (maxUploadBytes) → 413/422 with an error body', async () => {
  const r = await deploy(smallAdmin, { 'big.bpmn': padded('xmlsafety_big_json', 60_000) });
  assertTooLarge(r);
  assert.is(await definitionCount(smallAdmin, 'xmlsafety_big_json'), 0);
});

test('a file just over maxUploadBytes inside a JSON body under the body limit → 413/422', async () => {
  // 20,200 bytes of XML: over maxUploadBytes (20,000) but, JSON-encoded, still
  // under the body parser limit (20 KiB), so the XML size check must refuse it.
  const xml = padded('xmlsafety_edge', 20_200);
  assert.ok(Buffer.byteLength(xml) > 20_000);
  const r = await deploy(smallAdmin, { 'edge.bpmn': xml });
  assertTooLarge(r);
  assert.is(await definitionCount(smallAdmin, 'xmlsafety_edge'), 0);
});

test('oversized multipart upload (maxUploadBytes) → 413/422 with an error body', async () => {
  const form = new FormData();
  form.append('name', 'xmlsafety big multipart');
  form.append('file', new Blob([padded('xmlsafety_big_multipart', 60_000)], { type: 'application/xml' }), 'big.bpmn');
  const r = await smallAdmin.request('POST', '/api/v1/deployments', form);
  assertTooLarge(r);
  assert.is(await definitionCount(smallAdmin, 'xmlsafety_big_multipart'), 0);
});

test('a model under the limit still deploys on the small-limit app', async () => {
  const r = await deploy(smallAdmin, { 'ok.bpmn': twoTasks('xmlsafety_small_ok') });
  assert.is(r.status, 201, show(r));
  const form = new FormData();
  form.append('name', 'xmlsafety ok multipart');
  form.append('file', new Blob([twoTasks('xmlsafety_small_ok_mp')]), 'ok.bpmn');
  const m = await smallAdmin.request('POST', '/api/v1/deployments', form);
  assert.is(m.status, 201, show(m));
});

test.run();
