/**
 * Connectors for the document topics (documento-progetto, documento-rigetto,
 * documento-convocazione, documento-sanzione): render from the task's process
 * variables, store, and return the new document's id in the kind's output
 * variable (documentoProgettoId, …). Idempotent on the external task's id.
 * Data a document cannot do without (or a convocation outside the 24–72 h
 * notice) is a permanent failure: an incident at once, no retries.
 */
import { PermanentConnectorError, type Connector } from '../integrations/connector.js';
import { DocumentDataError } from './view-models.js';
import { DOCUMENT_KINDS, DOCUMENT_TYPES } from './kinds.js';
import type { DocumentService } from './document.service.js';

export function documentConnectors(deps: { documents: DocumentService }): Connector[] {
  return DOCUMENT_TYPES.map((type): Connector => {
    const kind = DOCUMENT_KINDS[type];
    return {
      topic: kind.topic,
      description: `Genera il documento "${kind.title}" (HTML e PDF) e ne restituisce l'id in ${kind.output}`,
      outputs: [kind.output],
      async run(ctx) {
        const input = { tenant: ctx.tenant, instanceId: ctx.instanceId, type, variables: ctx.variables, externalTaskId: ctx.externalTaskId, createdBy: `connettore:${ctx.topic}`, now: ctx.now, sending: true };
        const doc = await deps.documents.generate(input).catch((err: unknown) => {
          if (err instanceof DocumentDataError) throw new PermanentConnectorError(err.message, JSON.stringify(err.details ?? null));
          throw err;
        });
        return { [kind.output]: doc.id };
      },
    };
  });
}
