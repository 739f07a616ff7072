/**
 * The registry of in-process service-task handlers. A BPMN service task names
 * one with camunda:delegateExpression="${name}" or camunda:class="name".
 * The REI model (processes/rei.bpmn) uses calcolaBeneficio, applicaSanzione,
 * registraAssenza, verificaConvocazione, rigettoComune, rigettoInps,
 * concludiPratica and registraRinuncia.
 */
import { HandlerRegistry } from '../../engine/execution/handlers.js';
import { verificaIsee } from './verifica-isee.js';
import { calcolaScadenza } from './calcola-scadenza.js';
import { calcolaBeneficio } from './calcola-beneficio.js';
import { applicaSanzione, registraAssenza } from './applica-sanzione.js';
import { verificaConvocazione } from './verifica-convocazione.js';
import { concludiPratica, registraRinuncia, rigettoComune, rigettoInps } from './esito-pratica.js';

export function defaultHandlers(): HandlerRegistry {
  return new HandlerRegistry([
    verificaIsee,
    calcolaScadenza,
    calcolaBeneficio,
    applicaSanzione,
    registraAssenza,
    verificaConvocazione,
    rigettoComune,
    rigettoInps,
    concludiPratica,
    registraRinuncia,
  ]);
}
