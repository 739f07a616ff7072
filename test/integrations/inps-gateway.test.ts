/**
 * The HTTP INPS gateway against the simulator: receipts, idempotency (same key
 * or same application → same protocol), and how errors are classified —
 * 503 and timeouts retryable, 422 a refusal with INPS's reasons, 401 a
 * configuration problem, nobody listening retryable; plus the retry cycle.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InpsSim } from '../../sim/inps/server.js';
import { HttpInpsGateway } from '../../src/integrations/inps/http-gateway.js';
import { InpsConfigurationError, InpsRejectedError, InpsUnavailableError, type DomandaInps } from '../../src/integrations/inps/gateway.js';
import { decide, DEFAULT_RULES, mergeRules } from '../../sim/inps/rules.js';
import { defaultConnectorRetryCycle, nextAttempt } from '../../src/integrations/retry-policy.js';
import { parseRetryCycle } from '../../src/engine/jobs/retry-cycle.js';

let sim: InpsSim;
let gateway: HttpInpsGateway;
test.before(async () => {
  sim = new InpsSim({ delayMs: 60_000, apiKey: 'chiave-di-prova' }); // outcomes never posted during these tests
  gateway = new HttpInpsGateway({ baseUrl: await sim.start(0), apiKey: 'chiave-di-prova', timeoutMs: 1000 });
});
test.after(async () => sim.close());

function domanda(protocollo: string, overrides: Partial<DomandaInps> = {}): DomandaInps {
  return {
    ente: 'F205',
    protocolloDomanda: protocollo,
    dataDomanda: '2026-02-10',
    richiedente: { codiceFiscale: 'RSSMRA80A01F205X' },
    nucleo: [],
    isee: 3000,
    isre: 1000,
    dsuProtocollo: null,
    rinnovo: false,
    durataMesi: 18,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('a rejection was expected');
}

test('an application gets a protocol; repeating it (same key, or same comune and protocol) gets the same one back', async () => {
  const first = await gateway.inviaDomanda(domanda('G-1'), 'key-1');
  assert.match(first.protocolloInps, /^INPS-REI-\d{4}-\d{7}$/);
  assert.ok(first.ricevutaIl);
  assert.is((await gateway.inviaDomanda(domanda('G-1'), 'key-1')).protocolloInps, first.protocolloInps);
  assert.is((await gateway.inviaDomanda(domanda('G-1'), 'key-2')).protocolloInps, first.protocolloInps);
  assert.is.not((await gateway.inviaDomanda(domanda('G-2'), 'key-3')).protocolloInps, first.protocolloInps);
  const d = sim.domande().find((x) => x.protocolloDomanda === 'G-1')!;
  assert.is(d.invii, 3);
  assert.equal(d.idempotencyKeys, ['key-1', 'key-2']);
});

test('notices are idempotent by key too', async () => {
  const a = await gateway.notificaFirma({ ente: 'F205', protocolloDomanda: 'G-1', protocolloInps: 'INPS-X', dataFirma: '2026-03-01' }, 'n-1');
  const b = await gateway.notificaFirma({ ente: 'F205', protocolloDomanda: 'G-1', protocolloInps: 'INPS-X', dataFirma: '2026-03-01' }, 'n-1');
  assert.is(a.protocolloNotifica, b.protocolloNotifica);
  assert.is(sim.notifiche('firma').length, 1);
  assert.is(sim.notifiche('firma')[0].domandaNota, false);
});

test('errors: 503 and timeouts are retryable, 422 is a refusal with reasons, 401 a configuration problem, no listener retryable', async () => {
  sim.fail({ count: 1, status: 503 });
  const down = await rejection(gateway.inviaDomanda(domanda('G-3'), 'k-3'));
  assert.instance(down, InpsUnavailableError);
  assert.is((down as InpsUnavailableError).status, 503);

  sim.slow({ ms: 1500, count: 1 });
  const slow = await rejection(gateway.inviaDomanda(domanda('G-4'), 'k-4'));
  assert.instance(slow, InpsUnavailableError);
  assert.match(slow.message, /non ha risposto entro 1000 ms/);

  const refused = await rejection(gateway.inviaDomanda(domanda('G-5', { richiedente: null }), 'k-5'));
  assert.instance(refused, InpsRejectedError);
  assert.is((refused as InpsRejectedError).status, 422);
  assert.match((refused as InpsRejectedError).motivi[0], /Codice fiscale del richiedente/);

  const badKey = new HttpInpsGateway({ baseUrl: sim.url!, apiKey: 'sbagliata' });
  assert.instance(await rejection(badKey.inviaDomanda(domanda('G-6'), 'k-6')), InpsConfigurationError);

  const nobody = new HttpInpsGateway({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
  const unreachable = await rejection(nobody.inviaDomanda(domanda('G-7'), 'k-7'));
  assert.instance(unreachable, InpsUnavailableError);
  assert.match(unreachable.message, /INPS non raggiungibile/);
  sim.reset();
});

test('simulator rules: thresholds and deny list; rules merge refuses wrong types', () => {
  assert.equal(decide(DEFAULT_RULES, { isee: 5999, isre: 100, codiceFiscale: 'X' }), { esito: 'positivo', motivi: [] });
  assert.is(decide(DEFAULT_RULES, { isee: 6001, isre: 3001, codiceFiscale: 'X' }).motivi.length, 2);
  const rules = mergeRules(DEFAULT_RULES, { codiciFiscaliNegativi: ['abc'] });
  assert.is(decide(rules, { isee: 1, isre: 1, codiceFiscale: 'ABC' }).esito, 'negativo');
  assert.throws(() => mergeRules(DEFAULT_RULES, { iseeMax: '6000' }), /iseeMax/);
});

test('retry cycle: default first try + retries after 1, 5, 15 minutes; R2/PT10M two tries in all', () => {
  const steps: Array<{ retries: number; backoffMs: number }> = [];
  let retries: number | null = null;
  for (let i = 0; i < 4; i++) {
    const next = nextAttempt(defaultConnectorRetryCycle, retries);
    steps.push(next);
    retries = next.retries;
  }
  assert.equal(steps, [
    { retries: 3, backoffMs: 60_000 },
    { retries: 2, backoffMs: 300_000 },
    { retries: 1, backoffMs: 900_000 },
    { retries: 0, backoffMs: 0 },
  ]);
  const r2 = parseRetryCycle('R2/PT10M')!;
  assert.equal(nextAttempt(r2, null), { retries: 1, backoffMs: 600_000 });
  assert.equal(nextAttempt(r2, 1), { retries: 0, backoffMs: 0 });
  assert.equal(nextAttempt(r2, 5), { retries: 4, backoffMs: 600_000 }, 'retries given back from an incident');
});

test.run();
