/**
 * Upload routes are authorised before their body is read (issue 11, item 10):
 * an operatore posting 257 MB to /api/v1/deployments used to get its 403 only
 * after the whole upload was buffered. Here, before any body parser: the
 * credentials and the role, then the declared size (Content-Length, required
 * for multipart) against MAX_UPLOAD_BYTES; a refusal closes the connection
 * instead of draining the rest.
 */
import type { Context, Middleware, Next } from 'koa';
import { DomainError } from '../shared/errors.js';
import { requireRole, type Role } from '../auth/principal.js';

interface UploadRoute {
  method: string;
  path: RegExp;
  roles: Role[];
  /** Errors in Camunda's shape {type, message} (the Modeler's REST surface). */
  camunda?: boolean;
  /** A limit of its own instead of MAX_UPLOAD_BYTES (SIUSS imports: SIUSS_IMPORT_MAX_MB). */
  limit?: 'siussImport';
}

export const UPLOAD_ROUTES: readonly UploadRoute[] = [
  { method: 'POST', path: /^\/api\/v1\/deployments\/?$/, roles: ['admin', 'analista'] },
  { method: 'POST', path: /^\/engine-rest\/deployment\/create\/?$/, roles: ['admin', 'analista'], camunda: true },
  { method: 'POST', path: /^\/api\/v1\/siuss\/imports\/?$/, roles: ['admin', 'responsabile', 'operatore'], limit: 'siussImport' },
];

/** Room for the multipart framing (boundaries, part headers, form fields) above the files themselves. */
const MULTIPART_OVERHEAD = 64 * 1024;

class UploadRefused extends DomainError {}

export function uploadGate(auth: Middleware, defaultMaxBytes: number, limits: Partial<Record<NonNullable<UploadRoute['limit']>, number>> = {}): Middleware {
  return async (ctx: Context, next: Next) => {
    const route = UPLOAD_ROUTES.find((r) => r.method === ctx.method && r.path.test(ctx.path));
    if (!route) {
      await next();
      return;
    }
    const maxBytes = (route.limit && limits[route.limit]) || defaultMaxBytes;
    try {
      await auth(ctx, () => {
        requireRole(ctx.state.user, ...route.roles);
        return Promise.resolve();
      });
      const declared = ctx.get('content-length');
      const multipart = !!ctx.is('multipart');
      if (multipart && declared === '') throw new UploadRefused('LENGTH_REQUIRED', 'Upload multipart senza Content-Length', 411);
      if (declared !== '' && Number(declared) > maxBytes + (multipart ? MULTIPART_OVERHEAD : 0)) {
        throw new UploadRefused('PAYLOAD_TOO_LARGE', `Upload troppo grande: al massimo ${maxBytes} byte`, 413, { maxBytes });
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // The body was never read: do not keep the connection to drain it.
      ctx.set('Connection', 'close');
      if (!route.camunda) throw err;
      ctx.status = err.status;
      ctx.body = { type: err.status === 401 ? 'AuthenticationException' : err.status === 403 ? 'AuthorizationException' : 'InvalidRequestException', message: err.message, code: err.code };
      return;
    }
    await next();
  };
}
