/**
 * Issue 10 item 11: the OpenAPI 3.1 description at GET /api/v1/openapi.json
 * (no authentication) describes every route the server mounts under /api/v1
 * and nothing that is not mounted; its schemas compile and every $ref
 * resolves. (Replies are checked against it in every API test: see
 * test/helpers/openapi-check.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type Router from '@koa/router';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { createApp } from '../../src/api/app.js';
import { openApiPath } from '../../src/api/openapi/document.js';
import { silentLogger } from '../../src/shared/logger.js';

let app: TestApp;
test.before(async () => {
  app = await startTestApp();
});
test.after(async () => app.close());

/** Every `METHOD /path` the koa app mounts under /api/v1, found by walking the routers' stacks. */
function mountedRoutes(): Set<string> {
  const koa = createApp(app.services, silentLogger());
  const out = new Set<string>();
  // The middleware after the error middleware is composed inside the read retry (src/api/read-retry.ts).
  const all = (koa.middleware as Array<{ router?: Router; middleware?: unknown[] }>).flatMap((mw) => [mw, ...((mw.middleware ?? []) as Array<{ router?: Router }>)]);
  for (const mw of all) {
    for (const layer of mw.router?.stack ?? []) {
      const path = String(layer.path);
      if (!path.startsWith('/api/v1/')) continue;
      for (const m of layer.methods) if (m !== 'HEAD') out.add(`${m} ${openApiPath(path.slice('/api/v1'.length))}`);
    }
  }
  return out;
}

test('served without authentication, OpenAPI 3.1', async () => {
  const r = await app.anonymous().get('/api/v1/openapi.json');
  assert.is(r.status, 200);
  assert.is(r.body.openapi, '3.1.0');
  assert.ok(Object.keys(r.body.paths).length > 40);
});

test('every route mounted under /api/v1 is described, and every description is mounted', async () => {
  const doc = (await app.anonymous().get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  const described = new Set(Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)));
  const mounted = mountedRoutes();
  assert.ok(mounted.size > 40, `walked ${mounted.size} routes`);
  assert.equal([...mounted].filter((r) => !described.has(r)).sort(), [], 'mounted but not described: add a row to OPERATIONS in src/api/openapi/document.ts');
  assert.equal([...described].filter((r) => !mounted.has(r)).sort(), [], 'described but not mounted');
});

test('the schemas compile and every $ref resolves', async () => {
  const doc = (await app.anonymous().get('/api/v1/openapi.json')).body as { components: { schemas: Record<string, unknown> } };
  const refs = new Set<string>();
  JSON.stringify(doc, (k, v) => {
    if (k === '$ref') refs.add(v as string);
    return v;
  });
  for (const r of refs) assert.ok(doc.components.schemas[r.replace('#/components/schemas/', '')], `${r} resolves`);
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema({ $id: 'api', components: doc.components });
  for (const name of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`api#/components/schemas/${name}`), name);
});

test.run();
