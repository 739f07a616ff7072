/**
 * The one place errors become HTTP: DomainErrors keep their status and code,
 * framework 4xx (bad JSON, payload too large, broken multipart) get a code, a
 * database that cannot be reached is 503 DATABASE_UNAVAILABLE with
 * Retry-After, a value the database refuses as data is 400, anything else a
 * 500 with no internal detail. Body: {error: {code, message, details}}.
 *
 * Every request gets an id (X-Request-Id, taken from the caller when it is a
 * plain token) and one structured log line: id, method, route pattern, user
 * id, status, error code — never parameter values, bodies, SQL text or
 * database error details (see src/shared/logger.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { DomainError } from '../shared/errors.js';
import { isDatabaseDataError, isDatabaseUnavailable } from '../shared/db-errors.js';
import { safeErrorFields, type Logger } from '../shared/logger.js';

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
};

/** Seconds a client should wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    let failure: unknown = null;
    let code: string | undefined;
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: 'NOT_FOUND', message: `Risorsa non trovata: ${ctx.method} ${ctx.path}`, details: null } };
      } else if (ctx.status === 405 && ctx.body === undefined) {
        // Set by the routers' allowedMethods(), which leave no body.
        const allowed = ctx.response.get('Allow');
        ctx.status = 405;
        ctx.body = { error: { code: 'METHOD_NOT_ALLOWED', message: `Metodo non consentito: ${ctx.method} ${ctx.path}`, details: allowed ? { allowed: allowed.split(/\s*,\s*/) } : null } };
      }
      code = errorCodeOf(ctx.body);
    } catch (err) {
      failure = err;
      const h = toHttp(err);
      code = h.code;
      ctx.status = h.status;
      if (h.retryAfter) ctx.set('Retry-After', String(h.retryAfter));
      ctx.body = { error: { code: h.code, message: h.message, details: h.details ?? null } };
    } finally {
      const line = {
        requestId,
        method: ctx.method,
        route: (ctx as { _matchedRoute?: string })._matchedRoute ?? null,
        userId: (ctx.state.user as { id?: string } | undefined)?.id ?? null,
        status: ctx.status,
        ...(code ? { code } : {}),
        ms: Math.round(performance.now() - started),
      };
      if (ctx.status >= 500) logger.error({ ...line, ...(failure ? safeErrorFields(failure) : {}), ...(failure && !isDatabaseError(failure) ? { frames: framesOf(failure) } : {}) }, 'request failed');
      else logger.info(line, 'request');
    }
  };
}

function toHttp(err: unknown): { status: number; code: string; message: string; details?: unknown; retryAfter?: number } {
  if (err instanceof DomainError) {
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return { status: err.status, code: err.code, message: err.message, details: err.details, ...(typeof retryAfter === 'number' ? { retryAfter } : {}) };
  }
  if (isDatabaseUnavailable(err)) return { status: 503, code: 'DATABASE_UNAVAILABLE', message: 'Database momentaneamente non raggiungibile: riprovare tra poco', retryAfter: DATABASE_RETRY_AFTER_SECONDS };
  if (isDatabaseDataError(err)) return { status: 400, code: 'INVALID_VALUE', message: 'Un valore della richiesta non è accettabile (fuori intervallo o con caratteri non ammessi)' };
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; code?: string; field?: string };
  const status = e?.status ?? e?.statusCode;
  // multer's MulterError carries no HTTP status, only a LIMIT_* code.
  if (e?.code === 'LIMIT_FILE_SIZE') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'File troppo grande' };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 400 && /json|parse|unexpected/i.test(e.message ?? '') ? 'Corpo della richiesta non valido (JSON malformato)' : (e.expose && e.message) || 'Richiesta non valida';
    return { status, code: status === 400 && /json/i.test(e.message ?? '') ? 'MALFORMED_JSON' : HTTP_CODES[status] ?? 'BAD_REQUEST', message };
  }
  if (e?.code && String(e.code).startsWith('LIMIT_')) return { status: 400, code: 'BAD_UPLOAD', message: `Upload non valido: ${e.message}` };
  // busboy (under multer): a multipart body without boundary, truncated or malformed.
  if (e instanceof Error && /^(Multipart: Boundary not found|Unexpected end of (form|file|multipart data)|Malformed (part header|urlencoded form|content type)|Unsupported content type|Missing Content-Type)/i.test(e.message)) {
    return { status: 400, code: 'BAD_UPLOAD', message: 'Corpo multipart non valido o troncato' };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Errore interno del server' };
}

function isDatabaseError(err: unknown): boolean {
  const e = err as { sqlState?: unknown; code?: unknown; previous?: unknown; severity?: unknown } | null;
  return !!e && (e.previous !== undefined || e.severity !== undefined || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) || isDatabaseUnavailable(err));
}

/** The stack's frames without its first line (the message, which may hold data). */
function framesOf(err: unknown): string[] {
  const stack = typeof (err as { stack?: unknown })?.stack === 'string' ? (err as { stack: string }).stack : '';
  return stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 10).map((l) => l.trim());
}

function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}
