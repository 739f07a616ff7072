/**
 * The registry of in-process service-task handlers. A BPMN service task names
 * one with camunda:delegateExpression="${name}" or camunda:class="name".
 */
import { HandlerRegistry } from '../../engine/execution/handlers.js';
import { verificaIsee } from './verifica-isee.js';
import { calcolaScadenza } from './calcola-scadenza.js';

export function defaultHandlers(): HandlerRegistry {
  return new HandlerRegistry([verificaIsee, calcolaScadenza]);
}
