/**
 * Timer values (rule `timer-invalid`): timeDuration an ISO-8601 duration
 * (P3D, PT12H), timeDate an ISO-8601 date-time (2026-03-01T09:00:00Z),
 * timeCycle an ISO-8601 repeating interval (R3/PT1H, R/2026-01-01T08:00:00Z/P1D);
 * cron expressions are not supported. A value containing `${…}` is resolved at
 * run time, so only its syntax is checked (by the expression rule).
 */
import type { ModdleElement } from 'bpmn-moddle';
import { hasExpression } from '../../expressions/index.js';
import { parseIsoDuration } from '../../../shared/clock.js';
import type { Findings } from './findings.js';
import { allFlowElements, bodyOf, eventDefinitions, label } from './walk.js';

export type TimerKind = 'timeDuration' | 'timeDate' | 'timeCycle';
const KINDS: TimerKind[] = ['timeDuration', 'timeDate', 'timeCycle'];

export function checkTimers(proc: ModdleElement, out: Findings): void {
  for (const el of allFlowElements(proc)) {
    for (const def of eventDefinitions(el, 'bpmn:TimerEventDefinition')) {
      const present = KINDS.filter((k) => def[k] !== undefined && def[k] !== null);
      if (present.length === 0) {
        out.error('timer-invalid', el.id, `Il timer ${label(el)} non indica né timeDuration, né timeDate, né timeCycle`);
        continue;
      }
      if (present.length > 1) {
        out.error('timer-invalid', el.id, `Il timer ${label(el)} indica più valori (${present.join(', ')}): ne è ammesso uno solo`);
        continue;
      }
      const kind = present[0]!;
      const problem = timerValueProblem(kind, bodyOf(def[kind]));
      if (problem) out.error('timer-invalid', el.id, `Timer ${label(el)}, ${kind}: ${problem}`);
    }
  }
}

/** Why a timer value is invalid, or undefined when it is fine (or an expression). */
export function timerValueProblem(kind: TimerKind, value: string | undefined): string | undefined {
  if (!value) return 'valore vuoto';
  if (hasExpression(value)) return undefined;
  switch (kind) {
    case 'timeDuration':
      return isDuration(value) ? undefined : `"${value}" non è una durata ISO-8601 (es. P3D, PT12H) né un'espressione \${…}`;
    case 'timeDate':
      return isDateTime(value) ? undefined : `"${value}" non è una data-ora ISO-8601 (es. 2026-03-01T09:00:00Z) né un'espressione \${…}`;
    case 'timeCycle':
      if (/^\S+(\s+\S+){4,6}$/.test(value)) return `"${value}" sembra un'espressione cron, non supportata: usare un intervallo ripetuto ISO-8601 (es. R/P1D, R5/PT1H)`;
      return isRepeatingInterval(value) ? undefined : `"${value}" non è un intervallo ripetuto ISO-8601 (R[n]/…, es. R3/PT1H o R/2026-01-01T08:00:00Z/P1D) né un'espressione \${…}`;
  }
}

export function isDuration(value: string): boolean {
  if (!/^P/.test(value)) return false;
  try {
    parseIsoDuration(value);
    return true;
  } catch {
    return false;
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(?::?(\d{2}))?)?$/;

export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const offsetOk = (m[8] === undefined || Number(m[8]) <= 18) && (m[9] === undefined || Number(m[9]) <= 59);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && s <= 59 && offsetOk;
}

export function isRepeatingInterval(value: string): boolean {
  const m = /^R(\d*)\/(.+)$/.exec(value);
  if (!m) return false;
  const parts = m[2]!.split('/');
  if (parts.length === 1) return isDuration(parts[0]!);
  if (parts.length !== 2) return false;
  const [a, b] = parts as [string, string];
  return (isDateTime(a) && (isDuration(b) || isDateTime(b))) || (isDuration(a) && isDateTime(b));
}
