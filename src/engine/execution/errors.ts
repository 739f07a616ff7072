import { DomainError } from '../../shared/errors.js';

/** The model could not run the command (a handler or an expression failed); nothing is written. */
export class ProcessExecutionError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('PROCESS_EXECUTION_FAILED', message, 422, details);
  }
}
