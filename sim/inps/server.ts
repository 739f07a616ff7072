/**
 * A simulated INPS for development, the demo and tests (koa, state in memory).
 *
 * Business endpoints (Bearer INPS_SIM_API_KEY when configured; `Idempotency-Key` honoured):
 *   POST /domande            application → 201 {protocolloInps, ricevutaIl}; a repeat (same key, or same
 *                            ente + protocolloDomanda) → 200 with the same protocol; no codice fiscale → 422
 *   POST /notifiche/firma    signature notice → 201 {protocolloNotifica, ricevutaIl}
 *   POST /notifiche/sanzioni sanction notice  → 201 {protocolloNotifica, ricevutaIl}
 * After delayMs each new application is decided by the rules (rules.ts) and the outcome is posted to
 * ENGINE_URL/api/v1/inps/esiti with HTTP Basic, retried while the engine is down or not ready (5xx,
 * network, 409 ESITO_PREMATURO).
 * Inspection: GET /domande, /domande/:protocolloInps, /notifiche?tipo=firma|sanzione, /health.
 * Control: GET /control; POST /control/fail {count?, status?} (no count: until reset); POST /control/slow
 * {ms, count?}; POST /control/reset {dati?}; PUT /control/rules {iseeMax?, isreMax?, codiciFiscaliNegativi?,
 * delayMs?}; POST /control/domande/:protocolloInps/reinvia-esito (posts the outcome once more).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { DEFAULT_RULES, decide, mergeRules, type Decision, type SimRules } from './rules.js';

export interface InpsSimOptions {
  engineUrl?: string | null;
  callbackUser?: string;
  callbackPassword?: string | null;
  /** Real ms between receiving an application and posting its outcome (0 in tests). */
  delayMs?: number;
  rules?: SimRules;
  apiKey?: string | null;
  /** First wait before posting an outcome again (doubles up to callbackMaxRetryMs). */
  callbackRetryMs?: number;
  callbackMaxRetryMs?: number;
  callbackMaxAttempts?: number;
  log?: (msg: string) => void;
}

export interface DomandaRicevuta {
  protocolloInps: string;
  ente: string;
  protocolloDomanda: string;
  dataDomanda: string | null;
  codiceFiscale: string;
  ricevutaIl: string;
  idempotencyKeys: string[];
  /** How many times it was sent (repeats included). */
  invii: number;
  payload: Record<string, unknown>;
  esito: (Decision & { decisoIl: string }) | null;
  consegna: { stato: 'programmata' | 'in_corso' | 'consegnata' | 'rifiutata' | 'abbandonata'; tentativi: number; ultimaRisposta: string | null; consegnataIl: string | null };
}

export interface NotificaRicevuta {
  protocolloNotifica: string;
  tipo: 'firma' | 'sanzione';
  ente: string;
  protocolloDomanda: string;
  protocolloInps: string;
  /** False when the simulator never received that application (e.g. it was restarted). */
  domandaNota: boolean;
  ricevutaIl: string;
  idempotencyKey: string | null;
  payload: Record<string, unknown>;
}

interface Faults {
  fail: { remaining: number; status: number };
  slow: { remaining: number; ms: number };
}

export class InpsSim {
  readonly app: Koa;
  private server: Server | null = null;
  private baseUrl: string | null = null;
  private readonly opts: Required<Omit<InpsSimOptions, 'log' | 'engineUrl' | 'callbackPassword' | 'apiKey'>> & Pick<InpsSimOptions, 'log'> & { engineUrl: string | null; callbackPassword: string | null; apiKey: string | null };
  private readonly domandeByProtocol = new Map<string, DomandaRicevuta>();
  private readonly byKey = new Map<string, string>();
  private readonly notificheList: NotificaRicevuta[] = [];
  private readonly notificheByKey = new Map<string, NotificaRicevuta>();
  private readonly pending = new Set<Promise<void>>();
  private faults: Faults = noFaults();
  private sequence = 0;
  private closing = new AbortController();
  /** Calls to the business endpoints, failed ones included. */
  readonly calls = { domande: 0, firma: 0, sanzioni: 0 };

