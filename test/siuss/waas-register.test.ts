/**
 * Issue 13, item 8, end to end on the SIUSS register: records become WaaS
 * flows (one beneficiary, one benefit each), INPS pulls them with a PDND
 * voucher (replies checked against api-comuni.yaml), the flows are marked
 * pulled, and the outcomes it posts move the records to accettato (with the
 * SIUSS acquisition id) or scartato (with INPS's description, back in the
 * work list). Another comune's flows stay invisible and untouched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import codiceFiscaleModule from 'codice-fiscale-js';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { checkWaasReply } from '../helpers/waas-openapi.js';

const lib = (codiceFiscaleModule as unknown as { CodiceFiscale: { getCheckCode(s: string): string } }).CodiceFiscale;
const cf = (first15: string) => first15 + lib.getCheckCode(first15);
const ISSUER = 'https://auth.interop.pagopa.it';
const AUDIENCE = 'https://rei.test/waas/{belfiore}/v1';

let app: TestApp;
let key: CryptoKey;
let comune: string;
let other: string;

function periodic(codiceFiscale: string, protocollo: string): Record<string, string> {
  return {
    CodiceFiscale: codiceFiscale, Cognome: 'Rossi', Nome: 'Mario', AnnoNascita: '1980', LuogoNascita: 'F205', Genere: '1', CodiceCittadinanza: '380', CodiceComune: 'F205',
    CodicePrestazione: 'A1.04', ProtocolloDomanda: protocollo, PresenzaProvaMezzi: '1', NumeroProtocolloDSU: 'INPS-ISEE-2026-0001', CaratterePrestazione: '1',
    DataInizioPrestazione: '01/03/2026', DataFinePrestazione: '31/08/2026', PeriodoErogazione: '1', ImportoMensile: '187,50', PresaCarico: '2',
  };
}

async function seed(tenant: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await app.services.siuss.register.upsert(tenant, { tipo: 'PS_PSA_SINA', fields: periodic(cf(`RSSMRA80A0${i + 1}F20`.padEnd(15, '5').slice(0, 15)), `P-${tenant}-${i}`) }, { kind: 'manual', actor: 'test' });
    assert.is(r.record?.status, 'pronto', JSON.stringify(r.errors));
    ids.push(r.record!.id);
  }
  const flows = await app.services.siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: cf('VRDGPP70C15F205') }, { kind: 'manual', actor: 'test' });
  assert.is(flows.length, n);
  return ids;
}

test.before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-waas-'));
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'pdnd-1', alg: 'RS256', use: 'sig' }] }));
  app = await startTestApp({ config: { waasJwksFile: jwksFile, waasIssuer: ISSUER, waasAudience: AUDIENCE } });
  comune = await app.tenant('Comune di Flussolandia');
  other = await app.tenant();
});
test.after(async () => app.close());

async function voucher(belfiore: string): Promise<string> {
  const now = Math.floor(app.clock.now().getTime() / 1000);
  return new SignJWT({ client_id: 'inps' }).setProtectedHeader({ alg: 'RS256', kid: 'pdnd-1' }).setIssuer(ISSUER).setAudience(AUDIENCE.replace('{belfiore}', belfiore)).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function call(method: 'GET' | 'POST', belfiore: string, p: '/flussi' | '/esiti', opts: { query?: string; body?: unknown } = {}) {
  const res = await fetch(`${app.baseUrl}/waas/${belfiore}/v1${p}${opts.query ?? ''}`, {
    method,
    headers: { authorization: `Bearer ${await voucher(belfiore)}`, ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  checkWaasReply(method, p, res.status, res.headers.get('content-type'), body);
  return { status: res.status, body: body as any };
}

test('INPS pulls the WaaS flows (one record each, XML in base64), pages with since, and they become prelevato', async () => {
  const ids = await seed(comune, 3);
  await seed(other, 1);
  const page1 = await call('GET', comune, '/flussi', { query: '?since=0&limit=2' });
  assert.is(page1.status, 200);
  assert.is(page1.body.elenco_flussi.length, 2);
  const [f] = page1.body.elenco_flussi;
  assert.ok(new RegExp(`^${comune}\\.PS\\.\\d{8}\\.\\d{7}$`).test(f.id_flusso), f.id_flusso);
  assert.is(f.denominazione_ente, 'Comune di Flussolandia');
  const xml = Buffer.from(f.flusso, 'base64').toString('utf8');
  assert.ok(xml.includes('http://inps.it/Casellario') && xml.includes('<Beneficiario'), xml.slice(0, 300));
  assert.is(xml.match(/<PrestazioniSociali\b/g)?.length, 1, 'one benefit per WaaS flow');
  const page2 = await call('GET', comune, '/flussi', { query: `?since=${Date.parse(page1.body.elenco_flussi[1].ts_flusso)}` });
  assert.is(page2.body.elenco_flussi.length, 1);
  const all = [...page1.body.elenco_flussi, ...page2.body.elenco_flussi];
  assert.is(new Set(all.map((x: { id_flusso: string }) => x.id_flusso)).size, 3);
  assert.ok(all.every((x: { codice_ente: string }) => x.codice_ente === comune), "another comune's flow is not served");
  const flows = await app.services.siuss.flows.list(comune, {});
  assert.ok(flows.items.every((x) => x.status === 'prelevato'), JSON.stringify(flows.items.map((x) => x.status)));
  assert.is(ids.length, 3);
});

test('outcomes: OK → accettato with the SIUSS acquisition id; another code → scartato with the description; 204', async () => {
  const flows = (await app.services.siuss.flows.list(comune, {})).items;
  const [ok, ko] = flows;
  const esiti = {
    elenco_esiti: [
      { id_flusso: ok!.idFlusso, tipo: 'PS_PSA_SINA', ts_flusso: ok!.createdAt.toISOString(), ts_acquisizione: '2026-03-02T09:00:00.000Z', codice_esito: 'OK', id_acquisizione_siuss: '22738' },
      { id_flusso: ko!.idFlusso, tipo: 'PS_PSA_SINA', ts_flusso: ko!.createdAt.toISOString(), ts_acquisizione: '2026-03-02T09:00:00.000Z', codice_esito: 'RICHIESTA_INVALIDA', descrizione_esito: 'Codice prestazione non ammesso per il comune' },
    ],
  };
  const r = await call('POST', comune, '/esiti', { body: esiti });
  assert.is(r.status, 204);
  const recOf = async (flowId: string) => {
    const [link] = await app.services.siuss.flows.records(comune, flowId);
    return (await app.services.siuss.register.get(comune, link!.recordId))!;
  };
  const accepted = await recOf(ok!.id);
  assert.is(accepted.status, 'accettato');
  assert.is(accepted.idAcquisizione, '22738');
  const rejected = await recOf(ko!.id);
  assert.is(rejected.status, 'scartato');
  assert.is(rejected.esitoDescrizione, 'Codice prestazione non ammesso per il comune');
  // The same outcome again is acknowledged; a contradicting one is acknowledged and changes nothing.
  assert.is((await call('POST', comune, '/esiti', { body: esiti })).status, 204);
  assert.is((await call('POST', comune, '/esiti', { body: { elenco_esiti: [{ ...esiti.elenco_esiti[0]!, codice_esito: 'ERRORE_GENERICO' }] } })).status, 204);
  assert.is((await recOf(ok!.id)).status, 'accettato');
});

test("an outcome naming another comune's flow, posted for this comune, changes nothing", async () => {
  const theirs = (await app.services.siuss.flows.list(other, {})).items[0]!;
  const r = await call('POST', comune, '/esiti', { body: { elenco_esiti: [{ id_flusso: theirs.idFlusso, tipo: 'PS_PSA_SINA', ts_flusso: theirs.createdAt.toISOString(), ts_acquisizione: '2026-03-02T09:00:00.000Z', codice_esito: 'OK', id_acquisizione_siuss: '1' }] } });
  assert.is(r.status, 204);
  assert.is((await app.services.siuss.flows.list(other, {})).items[0]!.status, 'generato');
});

test.run();
