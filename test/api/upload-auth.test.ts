/**
 * Issue 11 item 10, regression: an operatore posting 257 MB to
 * /api/v1/deployments got its 403 only after the upload had been read
 * (10–19 s, +200 MB). The role check now comes before the body: the answer
 * arrives while the client is still sending, and an oversized declared body
 * is refused from its Content-Length.
 */
import http from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type Client, type TestApp } from '../helpers/harness.js';

let app: TestApp;
let op: Client;
let analyst: Client;
test.before(async () => {
  app = await startTestApp();
  const tenant = await app.tenant();
  op = await app.user({ tenant, roles: ['operatore'] });
  analyst = await app.user({ tenant, roles: ['analista'] });
});
test.after(async () => app.close());

/**
 * Sends the headers of a `declared`-byte multipart upload and only its first
 * kilobyte, then waits for an answer: it can only come from a server that
 * decided without reading the body.
 */
function partialUpload(path: string, token: string | null, declared: number): Promise<{ status: number; body: string }> {
  const url = new URL(app.baseUrl + path);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': String(declared), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer before the body was sent (${path})`));
    }, 5000);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', () => undefined); // the server closes the connection after answering
    req.write(`--XyZ\r\nContent-Disposition: form-data; name="files"; filename="big.bpmn"\r\n\r\n${'x'.repeat(1024)}`);
  });
}

test('an operatore uploading 257 MB is refused 403 before the body is read', async () => {
  for (const path of ['/api/v1/deployments', '/engine-rest/deployment/create']) {
    const r = await partialUpload(path, op.token, 257 * 1024 * 1024);
    assert.is(r.status, 403, `${path}: ${r.body}`);
  }
});

test('no credentials: 401 before the body is read', async () => {
  const r = await partialUpload('/api/v1/deployments', null, 10 * 1024 * 1024);
  assert.is(r.status, 401, r.body);
});

test('an analista declaring more than MAX_UPLOAD_BYTES: 413 from the Content-Length, body unread', async () => {
  const r = await partialUpload('/api/v1/deployments', analyst.token, 257 * 1024 * 1024);
  assert.is(r.status, 413, r.body);
  assert.is(JSON.parse(r.body).error.code, 'PAYLOAD_TOO_LARGE');
  const camunda = await partialUpload('/engine-rest/deployment/create', analyst.token, 257 * 1024 * 1024);
  assert.is(camunda.status, 413, camunda.body);
  assert.is(JSON.parse(camunda.body).type, 'InvalidRequestException');
});

test('an analista within the limit still deploys (multipart)', async () => {
  const form = new FormData();
  form.append('name', 'upload-ok');
  form.append('files', new Blob([`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="upload_ok" name="Upload" isExecutable="true">
    <bpmn:startEvent id="start" name="Inizio" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" name="Fine" />
  </bpmn:process>
</bpmn:definitions>`]), 'upload-ok.bpmn');
  const r = await analyst.request('POST', '/api/v1/deployments', form);
  assert.is(r.status, 201, JSON.stringify(r.body));
});

test.run();
