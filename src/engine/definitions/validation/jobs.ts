/**
 * Jobs (rule `retry-cycle-invalid`): a `camunda:failedJobRetryTimeCycle` must
 * be `R<n>/<duration>` (n ≥ 1) or a comma list of ISO-8601 durations; an
 * expression `${…}` is not supported there (the cycle is read at deploy time).
 */
import type { ModdleElement } from 'bpmn-moddle';
import { parseRetryCycle } from '../../jobs/retry-cycle.js';
import type { Findings } from './findings.js';
import { allFlowElements, extensions, label, text } from './walk.js';

export function checkJobs(proc: ModdleElement, out: Findings): void {
  for (const el of allFlowElements(proc)) {
    for (const cycle of extensions(el, 'camunda:FailedJobRetryTimeCycle')) {
      const value = text(cycle.body);
      if (value && parseRetryCycle(value)) continue;
      out.error(
        'retry-cycle-invalid',
        el.id as string | undefined,
        `failedJobRetryTimeCycle di ${label(el)}: "${value ?? ''}" non è valido (usare R5/PT10M, cioè 5 tentativi a 10 minuti l'uno dall'altro, oppure un elenco di durate ISO-8601 come PT1M,PT5M,PT30M)`,
      );
    }
  }
}
