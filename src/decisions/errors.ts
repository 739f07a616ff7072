/**
 * Typed errors of the decisions module (codes are part of the API). A DMN file
 * refused at deploy is a ValidationError with code DECISION_INVALID (see
 * DeploymentService), its problems carrying element ids and lines.
 */
import { DomainError } from '../shared/errors.js';

export class DecisionNotFoundError extends DomainError {
  constructor(key: string, tenant: string | null) {
    super('DECISION_NOT_FOUND', `Decisione "${key}" non trovata${tenant ? ` per il comune ${tenant}` : ''}`, 404, { key, tenant });
  }
}

/** The decision could not be evaluated for these inputs (more than one UNIQUE match, a value of the wrong type…). */
export class DecisionEvaluationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('DECISION_EVALUATION_FAILED', message, 422, details);
  }
}