  constructor(options: InpsSimOptions = {}) {
    this.opts = {
      engineUrl: options.engineUrl?.replace(/\/+$/, '') ?? null,
      callbackUser: options.callbackUser ?? 'inps',
      callbackPassword: options.callbackPassword ?? null,
      delayMs: options.delayMs ?? 10_000,
      rules: options.rules ?? DEFAULT_RULES,
      apiKey: options.apiKey ?? null,
      callbackRetryMs: options.callbackRetryMs ?? 1000,
      callbackMaxRetryMs: options.callbackMaxRetryMs ?? 30_000,
      callbackMaxAttempts: options.callbackMaxAttempts ?? 30,
      log: options.log,
    };
    this.app = this.createApp();
  }

  get url(): string | null {
    return this.baseUrl;
  }

  get rules(): SimRules {
    return this.opts.rules;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return this.baseUrl!;
    this.closing = new AbortController();
    const server = this.app.listen(port, host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    return this.baseUrl;
  }

  /** Stops listening and abandons outcomes not yet posted. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.pending]);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Where outcomes go (the engine's base URL) and with which credentials. */
  setEngine(engine: { url: string; user?: string; password?: string }): void {
    this.opts.engineUrl = engine.url.replace(/\/+$/, '');
    if (engine.user) this.opts.callbackUser = engine.user;
    if (engine.password !== undefined) this.opts.callbackPassword = engine.password;
  }

  /** The next `count` business calls (all until reset when omitted) answer `status` (503). */
  fail(opts: { count?: number; status?: number } = {}): void {
    this.faults.fail = { remaining: opts.count ?? Number.POSITIVE_INFINITY, status: opts.status ?? 503 };
  }

  /** The next `count` business calls (all until reset when omitted) wait `ms` before being handled. */
  slow(opts: { ms: number; count?: number }): void {
    this.faults.slow = { remaining: opts.count ?? Number.POSITIVE_INFINITY, ms: opts.ms };
  }

  /** Clears the faults; with `data`, forgets everything received too. */
  reset(opts: { data?: boolean } = {}): void {
    this.faults = noFaults();
    if (opts.data) {
      this.domandeByProtocol.clear();
      this.byKey.clear();
      this.notificheList.length = 0;
      this.notificheByKey.clear();
      Object.assign(this.calls, { domande: 0, firma: 0, sanzioni: 0 });
    }
  }

  setRules(patch: unknown): SimRules {
    const p = (patch ?? {}) as { delayMs?: unknown };
    if (p.delayMs !== undefined) {
      if (typeof p.delayMs !== 'number' || p.delayMs < 0) throw new Error('delayMs deve essere un numero ≥ 0');
      this.opts.delayMs = p.delayMs;
    }
    const { delayMs: _ignored, ...rules } = (patch ?? {}) as Record<string, unknown>;
    this.opts.rules = mergeRules(this.opts.rules, rules);
    return this.opts.rules;
  }

  domande(): DomandaRicevuta[] {
    return [...this.domandeByProtocol.values()];
  }

  notifiche(tipo?: 'firma' | 'sanzione'): NotificaRicevuta[] {
    return this.notificheList.filter((n) => !tipo || n.tipo === tipo);
  }

  /** Resolves when no outcome is waiting to be posted (tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Posts an application's outcome once more (to show the engine refuses a duplicate). */
  async resendOutcome(protocolloInps: string): Promise<{ status: number; body: unknown }> {
    const d = this.domandeByProtocol.get(protocolloInps);
    if (!d?.esito) throw new Error(`Nessun esito per ${protocolloInps}`);
    const res = await this.postOutcome(d);
    return { status: res.status, body: res.body };
  }

  // ---------------------------------------------------------------- HTTP

  private createApp(): Koa {
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        ctx.status = status >= 400 && status < 600 ? status : 500;
        const motivi = (err as { motivi?: string[] }).motivi;
        ctx.body = { error: { code: (err as { code?: string }).code ?? 'ERRORE', message: (err as Error).message, ...(motivi ? { motivi } : {}) } };
      }
    });
    app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb' }));
    const r = new Router();

    r.get('/health', (ctx) => {
      ctx.body = { status: 'ok', simulatore: 'INPS', domande: this.domandeByProtocol.size, notifiche: this.notificheList.length };
    });

    r.post('/domande', async (ctx) => {
      this.calls.domande++;
      if (await this.businessGate(ctx)) return;
      this.receiveDomanda(ctx);
    });
    r.post('/notifiche/firma', async (ctx) => {
      this.calls.firma++;
      if (await this.businessGate(ctx)) return;
      this.receiveNotifica(ctx, 'firma');
    });
    r.post('/notifiche/sanzioni', async (ctx) => {
      this.calls.sanzioni++;
      if (await this.businessGate(ctx)) return;
      this.receiveNotifica(ctx, 'sanzione');
    });

    r.get('/domande', (ctx) => {
      ctx.body = { items: this.domande() };
    });
    r.get('/domande/:protocollo', (ctx) => {
      const d = this.domandeByProtocol.get(ctx.params.protocollo);
      if (!d) throw httpError(404, 'DOMANDA_NON_TROVATA', `Nessuna domanda con protocollo ${ctx.params.protocollo}`);
      ctx.body = d;
    });
    r.get('/notifiche', (ctx) => {
      const tipo = ctx.query.tipo === 'firma' || ctx.query.tipo === 'sanzione' ? ctx.query.tipo : undefined;
      ctx.body = { items: this.notifiche(tipo) };
    });

    r.get('/control', (ctx) => {
      ctx.body = this.controlState();
    });
    r.post('/control/fail', (ctx) => {
      const b = objectBody(ctx);
      this.fail({ count: optionalCount(b.count), status: typeof b.status === 'number' && b.status >= 400 && b.status < 600 ? b.status : 503 });
      ctx.body = this.controlState();
    });
    r.post('/control/slow', (ctx) => {
      const b = objectBody(ctx);
      if (typeof b.ms !== 'number' || b.ms < 0) throw httpError(422, 'RICHIESTA_NON_VALIDA', 'ms deve essere un numero ≥ 0');
      this.slow({ ms: b.ms, count: optionalCount(b.count) });
      ctx.body = this.controlState();
    });
    r.post('/control/reset', (ctx) => {
      const b = objectBody(ctx);
      this.reset({ data: b.dati === true || b.data === true });
      ctx.body = this.controlState();
    });
    r.put('/control/rules', (ctx) => {
      try {
        this.setRules(objectBody(ctx));
      } catch (err) {
        throw httpError(422, 'REGOLE_NON_VALIDE', (err as Error).message);
      }
      ctx.body = this.controlState();
    });
    r.post('/control/domande/:protocollo/reinvia-esito', async (ctx) => {
      const d = this.domandeByProtocol.get(ctx.params.protocollo);
      if (!d?.esito) throw httpError(404, 'ESITO_NON_TROVATO', `Nessun esito per ${ctx.params.protocollo}`);
      ctx.body = { risposta: await this.resendOutcome(ctx.params.protocollo) };
    });

    app.use(r.routes());
    app.use(r.allowedMethods());
    return app;
  }

  private controlState() {
    const count = (n: number) => (Number.isFinite(n) ? n : 'fino al reset');
    return {
      faults: {
        fail: this.faults.fail.remaining > 0 ? { remaining: count(this.faults.fail.remaining), status: this.faults.fail.status } : null,
        slow: this.faults.slow.remaining > 0 ? { remaining: count(this.faults.slow.remaining), ms: this.faults.slow.ms } : null,
      },
      rules: this.opts.rules,
      delayMs: this.opts.delayMs,
      engineUrl: this.opts.engineUrl,
      calls: this.calls,
      pendingOutcomes: this.pending.size,
    };
  }

  /** API key, then the injected faults; true when the request was answered here. */
  private async businessGate(ctx: Context): Promise<boolean> {
    if (this.opts.apiKey && ctx.get('authorization') !== `Bearer ${this.opts.apiKey}`) {
      ctx.status = 401;
      ctx.body = { error: { code: 'NON_AUTORIZZATO', message: 'Chiave API mancante o errata' } };
      return true;
    }
    const { slow, fail } = this.faults;
    if (slow.remaining > 0) {
      slow.remaining--;
      await sleep(slow.ms, this.closing.signal);
    }
    if (fail.remaining > 0) {
      fail.remaining--;
      ctx.status = fail.status;
      ctx.body = { error: { code: 'SERVIZIO_NON_DISPONIBILE', message: `Servizio INPS temporaneamente non disponibile (simulato, HTTP ${fail.status})` } };
      return true;
    }
    return false;
  }

  private receiveDomanda(ctx: Context): void {
    const b = objectBody(ctx);
    const key = ctx.get('idempotency-key') || null;
    const richiedente = (b.richiedente && typeof b.richiedente === 'object' ? b.richiedente : {}) as Record<string, unknown>;
    const codiceFiscale = typeof richiedente.codiceFiscale === 'string' ? richiedente.codiceFiscale.trim().toUpperCase() : '';
    const motivi: string[] = [];
    if (typeof b.ente !== 'string' || !/^[A-Z]\d{3}$/.test(b.ente)) motivi.push('Ente (codice Belfiore) mancante o non valido');
    if (typeof b.protocolloDomanda !== 'string' || !b.protocolloDomanda.trim()) motivi.push('Protocollo della domanda mancante');
    if (!/^[A-Z0-9]{16}$/.test(codiceFiscale)) motivi.push('Codice fiscale del richiedente mancante o non valido: la domanda non può essere esaminata');
    if (motivi.length) throw httpError(422, 'DOMANDA_NON_VALIDA', motivi.join('; '), { motivi });
    const ente = b.ente as string;
    const protocolloDomanda = (b.protocolloDomanda as string).trim();

    const existing = (key && this.byKey.get(key)) || this.findDomanda(ente, protocolloDomanda);
    if (existing) {
      const d = this.domandeByProtocol.get(existing)!;
      d.invii++;
      if (key && !d.idempotencyKeys.includes(key)) {
        d.idempotencyKeys.push(key);
        this.byKey.set(key, d.protocolloInps);
      }
      ctx.status = 200;
      ctx.body = { protocolloInps: d.protocolloInps, ricevutaIl: d.ricevutaIl, ripetuta: true };
      return;
    }
    const now = new Date();
    const d: DomandaRicevuta = {
      protocolloInps: `INPS-REI-${now.getUTCFullYear()}-${String(++this.sequence).padStart(7, '0')}`,
      ente,
      protocolloDomanda,
      dataDomanda: typeof b.dataDomanda === 'string' ? b.dataDomanda : null,
      codiceFiscale,
      ricevutaIl: now.toISOString(),
      idempotencyKeys: key ? [key] : [],
      invii: 1,
      payload: b,
      esito: null,
      consegna: { stato: 'programmata', tentativi: 0, ultimaRisposta: null, consegnataIl: null },
    };
    this.domandeByProtocol.set(d.protocolloInps, d);
    if (key) this.byKey.set(key, d.protocolloInps);
    this.opts.log?.(`domanda ${ente}/${protocolloDomanda} ricevuta: ${d.protocolloInps}`);
    this.track(this.decideLater(d));
    ctx.status = 201;
    ctx.body = { protocolloInps: d.protocolloInps, ricevutaIl: d.ricevutaIl };
  }

  private receiveNotifica(ctx: Context, tipo: 'firma' | 'sanzione'): void {
    const b = objectBody(ctx);
    const key = ctx.get('idempotency-key') || null;
    const repeated = key ? this.notificheByKey.get(`${tipo}:${key}`) : undefined;
    if (repeated) {
      ctx.status = 200;
      ctx.body = { protocolloNotifica: repeated.protocolloNotifica, ricevutaIl: repeated.ricevutaIl, ripetuta: true };
      return;
    }
    const motivi: string[] = [];
    if (typeof b.ente !== 'string' || !/^[A-Z]\d{3}$/.test(b.ente)) motivi.push('Ente (codice Belfiore) mancante o non valido');
    if (typeof b.protocolloInps !== 'string' || !b.protocolloInps) motivi.push('Protocollo INPS della domanda mancante');
    if (tipo === 'firma' && (typeof b.dataFirma !== 'string' || !b.dataFirma)) motivi.push('Data di sottoscrizione del progetto mancante');
    if (tipo === 'sanzione' && (!b.sanzione || typeof b.sanzione !== 'object')) motivi.push('Dati della sanzione mancanti');
    if (motivi.length) throw httpError(422, 'NOTIFICA_NON_VALIDA', motivi.join('; '), { motivi });
    const now = new Date();
    const n: NotificaRicevuta = {
      protocolloNotifica: `INPS-NOT-${now.getUTCFullYear()}-${String(++this.sequence).padStart(7, '0')}`,
      tipo,
      ente: b.ente as string,
      protocolloDomanda: typeof b.protocolloDomanda === 'string' ? b.protocolloDomanda : '',
      protocolloInps: b.protocolloInps as string,
      domandaNota: this.domandeByProtocol.has(b.protocolloInps as string),
      ricevutaIl: now.toISOString(),
      idempotencyKey: key,
      payload: b,
    };
    this.notificheList.push(n);
    if (key) this.notificheByKey.set(`${tipo}:${key}`, n);
    this.opts.log?.(`notifica di ${tipo} ricevuta per ${n.protocolloInps}: ${n.protocolloNotifica}`);
    ctx.status = 201;
    ctx.body = { protocolloNotifica: n.protocolloNotifica, ricevutaIl: n.ricevutaIl };
  }

  private findDomanda(ente: string, protocolloDomanda: string): string | null {
    for (const d of this.domandeByProtocol.values()) if (d.ente === ente && d.protocolloDomanda === protocolloDomanda) return d.protocolloInps;
    return null;
  }

  // ---------------------------------------------------------------- outcomes

  private track(work: Promise<void>): void {
    const p = work.catch((err) => this.opts.log?.(`errore nell'invio dell'esito: ${(err as Error).message}`)).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async decideLater(d: DomandaRicevuta): Promise<void> {
    const signal = this.closing.signal;
    await sleep(this.opts.delayMs, signal);
    if (signal.aborted) return;
    d.esito = { ...decide(this.opts.rules, { isee: d.payload.isee, isre: d.payload.isre, codiceFiscale: d.codiceFiscale }), decisoIl: new Date().toISOString() };
    this.opts.log?.(`esito ${d.esito.esito} per ${d.protocolloInps}${d.esito.motivi.length ? ` (${d.esito.motivi.join('; ')})` : ''}`);
    for (let attempt = 1; attempt <= this.opts.callbackMaxAttempts && !signal.aborted; attempt++) {
      d.consegna.stato = 'in_corso';
      const res = await this.postOutcome(d);
      d.consegna.tentativi++;
      d.consegna.ultimaRisposta = res.summary;
      if (res.status >= 200 && res.status < 300) {
        Object.assign(d.consegna, { stato: 'consegnata', consegnataIl: new Date().toISOString() });
        return;
      }
      if (!res.retry) {
        d.consegna.stato = 'rifiutata';
        this.opts.log?.(`esito per ${d.protocolloInps} rifiutato dal motore: ${res.summary}`);
        return;
      }
      await sleep(Math.min(this.opts.callbackRetryMs * 2 ** (attempt - 1), this.opts.callbackMaxRetryMs), signal);
    }
    if (d.consegna.stato !== 'consegnata') d.consegna.stato = 'abbandonata';
  }

  /** One POST of the outcome to the engine; `retry` when the engine is down or not ready yet. */
  private async postOutcome(d: DomandaRicevuta): Promise<{ status: number; body: unknown; summary: string; retry: boolean }> {
    if (!this.opts.engineUrl) return { status: 0, body: null, summary: 'ENGINE_URL non impostato', retry: true };
    const esito = d.esito!;
    const auth = Buffer.from(`${this.opts.callbackUser}:${this.opts.callbackPassword ?? ''}`).toString('base64');
    try {
      const res = await fetch(`${this.opts.engineUrl}/api/v1/inps/esiti`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
        body: JSON.stringify({ ente: d.ente, protocolloDomanda: d.protocolloDomanda, esito: esito.esito, motivi: esito.motivi, protocolloInps: d.protocolloInps }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      const code = (body as { error?: { code?: string } } | null)?.error?.code ?? null;
      const retry = res.status >= 500 || res.status === 429 || (res.status === 409 && code === 'ESITO_PREMATURO');
      return { status: res.status, body, summary: `HTTP ${res.status}${code ? ` ${code}` : ''}`, retry };
    } catch (err) {
      return { status: 0, body: null, summary: `motore non raggiungibile: ${(err as Error).message}`, retry: true };
    }
  }
}

function noFaults(): Faults {
  return { fail: { remaining: 0, status: 503 }, slow: { remaining: 0, ms: 0 } };
}

function objectBody(ctx: Context): Record<string, unknown> {
  const b = (ctx.request as unknown as { body?: unknown }).body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function optionalCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function httpError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, code, ...extra });
}

/** Real-time wait (this is a simulator, not engine code), cut short when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return ms <= 0 ? setImmediate(resolve) : resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
