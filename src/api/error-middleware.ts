/**
 * The one place errors become HTTP: DomainErrors keep their status and code,
 * framework 4xx (bad JSON, payload too large) get a code, anything else is a
 * logged 500 with no internal detail. Body: {error: {code, message, details}}.
 */
import type { Context, Next } from 'koa';
import { DomainError } from '../shared/errors.js';

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
};

export function errorMiddleware(log: (msg: string, err: unknown) => void) {
  return async (ctx: Context, next: Next) => {
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
    } catch (err) {
      const { status, code, message, details } = toHttp(err);
      if (status >= 500) log(`${ctx.method} ${ctx.path} failed`, err);
      ctx.status = status;
      ctx.body = { error: { code, message, details: details ?? null } };
    }
  };
}

function toHttp(err: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (err instanceof DomainError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; code?: string; field?: string };
  const status = e?.status ?? e?.statusCode;
  // multer's MulterError carries no HTTP status, only a LIMIT_* code.
  if (e?.code === 'LIMIT_FILE_SIZE') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'File troppo grande' };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 400 && /json|parse|unexpected/i.test(e.message ?? '') ? 'Corpo della richiesta non valido (JSON malformato)' : (e.expose && e.message) || 'Richiesta non valida';
    return { status, code: status === 400 && /json/i.test(e.message ?? '') ? 'MALFORMED_JSON' : HTTP_CODES[status] ?? 'BAD_REQUEST', message };
  }
  if (e?.code && String(e.code).startsWith('LIMIT_')) return { status: 400, code: 'BAD_UPLOAD', message: `Upload non valido: ${e.message}` };
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Errore interno del server' };
}
