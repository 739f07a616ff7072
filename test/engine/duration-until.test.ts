import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calendarFunctions, createCalendar, durationUntil } from '../../src/engine/calendar/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { addIsoDuration } from '../../src/shared/clock.js';
import { ENGINE_FUNCTIONS } from '../../src/engine/definitions/validation/expressions.js';

test('durationUntil: whole seconds from now until an instant or the end of a Rome day; PT0S when past', () => {
  const now = new Date('2026-03-02T08:00:00.000Z');
  assert.is(durationUntil(now, '2026-03-02T09:00:00Z'), 'PT3600S');
  assert.is(durationUntil(now, '2026-03-02T08:00:00.400Z'), 'PT1S', 'rounded up: never fires early');
  assert.is(durationUntil(now, '2026-03-02'), 'PT53999S', 'a plain date is the end of that day, 23:59:59 Rome (CET)');
  assert.is(durationUntil(now, '2026-03-01T00:00:00Z'), 'PT0S');
  assert.throws(() => durationUntil(now, 'domani'), /non è una data/);
});

test('as an expression function: a timer timeDuration due at the deadline by the engine clock', () => {
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  const fns = calendarFunctions(createCalendar({}), clock);
  const deadline = fns.addWorkingDays!('2026-03-02', 15) as string;
  const duration = fns.durationUntil!(deadline) as string;
  assert.is(addIsoDuration(clock.now(), duration).toISOString(), deadline);
  assert.ok(ENGINE_FUNCTIONS.has('durationUntil'), 'known to deploy validation');
});

test.run();
