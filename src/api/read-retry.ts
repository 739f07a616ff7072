/**
 * Idempotent reads (GET, HEAD) that fail because the database cannot be
 * reached — a connection dropped by a PostgreSQL restart or failover — run
 * once more after a short delay, so a blip costs a retry instead of a 503.
 * A second failure goes to the error middleware (503 with Retry-After).
 * Writes are never retried. Only an untouched response is retried (no body
 * written, nothing sent). koa-compose lets a middleware call next() only
 * once, so the application's middleware after this one is composed on its
 * own (`downstream`) and dispatched again; `ctx.state.readRetryPending` tells
 * handlers that catch errors themselves (the pages) to let this one through.
 */
import type { Context, Middleware, Next } from 'koa';
import { isDatabaseUnavailable } from '../shared/db-errors.js';
import type { Logger } from '../shared/logger.js';

/** Wait before the one retry (ms): long enough for the pool to drop its dead connection and open a new one. */
export const READ_RETRY_DELAY_MS = 250;

const IDEMPOTENT = new Set(['GET', 'HEAD']);

/** `middleware`: what `downstream` is composed of, for tools that list the application's routers. */
export function retryIdempotentReads(downstream: Middleware, opts: { logger?: Logger; delayMs?: number; middleware?: Middleware[] } = {}): Middleware & { middleware: Middleware[] } {
  const delayMs = opts.delayMs ?? READ_RETRY_DELAY_MS;
  const retrying = async (ctx: Context, next: Next) => {
    if (!IDEMPOTENT.has(ctx.method)) {
      await downstream(ctx, next);
      return;
    }
    ctx.state.readRetryPending = true;
    try {
      await downstream(ctx, next);
      return;
    } catch (err) {
      if (!isDatabaseUnavailable(err) || !untouched(ctx)) throw err;
      opts.logger?.warn({ requestId: ctx.state.requestId as unknown, method: ctx.method, code: 'DATABASE_RETRY' }, 'database unreachable: read retried once');
    } finally {
      ctx.state.readRetryPending = false;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await downstream(ctx, next);
  };
  return Object.assign(retrying, { middleware: opts.middleware ?? [] });
}

/** Nothing of the answer is decided yet: no body, no status chosen, nothing sent. */
function untouched(ctx: Context): boolean {
  return !ctx.headerSent && ctx.body === undefined && ctx.status === 404;
}
