/**
 * Issue 13, item 8: the WaaS pull API INPS calls, /waas/{belfiore}/v1/flussi
 * and /esiti. Every reply is checked against INPS's api-comuni.yaml itself;
 * vouchers are signed with a key pair generated here and published in a JWKS
 * file, as PDND would. Flows come from the SIUSS register (see
 * waas-register.test.ts); here a recorded source checks paging and outcomes
 * at the HTTP boundary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { checkWaasReply } from '../helpers/waas-openapi.js';
import type { Esito, WaasFlow, WaasFlowSource } from '../../src/siuss/waas/flows.js';

const ISSUER = 'https://auth.interop.pagopa.it/test';
const AUDIENCE = 'https://rei.test/waas/{belfiore}/v1';
let app: TestApp;
let off: TestApp;
let key: CryptoKey;
let otherKey: CryptoKey;
let comune: string;
let other: string;
const flows = new Map<string, WaasFlow[]>();
const outcomes: Array<{ tenant: string; esito: Esito }> = [];

const source: WaasFlowSource = {
  changedSince: (tenant, since, limit) =>
    Promise.resolve((flows.get(tenant) ?? []).filter((f) => f.updatedAt.getTime() > since).sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.idFlusso.localeCompare(b.idFlusso)).slice(0, limit)),
  applyOutcome: (tenant, esito) => {
    if (!(flows.get(tenant) ?? []).some((f) => f.idFlusso === esito.id_flusso)) return Promise.resolve('unknown');
    outcomes.push({ tenant, esito });
    return Promise.resolve('applied');
  },
};

test.before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-waas-'));
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  app = await startTestApp({ config: { waasJwksFile: jwksFile, waasIssuer: ISSUER, waasAudience: AUDIENCE } });
  app.services.waas.flows = source;
  off = await startTestApp();
  comune = await app.tenant('Comune di Prova WaaS');
  other = await app.tenant();
  const base = Date.parse('2026-03-01T10:00:00.000Z');
  flows.set(comune, Array.from({ length: 25 }, (_, i) => ({ idFlusso: `${comune}.PS.20260301.${String(i + 1).padStart(7, '0')}`, tipo: i % 5 === 4 ? ('SINBA' as const) : ('PS_PSA_SINA' as const), updatedAt: new Date(base + i * 1000), xml: `<Flusso n="${i + 1}"/>` })));
  flows.set(other, [{ idFlusso: `${other}.PS.20260301.0000001`, tipo: 'PS_PSA_SINA', updatedAt: new Date(base), xml: '<Flusso segreto="1"/>' }]);
});
test.after(async () => {
  await app.close();
  await off.close();
});

async function voucher(opts: { belfiore?: string; aud?: string; iss?: string; exp?: number; signer?: CryptoKey; alg?: string } = {}): Promise<string> {
  const now = Math.floor(app.clock.now().getTime() / 1000);
  return new SignJWT({ client_id: 'inps-waas', purposeId: 'p-1' })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE.replace('{belfiore}', opts.belfiore ?? comune))
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 600)
    .setJti(`j-${Math.random()}`)
    .sign(opts.signer ?? key);
}

async function call(t: TestApp, method: 'GET' | 'POST', belfiore: string, p: '/flussi' | '/esiti' | '/status', opts: { query?: string; token?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.baseUrl}/waas/${belfiore}/v1${p}${opts.query ?? ''}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  checkWaasReply(method, p, res.status, res.headers.get('content-type'), body);
  return { status: res.status, body: body as any, headers: res.headers };
}

test('without WAAS_JWKS_FILE, WAAS_ISSUER and WAAS_AUDIENCE the endpoints answer 503 problem+json and say why', async () => {
  assert.ok(off.services.waas.reason?.includes('WAAS_JWKS_FILE'));
  const r = await call(off, 'GET', comune, '/flussi', { query: '?since=0', token: await voucher() });
  assert.is(r.status, 503);
  assert.ok(r.body.detail.includes('WAAS_ISSUER'), r.body.detail);
  const s = await call(off, 'GET', comune, '/status');
  assert.is(s.status, 503);
  assert.is((await call(app, 'GET', comune, '/status')).status, 200);
});

test('GET /flussi pages by since (epoch ms) and limit (default 10, at most 100); bodies fit api-comuni.yaml', async () => {
  const token = await voucher();
  const first = await call(app, 'GET', comune, '/flussi', { query: '?since=0', token });
  assert.is(first.status, 200);
  assert.is(first.body.elenco_flussi.length, 10);
  const e = first.body.elenco_flussi[0];
  assert.is(e.codice_ente, comune);
  assert.is(e.denominazione_ente, 'Comune di Prova WaaS');
  assert.is(e.id_flusso, `${comune}.PS.20260301.0000001`);
  assert.is(e.ts_flusso, '2026-03-01T10:00:00.000Z');
  assert.is(Buffer.from(e.flusso, 'base64').toString('utf8'), '<Flusso n="1"/>');
  assert.is(first.body.elenco_flussi[4].tipo, 'SINBA');
  const last = first.body.elenco_flussi[9];
  const next = await call(app, 'GET', comune, '/flussi', { query: `?since=${Date.parse(last.ts_flusso)}&limit=100`, token });
  assert.is(next.body.elenco_flussi.length, 15);
  assert.is(next.body.elenco_flussi[0].id_flusso, `${comune}.PS.20260301.0000011`);
  const small = await call(app, 'GET', comune, '/flussi', { query: '?since=0&limit=3', token });
  assert.equal(small.body.elenco_flussi.map((f: { id_flusso: string }) => f.id_flusso.slice(-2)), ['01', '02', '03']);
  const none = await call(app, 'GET', comune, '/flussi', { query: `?since=${Date.parse('2026-03-02T00:00:00Z')}`, token });
  assert.equal(none.body, { elenco_flussi: [] });
  assert.equal((await call(app, 'GET', comune, '/flussi', { query: '?since=0&limit=0', token })).body, { elenco_flussi: [] });
});

test('bad since or limit is 400 problem+json', async () => {
  const token = await voucher();
  for (const q of ['', '?since=abc', '?since=-1', '?since=0&limit=101', '?since=0&limit=x', '?since=1.5']) {
    const r = await call(app, 'GET', comune, '/flussi', { query: q, token });
    assert.is(r.status, 400, q);
    assert.is(r.body.status, 400);
  }
});

test('a page never ends inside a millisecond whose flows do not all fit', async () => {
  const t = await app.tenant();
  const at = new Date('2026-03-01T09:00:00.000Z');
  flows.set(t, [
    { idFlusso: `${t}.PS.20260301.0000001`, tipo: 'PS_PSA_SINA', updatedAt: new Date(at.getTime() - 1), xml: '<a/>' },
    ...[2, 3, 4].map((n) => ({ idFlusso: `${t}.PS.20260301.000000${n}`, tipo: 'PS_PSA_SINA' as const, updatedAt: at, xml: '<a/>' })),
  ]);
  const token = await voucher({ belfiore: t });
  const r = await call(app, 'GET', t, '/flussi', { query: '?since=0&limit=2', token });
  assert.equal(r.body.elenco_flussi.map((f: { id_flusso: string }) => f.id_flusso.slice(-1)), ['1']);
  const rest = await call(app, 'GET', t, '/flussi', { query: `?since=${at.getTime() - 1}&limit=3`, token });
  assert.is(rest.body.elenco_flussi.length, 3);
});

test('vouchers with the wrong audience, expired, for another comune, from another issuer or key, or missing are refused 401', async () => {
  const now = Math.floor(app.clock.now().getTime() / 1000);
  const cases: Array<[string, string | null]> = [
    ['missing', null],
    ['wrong audience', await voucher({ aud: 'https://altro-ente.example/api' })],
    ['expired', await voucher({ exp: now - 3600 })],
    ['another comune', await voucher({ belfiore: other })],
    ['another issuer', await voucher({ iss: 'https://evil.example' })],
    ['another key', await voucher({ signer: otherKey })],
    ['not a JWT', 'abc'],
  ];
  for (const [what, token] of cases) {
    const r = await call(app, 'GET', comune, '/flussi', { query: '?since=0', token });
    assert.is(r.status, 401, what);
    assert.is(r.body.status, 401, what);
    assert.ok(r.headers.get('www-authenticate')?.startsWith('Bearer'), what);
    const e = await call(app, 'POST', comune, '/esiti', { token, body: { elenco_esiti: [] } });
    assert.is(e.status, 401, what);
  }
  // A valid voucher becomes expired when time moves on.
  const token = await voucher();
  const at = app.clock.now();
  app.clock.advance(11 * 60 * 1000);
  try {
    assert.is((await call(app, 'GET', comune, '/flussi', { query: '?since=0', token })).status, 401);
  } finally {
    app.clock.set(at);
  }
});

test("another comune's flows are invisible: each voucher sees only its comune", async () => {
  const mine = await call(app, 'GET', comune, '/flussi', { query: '?since=0&limit=100', token: await voucher() });
  assert.ok(mine.body.elenco_flussi.every((f: { codice_ente: string }) => f.codice_ente === comune));
  const theirs = await call(app, 'GET', other, '/flussi', { query: '?since=0', token: await voucher({ belfiore: other }) });
  assert.is(theirs.body.elenco_flussi.length, 1);
  assert.is(theirs.body.elenco_flussi[0].codice_ente, other);
  // An outcome posted for another comune's flow with my voucher changes nothing there.
  const before = outcomes.length;
  const r = await call(app, 'POST', comune, '/esiti', { token: await voucher(), body: { elenco_esiti: [{ id_flusso: `${other}.PS.20260301.0000001`, tipo: 'PS_PSA_SINA', ts_flusso: '2026-03-01T10:00:00.000Z', ts_acquisizione: '2026-03-02T08:00:00.000Z', codice_esito: 'OK', id_acquisizione_siuss: '1' }] } });
  assert.is(r.status, 204);
  assert.is(outcomes.length, before);
  // A comune the server does not host: 404.
  assert.is((await call(app, 'GET', 'Z999', '/flussi', { query: '?since=0', token: await voucher({ belfiore: 'Z999' }) })).status, 404);
});

test('POST /esiti applies each outcome and answers 204; a malformed list is 400 problem+json', async () => {
  const token = await voucher();
  const ok = { id_flusso: `${comune}.PS.20260301.0000001`, tipo: 'PS_PSA_SINA', ts_flusso: '2026-03-01T10:00:00.000Z', ts_acquisizione: '2026-03-02T08:00:00.000Z', codice_esito: 'OK', id_acquisizione_siuss: '22738' };
  const ko = { id_flusso: `${comune}.PS.20260301.0000005`, tipo: 'SINBA', ts_flusso: '2026-03-01T10:00:04.000Z', ts_acquisizione: '2026-03-02T08:00:00.000Z', codice_esito: 'RICHIESTA_INVALIDA', descrizione_esito: 'In cooperazione è possibile inviare solo un beneficiario e una prestazione sociale' };
  const r = await call(app, 'POST', comune, '/esiti', { token, body: { elenco_esiti: [ok, ko] } });
  assert.is(r.status, 204);
  assert.equal(outcomes.slice(-2).map((o) => [o.tenant, o.esito.id_flusso, o.esito.codice_esito]), [[comune, ok.id_flusso, 'OK'], [comune, ko.id_flusso, 'RICHIESTA_INVALIDA']]);
  for (const body of [{ elenco_esiti: [{ ...ok, codice_esito: 'BOH' }] }, { elenco_esiti: [{ id_flusso: 'x' }] }, { elenco_esiti: Array(101).fill(ok) }, { altro: 1 }]) {
    const bad = await call(app, 'POST', comune, '/esiti', { token, body });
    assert.is(bad.status, 400, JSON.stringify(body).slice(0, 80));
  }
  const res = await fetch(`${app.baseUrl}/waas/${comune}/v1/esiti`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"elenco_esiti": [' });
  assert.is(res.status, 400);
  assert.ok(res.headers.get('content-type')?.startsWith('application/problem+json'));
});

test.run();
