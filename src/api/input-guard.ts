/**
 * Refuses input PostgreSQL or the engine cannot hold, before any handler
 * runs: a NUL character in the path, the query or any string (or key) of a
 * JSON body, a lone UTF-16 surrogate, a body nested deeper than MAX_DEPTH.
 * → 400 INVALID_CHARACTERS / BODY_TOO_DEEP, nothing read further.
 */
import type { Context, Next } from 'koa';
import { BadRequestError } from '../shared/errors.js';

const MAX_DEPTH = 64;
// eslint-disable-next-line no-control-regex -- finding NUL characters is the point
const NUL_IN_URL = /%00|\u0000/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function urlGuard() {
  return async (ctx: Context, next: Next) => {
    if (NUL_IN_URL.test(ctx.originalUrl ?? ctx.url)) throw invalid('indirizzo o parametri');
    for (const v of Object.values(ctx.query)) {
      for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' && LONE_SURROGATE.test(s)) throw invalid('parametri');
    }
    await next();
  };
}

/** Runs after the JSON body parser. */
export function bodyGuard() {
  return async (ctx: Context, next: Next) => {
    checkValue(ctx.request.body);
    await next();
  };
}

/** Throws on a NUL character or a lone surrogate anywhere in `value` (iterative: no recursion on deep input). */
export function checkValue(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isSafeString(v)) throw invalid('corpo');
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_DEPTH) throw new BadRequestError(`Corpo della richiesta annidato oltre ${MAX_DEPTH} livelli`, undefined, 'BODY_TOO_DEEP');
      if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
      else
        for (const [k, x] of Object.entries(v)) {
          if (!isSafeString(k)) throw invalid('corpo');
          stack.push([x, depth + 1]);
        }
    }
  }
}

export function isSafeString(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

function invalid(where: string): BadRequestError {
  return new BadRequestError(`Caratteri non ammessi (NUL o surrogati UTF-16 isolati) nel ${where === 'corpo' ? 'corpo della richiesta' : where}`, undefined, 'INVALID_CHARACTERS');
}
