/**
 * How a period splits over the pre-aggregated SLA figures (slaPeriod), and
 * where a period that reaches now ends for them (periodEnd).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { periodEnd, slaPeriod, startOfRomeDay } from '../../src/tasks/sla/sla-period.js';

const now = new Date('2026-03-10T14:30:00Z'); // 15:30 in Rome

test('a period ending before now keeps its end; at or after now it ends with that whole Rome day', () => {
  const earlier = new Date('2026-03-10T09:00:00Z');
  assert.is(periodEnd(earlier, now).toISOString(), earlier.toISOString());
  assert.is(periodEnd(now, now).toISOString(), startOfRomeDay('2026-03-11').toISOString(), 'today, whole');
  assert.is(periodEnd(new Date('2026-03-12T10:00:00Z'), now).toISOString(), startOfRomeDay('2026-03-13').toISOString());
  const midnight = startOfRomeDay('2026-04-01');
  assert.is(periodEnd(midnight, now).toISOString(), midnight.toISOString(), 'a Rome midnight is already a whole day');
});

test('a year up to now: whole months, whole days, and one part-day edge only at the start', () => {
  const from = new Date(now.getTime() - 365 * 86_400_000);
  const period = slaPeriod(from, periodEnd(now, now));
  assert.equal(period.months, ['2025-04-01', '2026-03-01']);
  assert.equal(period.days, [['2025-03-11', '2025-04-01'], ['2026-03-01', '2026-03-11']]);
  assert.equal(period.wholeDays, ['2025-03-11', '2026-03-11']);
  assert.equal(period.edges.map(([a, b]) => [a.toISOString(), b.toISOString()]), [[from.toISOString(), startOfRomeDay('2025-03-11').toISOString()]]);
  const exact = slaPeriod(from, now);
  assert.equal(exact.edges.at(-1)!.map((d) => d.toISOString()), [startOfRomeDay('2026-03-10').toISOString(), now.toISOString()], 'without now: today task by task');
});

test.run();
