/**
 * InpsGateway over HTTP (JSON), as the simulator in sim/inps/ speaks it:
 *   POST {INPS_URL}/domande            → 201/200 {protocolloInps, ricevutaIl}
 *   POST {INPS_URL}/notifiche/firma    → 201/200 {protocolloNotifica, ricevutaIl}
 *   POST {INPS_URL}/notifiche/sanzioni → 201/200 {protocolloNotifica, ricevutaIl}
 * with `Idempotency-Key` and, when INPS_API_KEY is set, `Authorization: Bearer`.
 * Errors are classified: network, timeout, 408/429/5xx → InpsUnavailableError
 * (retried); 401/403 → InpsConfigurationError; other 4xx → InpsRejectedError.
 */
import type { DomandaInps, InpsGateway, NotificaFirma, NotificaSanzione, RicevutaDomanda, RicevutaNotifica } from './gateway.js';
import { InpsConfigurationError, InpsRejectedError, InpsUnavailableError } from './gateway.js';

export interface HttpInpsGatewayOptions {
  baseUrl: string;
  apiKey?: string | null;
  /** Per request (ms, default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class HttpInpsGateway implements InpsGateway {
  private readonly baseUrl: string;
  constructor(private readonly opts: HttpInpsGatewayOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  async inviaDomanda(domanda: DomandaInps, idempotencyKey: string): Promise<RicevutaDomanda> {
    const body = await this.post('/domande', domanda, idempotencyKey);
    return { protocolloInps: requiredString(body, 'protocolloInps'), ricevutaIl: optionalString(body, 'ricevutaIl') };
  }

  async notificaFirma(notifica: NotificaFirma, idempotencyKey: string): Promise<RicevutaNotifica> {
    const body = await this.post('/notifiche/firma', notifica, idempotencyKey);
    return { protocolloNotifica: requiredString(body, 'protocolloNotifica'), ricevutaIl: optionalString(body, 'ricevutaIl') };
  }

  async notificaSanzione(notifica: NotificaSanzione, idempotencyKey: string): Promise<RicevutaNotifica> {
    const body = await this.post('/notifiche/sanzioni', notifica, idempotencyKey);
    return { protocolloNotifica: requiredString(body, 'protocolloNotifica'), ricevutaIl: optionalString(body, 'ricevutaIl') };
  }

  private async post(path: string, payload: unknown, idempotencyKey: string): Promise<Record<string, unknown>> {
    const url = `${this.baseUrl}${path}`;
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': idempotencyKey };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Response;
    let text: string;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new InpsUnavailableError(`INPS non ha risposto entro ${timeoutMs} ms (POST ${path})`);
      throw new InpsUnavailableError(`INPS non raggiungibile (POST ${path}): ${causeOf(e)}`);
    }
    const body = parseJson(text);
    if (res.ok) {
      if (!body) throw new InpsUnavailableError(`Risposta INPS non leggibile (POST ${path}, HTTP ${res.status})`, res.status);
      return body;
    }
    const message = errorMessage(body) ?? (text.slice(0, 300) || res.statusText);
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new InpsUnavailableError(`INPS non disponibile (POST ${path}, HTTP ${res.status}): ${message}`, res.status);
    if (res.status === 401 || res.status === 403) throw new InpsConfigurationError(`INPS ha rifiutato le credenziali (POST ${path}, HTTP ${res.status}): controllare INPS_API_KEY. ${message}`);
    throw new InpsRejectedError(`INPS ha rifiutato la richiesta (POST ${path}, HTTP ${res.status}): ${message}`, res.status, motiviOf(body));
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = text ? JSON.parse(text) : null;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function errorMessage(body: Record<string, unknown> | null): string | null {
  const error = body?.error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return typeof body?.message === 'string' ? body.message : null;
}

function motiviOf(body: Record<string, unknown> | null): string[] {
  const error = body?.error as { motivi?: unknown } | undefined;
  const motivi = error?.motivi ?? body?.motivi;
  return Array.isArray(motivi) ? motivi.filter((m): m is string => typeof m === 'string') : [];
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || !v) throw new InpsUnavailableError(`Risposta INPS senza ${key}`);
  return v;
}

function optionalString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  return typeof v === 'string' ? v : '';
}

function causeOf(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
