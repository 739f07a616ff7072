/**
 * The one source of time. Engine code takes a Clock; production uses the system
 * clock shifted by CLOCK_OFFSET, tests use a ManualClock they move forward.
 */
export interface Clock {
  now(): Date;
}

export function systemClock(offsetMs = 0): Clock {
  return { now: () => new Date(Date.now() + offsetMs) };
}

/** A clock that can be moved to another time and back: the demo seed replays weeks of work through it. */
export interface TimeTravel {
  /** From now on the clock reads `at` (and runs on from there, for a system clock). */
  set(at: Date | string): void;
  /** Back to the time the clock had before the first set(). */
  reset(): void;
}

/** The system clock (plus CLOCK_OFFSET) that start-up chores may move with set() and return with reset(). */
export class MovableSystemClock implements Clock, TimeTravel {
  private offset: number;
  constructor(private readonly baseOffsetMs = 0) {
    this.offset = baseOffsetMs;
  }
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  set(at: Date | string): void {
    this.offset = new Date(at).getTime() - Date.now();
  }
  reset(): void {
    this.offset = this.baseOffsetMs;
  }
}

export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-12T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}

/** Parses an ISO-8601 duration (PnYnMnWnDTnHnMnS) into milliseconds, months as 30 days, years as 365. */
export function parseIsoDuration(value: string): number {
  const m = /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m || value.trim() === 'P' || value.trim().endsWith('T')) throw new Error(`Durata ISO-8601 non valida: ${value}`);
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  const days = n(2) * 365 + n(3) * 30 + n(4) * 7 + n(5);
  const ms = ((days * 24 + n(6)) * 60 + n(7)) * 60_000 + n(8) * 1000;
  return m[1] ? -ms : ms;
}

/** Adds an ISO-8601 duration to a date with calendar semantics (P1M = same day next month, clamped). */
export function addIsoDuration(from: Date, value: string): Date {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m || value.trim() === 'P' || value.trim().endsWith('T')) throw new Error(`Durata ISO-8601 non valida: ${value}`);
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  const d = new Date(from.getTime());
  const months = n(1) * 12 + n(2);
  if (months) {
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
  }
  d.setUTCDate(d.getUTCDate() + n(3) * 7 + n(4));
  return new Date(d.getTime() + ((n(5) * 60 + n(6)) * 60 + n(7)) * 1000);
}
