/**
 * Which case variables a command from outside may write. A completion writes
 * only what it is allowed to: a user task with a form its fields; an external
 * task the outputs its model declares (camunda:outputParameter names) or the
 * documented outputs of its topic; a message the variables declared for it.
 * Variables that only the engine or a decision sets (outcomes, identifiers,
 * dates of record) are refused on every path that does not declare them.
 * Anything else → 422 VARIABLES_NOT_ALLOWED naming the refused variables,
 * before anything is written.
 */
import { ValidationError } from '../../shared/errors.js';

/** Set only by the engine, its handlers, decisions, the intake or a declared message/topic. */
export const PROTECTED_VARIABLES: ReadonlySet<string> = new Set([
  // outcomes
  'esitoInps', 'esitoFinale', 'beneficioErogato', 'decadenza', 'origineRigetto', 'motiviRigetto', 'requisiti', 'iseeOk', 'motiviIsee',
  'importoMensile', 'importoAnnuo', 'scalaEquivalenza', 'massimaleMensile', 'motiviBeneficio', 'durataMesi',
  'sanzioniApplicate', 'ultimaSanzione', 'assenzeIngiustificate', 'convocazioneValida', 'problemiConvocazione',
  // identifiers and data of record of the application
  'soggettoId', 'protocollo', 'protocolloInps', 'dsuProtocollo', 'richiedente', 'isee', 'isre',
  // dates of record
  'dataDomanda', 'scadenzaIstruttoria', 'dataInvioInps', 'dataInizioBeneficio', 'dataFineBeneficio', 'dataFine',
]);

/**
 * Variables a message carries, by message name (README, "Messages"). A message
 * not listed here may carry any variable that is not protected.
 */
export const MESSAGE_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  esitoInps: ['esitoInps', 'motiviInps', 'protocolloInps', 'dataEsitoInps'],
  rinuncia: ['motivoRinuncia', 'dataRinuncia'],
  convocazione: ['motivoConvocazione'],
  eventoCondizionalita: ['eventoCondizionalita'],
};

/**
 * Outputs of external-task topics served by workers outside this server (the
 * in-process connectors declare theirs in their `outputs`). A topic with
 * neither these nor camunda:outputParameter declarations accepts no variables.
 */
export const TOPIC_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  'caf-controlli': ['requisiti', 'caf'],
};

export class VariablesNotAllowedError extends ValidationError {
  constructor(where: string, refused: string[], allowed: readonly string[] | null) {
    super(`Variabili non consentite per ${where}: ${refused.join(', ')}`, { refused, allowed }, 'VARIABLES_NOT_ALLOWED');
  }
}

/**
 * Throws when `variables` holds a name outside `allowed`; with `allowed` null,
 * any name that is not protected is accepted.
 */
export function checkVariablesAllowed(variables: Record<string, unknown> | undefined, allowed: Iterable<string> | null, where: string): void {
  if (!variables) return;
  const names = Object.keys(variables);
  if (!names.length) return;
  const set = allowed ? new Set(allowed) : null;
  const refused = names.filter((n) => (set ? !set.has(n) : PROTECTED_VARIABLES.has(n)));
  if (refused.length) throw new VariablesNotAllowedError(where, refused, set ? [...set].sort() : null);
}

/** The message's declared variables, or null (any variable that is not protected). */
export function messageVariables(name: string): readonly string[] | null {
  return Object.prototype.hasOwnProperty.call(MESSAGE_VARIABLES, name) ? MESSAGE_VARIABLES[name] : null;
}
