/**
 * Asynchronous continuations (`camunda:asyncBefore` / `camunda:asyncAfter`)
 * on bpmn-elements' formatting queue: every run message of an activity is
 * "formatted" before the activity acts on it, and a formatting message that
 * carries an `endRoutingKey` holds the activity until that key is published.
 * The extension holds `run.start` (asyncBefore: entered, not yet executed) and
 * `run.end` (asyncAfter: executed, outgoing flows not yet taken).
 *
 * The hold is never released by publishing the end key: the command that
 * created it commits with the activity waiting (status "formatting", its run
 * message unacknowledged in the saved state). Every later command rebuilds the
 * engine from that state, the run message is delivered again and held again;
 * only the command of the continuation job lets that one hold pass (for both
 * deliveries bpmn-elements makes on resume), so the activity runs in the job's
 * own transaction.
 */
import type { ModelIndex } from '../definitions/model.js';

export type AsyncPhase = 'before' | 'after';

export interface AsyncRelease {
  executionId: string;
  phase: AsyncPhase;
}

interface FormatMessage {
  fields: { routingKey: string };
  content: { executionId?: string };
}

interface FormattingActivity {
  id: string;
  broker: { publish(exchange: string, routingKey: string, content: object): void };
  formatter: { format(message: FormatMessage, callback: (...args: unknown[]) => void): unknown };
}

export interface AsyncContinuations {
  /** The bpmn-elements extension to register on the engine. */
  extension: (activity: FormattingActivity) => void;
  /** Activity executions held at a continuation during this command, by execution id. */
  held: Map<string, { elementId: string; phase: AsyncPhase }>;
  /** Whether the release asked for matched a held activity. */
  released: () => boolean;
}

const PHASE_OF_RUN_MESSAGE: Record<string, AsyncPhase | undefined> = { 'run.start': 'before', 'run.end': 'after' };

export function asyncContinuations(index: ModelIndex, release: AsyncRelease | null): AsyncContinuations {
  const held = new Map<string, { elementId: string; phase: AsyncPhase }>();
  let hit = false;

  function extension(activity: FormattingActivity) {
    const spec = index.elements[activity.id];
    if (!spec?.asyncBefore && !spec?.asyncAfter) return;
    const formatter = activity.formatter;
    const format = formatter.format.bind(formatter);
    formatter.format = (message, callback) => {
      const phase = PHASE_OF_RUN_MESSAGE[message.fields.routingKey];
      const executionId = message.content.executionId;
      if (phase && executionId && (phase === 'before' ? spec.asyncBefore : spec.asyncAfter)) {
        if (release && release.executionId === executionId && release.phase === phase) {
          hit = true;
          held.delete(executionId);
        } else {
          held.set(executionId, { elementId: activity.id, phase });
          // Queued before the formatter's own message: it is consumed first and holds the run message.
          activity.broker.publish('format', `run.async.${phase}`, { endRoutingKey: `run.async.${phase}.continue` });
        }
      }
      return format(message, callback);
    };
  }

  return { extension, held, released: () => hit };
}
