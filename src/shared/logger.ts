/**
 * Structured logs (pino, one JSON line per event). What goes in is chosen by
 * the caller from safe fields only — request id, route pattern, user id,
 * status, error code, error class — never parameter values, bodies, SQL text
 * or database error details (GDPR: case data and password hashes stay out).
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  const base = { level: opts.level ?? process.env.LOG_LEVEL ?? 'info', name: opts.name ?? 'rei-engine', base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

/** A logger that writes nothing (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * What may be logged of an error: its class and code (a SQLSTATE, a Node
 * errno name), never its message (a database error's message carries the
 * statement and its values).
 */
export function safeErrorFields(err: unknown): { errorClass: string; errorCode?: string } {
  const e = err as { name?: unknown; constructor?: { name?: unknown }; code?: unknown } | null;
  const errorClass = typeof e?.constructor?.name === 'string' && e.constructor.name !== 'Object' ? e.constructor.name : typeof e?.name === 'string' ? e.name : typeof err;
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{1,40}$/i.test(e.code) ? e.code : undefined;
  return code ? { errorClass, errorCode: code } : { errorClass };
}
