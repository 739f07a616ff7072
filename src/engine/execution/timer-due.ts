/**
 * When a timer is due, by the engine clock (not bpmn-elements' own Date.now):
 * timeDate is the date itself; timeDuration counts from now with calendar
 * semantics; timeCycle R[n]/[start/]duration is due at start, or now + duration.
 */
import { addIsoDuration } from '../../shared/clock.js';

export interface TimerSpec {
  timerType?: string;
  timeDate?: string;
  timeDuration?: string;
  timeCycle?: string;
  delayMs?: number;
}

export function timerDueAt(spec: TimerSpec, now: Date): Date {
  try {
    if (spec.timerType === 'timeDate' && spec.timeDate) {
      const d = new Date(spec.timeDate);
      if (!Number.isNaN(d.getTime())) return d;
    }
    if (spec.timerType === 'timeDuration' && spec.timeDuration) return addIsoDuration(now, spec.timeDuration);
    if (spec.timerType === 'timeCycle' && spec.timeCycle) {
      const parts = spec.timeCycle.trim().split('/');
      const duration = parts.find((p) => p.startsWith('P'));
      const start = parts.find((p) => /^\d{4}-\d{2}-\d{2}/.test(p));
      if (start && new Date(start) > now) return new Date(start);
      if (duration) return addIsoDuration(now, duration);
    }
  } catch {
    /* fall back to the engine's delay */
  }
  return new Date(now.getTime() + Math.max(0, spec.delayMs ?? 0));
}
