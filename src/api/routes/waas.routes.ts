/**
 * The WaaS pull API that INPS calls for each comune (issue 13, item 8), as
 * docs/inps/api-comuni.yaml specifies it, under /waas/{belfiore}/v1:
 * GET /flussi?since=&limit= (the comune's WaaS flows changed after `since`,
 * epoch ms, at most `limit` ≤ 100, default 10), POST /esiti (INPS's outcomes,
 * 204) and GET /status. Callers authenticate with a PDND voucher (see
 * src/siuss/waas/auth.ts). Every error is application/problem+json (RFC 7807).
 * Without WAAS_JWKS_FILE, WAAS_ISSUER and WAAS_AUDIENCE the API answers 503.
 */
import Router, { type RouterMiddleware } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import { z } from 'zod';
import { DomainError } from '../../shared/errors.js';
import { Tenant } from '../../db/entities/index.js';
import { flowsPage, type Esito } from '../../siuss/waas/flows.js';
import type { Services } from '../context.js';

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable' };

class WaasProblem extends DomainError {}

function problem(ctx: Context, status: number, detail: string): void {
  ctx.status = status;
  ctx.body = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail: detail.slice(0, 4096) };
  ctx.type = 'application/problem+json';
}

const BELFIORE = /^[A-Z]\d{3}$/;
const DIGITS = /^\d{1,20}$/;

const esitoSchema = z.object({
  id_flusso: z.string().min(1).max(64),
  tipo: z.string().max(32),
  ts_flusso: z.string().datetime({ offset: true }),
  ts_acquisizione: z.string().datetime({ offset: true }),
  codice_esito: z.enum(['OK', 'DATI_NON_TROVATI', 'RICHIESTA_INVALIDA', 'ERRORE_GENERICO']),
  descrizione_esito: z.string().max(4000).optional(),
  id_acquisizione_siuss: z.string().max(100).optional(),
});
const esitiSchema = z.object({ elenco_esiti: z.array(esitoSchema).max(100).optional() }).strict();

export function waasApp(services: Services, log: (msg: string) => void = () => undefined): Middleware {
  const router = new Router({ prefix: '/waas/:belfiore/v1' });
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: '2mb', encoding: 'utf-8' });

  /** 503 when unconfigured, 401 without a valid voucher for this comune, 404 for a comune the server does not host. */
  const guard: RouterMiddleware = async (ctx, next) => {
    const belfiore = ctx.params.belfiore!;
    if (!BELFIORE.test(belfiore)) throw new WaasProblem('WAAS_UNKNOWN_ENTE', `Ente ${belfiore} non servito da questa API`, 404);
    const { auth, reason } = services.waas;
    if (!auth) throw new WaasProblem('WAAS_NOT_CONFIGURED', reason ?? 'API WaaS non configurata', 503);
    await auth.verify(ctx.get('authorization'), belfiore);
    const tenant = await services.orm.em.fork().findOne(Tenant, { code: belfiore });
    if (!tenant) throw new WaasProblem('WAAS_UNKNOWN_ENTE', `Ente ${belfiore} non servito da questa API`, 404);
    ctx.state.waasTenant = tenant;
    await next();
  };

  router.get('/status', (ctx) => {
    const ok = !!services.waas.auth;
    problem(ctx, ok ? 200 : 503, ok ? 'Servizio attivo' : (services.waas.reason ?? 'API WaaS non configurata'));
    ctx.body = { ...(ctx.body as object), title: ok ? 'OK' : TITLES[503] };
  });

  router.get('/flussi', guard, async (ctx) => {
    const tenant = ctx.state.waasTenant as Tenant;
    const since = typeof ctx.query.since === 'string' ? ctx.query.since : undefined;
    const limitRaw = ctx.query.limit;
    if (since === undefined || !DIGITS.test(since)) throw new WaasProblem('WAAS_BAD_SINCE', "Parametro 'since' obbligatorio: timestamp in millisecondi (intero ≥ 0)", 400);
    if (limitRaw !== undefined && (typeof limitRaw !== 'string' || !DIGITS.test(limitRaw) || Number(limitRaw) > 100)) throw new WaasProblem('WAAS_BAD_LIMIT', "Parametro 'limit' non valido: intero tra 0 e 100", 400);
    const limit = limitRaw === undefined ? 10 : Number(limitRaw);
    const flows = await flowsPage(services.waas.flows, tenant.code, Number(since), limit);
    if (flows.length) await services.waas.flows.markServed?.(tenant.code, flows);
    ctx.body = {
      elenco_flussi: flows.map((f) => ({
        codice_ente: tenant.code,
        denominazione_ente: tenant.name.slice(0, 256),
        id_flusso: f.idFlusso,
        tipo: f.tipo,
        ts_flusso: f.updatedAt.toISOString(),
        flusso: Buffer.from(f.xml, 'utf8').toString('base64'),
      })),
    };
  });

  router.post('/esiti', guard, parse, async (ctx) => {
    const tenant = ctx.state.waasTenant as Tenant;
    if (!ctx.is('application/json')) throw new WaasProblem('WAAS_BAD_BODY', 'Corpo atteso: application/json (ElencoEsiti)', 415);
    const parsed = esitiSchema.safeParse(ctx.request.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new WaasProblem('WAAS_BAD_BODY', `ElencoEsiti non valido: ${first ? `${first.path.join('.')} ${first.message}` : ''}`.trim(), 400);
    }
    for (const esito of parsed.data.elenco_esiti ?? []) {
      // An outcome for a flow the comune does not have is acknowledged (re-sending it would not help) and logged.
      const applied = await services.waas.flows.applyOutcome(tenant.code, esito as Esito);
      if (applied === 'unknown') log(`[waas] esito per un flusso sconosciuto di ${tenant.code}: ${esito.id_flusso}`);
    }
    ctx.status = 204;
  });

  const routes = router.routes();
  return async (ctx: Context, next: Next) => {
    if (!/^\/waas(\/|$)/.test(ctx.path)) {
      await next();
      return;
    }
    try {
      await routes(ctx as never, () => Promise.resolve());
      if (ctx.body === undefined && ctx.status === 404) problem(ctx, 404, `Risorsa non trovata: ${ctx.method} ${ctx.path}`);
    } catch (err) {
      if (err instanceof DomainError) {
        problem(ctx, err.status, err.message);
        if (err.status === 401) ctx.set('WWW-Authenticate', `Bearer error="invalid_token"`);
        if (err.status === 503) ctx.set('Retry-After', '3600');
        return;
      }
      const status = (err as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        problem(ctx, status, status === 413 ? 'Corpo della richiesta troppo grande' : 'Richiesta non valida');
        return;
      }
      log(`[waas] errore interno: ${(err as Error).message}`);
      problem(ctx, 500, 'Errore interno');
    }
  };
}
