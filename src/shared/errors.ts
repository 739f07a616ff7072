/**
 * Typed errors with a stable code and an HTTP status, mapped once at the edge
 * (src/api/error-middleware.ts) to `{error: {code, message, details}}`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, details?: unknown, code = 'BAD_REQUEST') {
    super(code, message, 400, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Autenticazione richiesta', code = 'UNAUTHORIZED') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Operazione non consentita', code = 'FORBIDDEN', details?: unknown) {
    super(code, message, 403, details);
  }
}

/** Grammatical gender and number of the noun, so the participle agrees: m → "trovato", f → "trovata", mp → "trovati", fp → "trovate". */
export type Genere = 'm' | 'f' | 'mp' | 'fp';
const TROVATO: Record<Genere, string> = { m: 'trovato', f: 'trovata', mp: 'trovati', fp: 'trovate' };

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string, code = 'NOT_FOUND', genere: Genere = 'm') {
    super(code, id ? `${what} ${id} non ${TROVATO[genere]}` : `${what} non ${TROVATO[genere]}`, 404, id ? { id } : undefined);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, code = 'CONFLICT', details?: unknown) {
    super(code, message, 409, details);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown, code = 'VALIDATION_FAILED') {
    super(code, message, 422, details);
  }
}

/** One problem found in a submitted model or payload, with where it was found. */
export interface Problem {
  message: string;
  elementId?: string;
  line?: number;
  column?: number;
  file?: string;
  field?: string;
  rule?: string;
}
