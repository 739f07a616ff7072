/**
 * Classifies errors from the database layer (pg, MikroORM's DriverException,
 * knex's pool) without reading their messages' contents into responses:
 * unreachable database → 503 DATABASE_UNAVAILABLE; a value PostgreSQL refuses
 * as data (out of range, invalid text, NUL byte…) → 400.
 */

/** SQLSTATE classes/codes meaning the server cannot be reached or is going away. */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-4]|53300|3D000)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const UNAVAILABLE_MESSAGE = /^aborted$|Unable to acquire a connection|Client was closed and is not queryable|Connection terminated|Timeout acquiring a connection|connection is insecure|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down)|Client was closed|Cannot use a pool after calling end/i;

function chain(err: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let e = err as Record<string, unknown> | null | undefined;
  for (let i = 0; e && typeof e === 'object' && i < 5; i++) {
    out.push(e);
    e = (e.previous ?? e.cause ?? e.originalError) as Record<string, unknown> | undefined;
  }
  return out;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return chain(err).some((e) => {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_ERRNO.has(code) || (code.length === 5 && UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (e.name === 'KnexTimeoutError' || e.name === 'ConnectionException') return true;
    const errors = e.errors;
    if (Array.isArray(errors) && errors.some((x) => UNAVAILABLE_ERRNO.has(String((x as { code?: unknown })?.code)))) return true; // AggregateError of a dual-stack connect
    return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
  });
}

/** SQLSTATE class 22 (data exception): a value PostgreSQL cannot take, e.g. an integer out of range or a NUL byte. */
export function isDatabaseDataError(err: unknown): boolean {
  return chain(err).some((e) => typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code));
}
