/**
 * Tests for the comuni's working-day calendars and the date functions of
 * expressions (src/engine/calendar): national holidays from date-holidays,
 * patron day, Saturday, closures, Europe/Rome day boundaries, durations.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  addDuration,
  calendarFunctions,
  calendarSettingsSchema,
  createCalendar,
  nationalHolidays,
  normalizeSettings,
  CALENDAR_FUNCTION_NAMES,
} from '../../src/engine/calendar/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { evaluateExpression } from '../../src/engine/expressions/index.js';
import { expressionScope } from '../../src/engine/execution/engine-expressions.js';
import { ENGINE_FUNCTIONS } from '../../src/engine/definitions/validation/expressions.js';

const plain = createCalendar({});
const milano = createCalendar({ patronDay: '12-07', patronName: "Sant'Ambrogio" });

const NATIONAL = ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '11-01', '12-08', '12-25', '12-26'];

test('national holidays 2018: the fixed ones, Easter Monday 2 April, no San Francesco', () => {
  const dates = nationalHolidays(2018).map((h) => h.date);
  for (const md of NATIONAL) assert.ok(dates.includes(`2018-${md}`), `2018-${md} missing from ${dates.join(', ')}`);
  assert.ok(dates.includes('2018-04-02'), 'Easter Monday 2018');
  assert.is(nationalHolidays(2018).find((h) => h.date === '2018-04-02')?.name, 'Lunedì dell’Angelo');
  assert.not.ok(dates.includes('2018-10-04'), '4 October is a holiday only from 2026');
  assert.not.ok(dates.includes('2018-04-03'));
  for (const h of nationalHolidays(2018)) assert.is(h.kind, 'national');
  // every listed holiday is a non-working day, weekday or not
  for (const d of dates) assert.is(plain.isWorkingDay(d), false, d);
});

test('national holidays 2026: Easter Monday 6 April and San Francesco on 4 October', () => {
  const list = nationalHolidays(2026);
  const dates = list.map((h) => h.date);
  for (const md of NATIONAL) assert.ok(dates.includes(`2026-${md}`), `2026-${md} missing`);
  assert.ok(dates.includes('2026-04-06'), 'Easter Monday 2026');
  assert.not.ok(dates.includes('2026-04-13'));
  assert.is(list.find((h) => h.date === '2026-10-04')?.name, "Festa nazionale di San Francesco d'Assisi");
  assert.ok(nationalHolidays(2027).some((h) => h.date === '2027-10-04'));
  assert.not.ok(nationalHolidays(2025).some((h) => h.date === '2025-10-04'));
  assert.equal([...dates].sort(), dates, 'sorted by date');
});

test('4 October: a holiday from 2026 only (checked on days that would otherwise be working)', () => {
  // 4 Oct 2026 is a Sunday: a non-working day anyway. 4 Oct 2027 is a Monday.
  assert.is(plain.isWorkingDay('2026-10-04'), false);
  assert.is(plain.isWorkingDay('2027-10-04'), false);
  assert.is(plain.addWorkingDays('2027-10-01', 1), '2027-10-05', 'Fri 1 Oct 2027 + 1 skips the weekend and Mon 4 Oct');
  assert.is(plain.workingDaysBetween('2027-10-01', '2027-10-08'), 4);
  // 4 Oct 2025 is a Saturday: with Saturday working it is an ordinary working day (no holiday yet)
  const saturdays = createCalendar({ saturdayWorking: true });
  assert.is(saturdays.isWorkingDay('2025-10-04'), true);
  assert.is(saturdays.addWorkingDays('2025-10-03', 1), '2025-10-04');
  // …while 4 Oct 2031, a Saturday from 2026 on, is not
  assert.is(saturdays.isWorkingDay('2031-10-04'), false);
  assert.is(saturdays.addWorkingDays('2031-10-03', 1), '2031-10-06');
  // 2028-10-04 is a Wednesday
  assert.is(plain.isWorkingDay('2028-10-04'), false);
  assert.is(plain.isWorkingDay('2028-10-05'), true);
});

test('working-day arithmetic across Easter Monday 2018', () => {
  // Thu 29 Mar (day 0) → Fri 30 Mar (1), Sat/Sun, Mon 2 Apr Easter Monday, Tue 3 Apr (2)
  assert.is(plain.addWorkingDays('2018-03-29', 1), '2018-03-30');
  assert.is(plain.addWorkingDays('2018-03-29', 2), '2018-04-03');
  assert.is(plain.addWorkingDays('2018-04-03', -2), '2018-03-29');
  assert.is(plain.addWorkingDays('2018-04-03', -1), '2018-03-30');
  assert.is(plain.workingDaysBetween('2018-03-29', '2018-04-03'), 2);
  assert.is(plain.workingDaysBetween('2018-04-03', '2018-03-29'), -2);
  assert.is(plain.workingDaysBetween('2018-04-02', '2018-04-02'), 0);
  assert.is(plain.addWorkingDays('2018-04-01', 0), '2018-04-01', 'day 0 is the start date itself');
  assert.is(plain.nextWorkingDay('2018-03-31'), '2018-04-03');
  assert.is(plain.nextWorkingDay('2018-04-03'), '2018-04-03');
});

test('addWorkingDays and workingDaysBetween are inverse over a year of starts', () => {
  for (let i = 0; i < 365; i += 3) {
    const start = new Date(Date.UTC(2026, 0, 1 + i, 12)).toISOString().slice(0, 10);
    for (const n of [-11, -1, 1, 2, 7, 15, 30]) {
      const end = milano.addWorkingDays(start, n);
      assert.is(milano.isWorkingDay(end), true, `${start} + ${n} = ${end} is not a working day`);
      assert.is(milano.workingDaysBetween(start, end), n, `${start} → ${end}`);
    }
  }
});

test('7 December: the patron day in Milano, a working day elsewhere', () => {
  assert.is(milano.isWorkingDay('2026-12-07'), false);
  assert.is(plain.isWorkingDay('2026-12-07'), true);
  // Fri 4 Dec 2026 + 1: Milano skips the weekend, Mon 7 (Sant'Ambrogio) and Tue 8 (Immacolata)
  assert.is(milano.addWorkingDays('2026-12-04', 1), '2026-12-09');
  assert.is(plain.addWorkingDays('2026-12-04', 1), '2026-12-07');
  const patron = milano.holidays(2026).filter((h) => h.kind === 'patron');
  assert.equal(patron, [{ date: '2026-12-07', name: "Sant'Ambrogio", kind: 'patron' }]);
  assert.is(plain.holidays(2026).filter((h) => h.kind === 'patron').length, 0);
  const sesto = createCalendar({ patronDay: '06-24' });
  assert.is(sesto.isWorkingDay('2026-06-24'), false);
  assert.is(sesto.holidays(2026).find((h) => h.kind === 'patron')?.name, 'Santo patrono');
});

test('Saturday: not a working day by default, working when the comune says so (holidays still excluded)', () => {
  const saturdays = createCalendar({ saturdayWorking: true });
  assert.is(plain.isWorkingDay('2026-03-28'), false);
  assert.is(saturdays.isWorkingDay('2026-03-28'), true);
  assert.is(saturdays.isWorkingDay('2026-03-29'), false, 'Sunday never works');
  assert.is(plain.addWorkingDays('2026-03-06', 1), '2026-03-09');
  assert.is(saturdays.addWorkingDays('2026-03-06', 1), '2026-03-07');
  assert.is(saturdays.isWorkingDay('2026-04-25'), false, '25 April 2026 is a Saturday holiday');
  assert.is(plain.workingDaysBetween('2026-03-02', '2026-03-09'), 5);
  assert.is(saturdays.workingDaysBetween('2026-03-02', '2026-03-09'), 6);
});

test('closures are non-working days listed with the year', () => {
  const cal = createCalendar({ closures: ['2026-08-14', '2026-12-24', '2027-01-02'] });
  assert.is(cal.isWorkingDay('2026-08-14'), false);
  assert.is(plain.isWorkingDay('2026-08-14'), true);
  // Thu 13 Aug + 1: Fri 14 closed, Sat 15 (Ferragosto) and Sun → Mon 17
  assert.is(cal.addWorkingDays('2026-08-13', 1), '2026-08-17');
  const y2026 = cal.holidays(2026);
  assert.equal(y2026.filter((h) => h.kind === 'closure').map((h) => h.date), ['2026-08-14', '2026-12-24']);
  assert.is(y2026.find((h) => h.date === '2026-08-14')?.name, 'Chiusura degli uffici');
  assert.equal(cal.holidays(2027).filter((h) => h.kind === 'closure').map((h) => h.date), ['2027-01-02']);
  assert.is(cal.holidays(2026), cal.holidays(2026), 'a year is computed once and kept');
});

test('Europe/Rome decides which day it is', () => {
  // 23:30Z on 31 Dec is 00:30 on 1 Jan in Rome (a holiday); 22:30Z is still 31 Dec (Thursday)
  assert.is(plain.isWorkingDay('2026-12-31T23:30:00Z'), false);
  assert.is(plain.isWorkingDay('2026-12-31T22:30:00Z'), true);
  assert.is(plain.isWorkingDay(new Date('2026-12-31T23:30:00Z')), false);
  // summer time: 22:30Z on 1 June is 00:30 on 2 June (Festa della Repubblica)
  assert.is(plain.isWorkingDay('2026-06-01T22:30:00Z'), false);
  assert.is(plain.isWorkingDay('2026-06-01T21:30:00Z'), true);
  assert.is(plain.isWorkingDay('2026-06-02T00:30:00+02:00'), false);
  // without an offset a date-time is Rome wall time
  assert.is(plain.isWorkingDay('2026-06-01T23:30:00'), true);
  const clock = new ManualClock('2026-12-31T23:30:00Z');
  const f = calendarFunctions(plain, clock);
  assert.is(f.today!(), '2027-01-01');
  assert.is(f.now!(), '2026-12-31T23:30:00.000Z');
  // from Fri 1 Jan 2027 (Rome): + 1 working day = Mon 4 Jan; from Thu 31 Dec: + 1 = Mon 4 Jan too, + 0 differs
  assert.is(f.addWorkingDays!(f.now!(), 0), '2027-01-01T22:59:59.000Z');
  assert.is(f.addWorkingDays!('2026-12-31T22:30:00Z', 0), '2026-12-31T22:59:59.000Z');
  assert.is(f.workingDaysBetween!('2026-12-31T22:30:00Z', '2026-12-31T23:30:00Z'), 0);
  clock.set('2026-12-31T22:30:00Z');
  assert.is(f.today!(), '2026-12-31');
});

test('calendar functions: deadlines are the end of the Rome day as UTC ISO date-times', () => {
  const f = calendarFunctions(milano, new ManualClock('2026-12-01T09:00:00Z'));
  // Tue 1 Dec 2026 + 15 working days in Milano (7 and 8 Dec off): 2,3,4,9,10,11,14,15,16,17,18,21,22,23,24 → Thu 24 Dec
  assert.is(f.addWorkingDays!('2026-12-01', 15), '2026-12-24T22:59:59.000Z');
  assert.is(calendarFunctions(plain, new ManualClock())['addWorkingDays']!('2026-12-01', 15), '2026-12-23T22:59:59.000Z');
  assert.is(f.addWorkingDays!('2026-12-01T16:45:00+01:00', '15'), '2026-12-24T22:59:59.000Z', 'time of day and a numeric string count the same');
  assert.is(f.addWorkingDays!(new Date('2026-12-01T09:00:00Z'), -1), '2026-11-30T22:59:59.000Z');
  assert.is(f.addDays!('2026-03-01', 30), '2026-03-31T21:59:59.000Z', 'summer time: 23:59:59 Rome is 21:59:59Z');
  assert.is(f.addDays!('2026-03-31', -30), '2026-03-01T22:59:59.000Z');
  assert.is(f.nextWorkingDay!('2026-12-07'), '2026-12-09T22:59:59.000Z');
  assert.is(f.endOfDay!('2026-12-07T10:00:00Z'), '2026-12-07T22:59:59.000Z');
  assert.is(f.isWorkingDay!('2026-12-07'), false);
  assert.is(f.workingDaysBetween!('2026-12-01', '2026-12-24'), 15);
  assert.ok(new Date(f.addWorkingDays!('2026-12-01', 15) as string).getTime() > 0);
});

test('calendar functions refuse what is not a date or a whole number', () => {
  const f = calendarFunctions(plain, new ManualClock());
  assert.throws(() => f.addWorkingDays!('01/12/2026', 1), /non è una data ISO-8601/);
  assert.throws(() => f.addWorkingDays!('2026-02-30', 1), /non è una data ISO-8601/);
  assert.throws(() => f.addWorkingDays!(null, 1), /valore vuoto/);
  assert.throws(() => f.addWorkingDays!('2026-12-01', 1.5), /numero intero/);
  assert.throws(() => f.addDays!('2026-12-01', 'tre'), /numero intero/);
  assert.throws(() => f.addWorkingDays!('2026-12-01', 1_000_000), /Troppi/);
  assert.throws(() => f.addDuration!('2026-12-01', '1M'), /Durata ISO-8601 non valida/);
  assert.throws(() => f.isWorkingDay!('3000-01-01'), /Anno fuori/);
});

test('addDuration: calendar months clamp, days keep the wall-clock time, hours are elapsed time', () => {
  assert.is(addDuration('2026-01-31T10:00:00+01:00', 'P1M'), '2026-02-28T09:00:00.000Z');
  assert.is(addDuration('2028-01-31T10:00:00+01:00', 'P1M'), '2028-02-29T09:00:00.000Z');
  assert.is(addDuration('2026-01-15', 'P1M'), '2026-02-15T22:59:59.000Z', 'a plain date starts at the end of its day');
  // 29 March 2026: clocks go forward. P1D keeps 10:00 Rome, PT24H is 24 elapsed hours
  assert.is(addDuration('2026-03-28T10:00:00+01:00', 'P1D'), '2026-03-29T08:00:00.000Z');
  assert.is(addDuration('2026-03-28T10:00:00+01:00', 'PT24H'), '2026-03-29T09:00:00.000Z');
  // 14:00 Rome (summer time) on 31 March − 1 month = 14:00 Rome (winter time) on 28 February
  assert.is(addDuration('2026-03-31T12:00:00Z', '-P1M'), '2026-02-28T13:00:00.000Z');
  assert.is(addDuration('2026-01-01T00:00:00Z', 'P1Y2M3W4DT5H6M7S'), '2027-03-26T05:06:07.000Z');
});

test('the functions run inside ${…} expressions and deploy validation knows them', () => {
  const functions = calendarFunctions(milano, new ManualClock('2026-12-10T08:00:00Z'));
  const scope = expressionScope({ dataDomanda: '2026-12-01', giorni: 15 }, { params: {}, clock: new ManualClock(), functions });
  assert.is(evaluateExpression('${addWorkingDays(dataDomanda, giorni)}', scope), '2026-12-24T22:59:59.000Z');
  assert.is(evaluateExpression('${isWorkingDay("2026-12-07")}', scope), false);
  assert.is(evaluateExpression('${now() < addWorkingDays(dataDomanda, 15)}', scope), true);
  // Milano from Tue 1 Dec: 2, 3, 4, 9 (7 and 8 off) → 4 working days end on 9 Dec, 5 on 10 Dec (today)
  assert.is(evaluateExpression('${today() > addWorkingDays(dataDomanda, 4)}', scope), true, '10 Dec is after the end of 9 Dec');
  assert.is(evaluateExpression('${today() > addWorkingDays(dataDomanda, 5)}', scope), false, 'the end of 10 Dec is still ahead');
  assert.is(evaluateExpression('${workingDaysBetween(dataDomanda, today())}', scope), 5);
  assert.is(evaluateExpression('${addDuration(dataDomanda, "P1M")}', scope), '2027-01-01T22:59:59.000Z');
  for (const name of ['now', 'today', 'addWorkingDays', 'addDays', 'addDuration', 'isWorkingDay', 'workingDaysBetween', 'nextWorkingDay', 'endOfDay']) {
    assert.ok(CALENDAR_FUNCTION_NAMES.includes(name), name);
    assert.ok(ENGINE_FUNCTIONS.has(name), name);
  }
});

test('settings: validation and normalisation', () => {
  assert.ok(calendarSettingsSchema.safeParse({ patronDay: '12-07', saturdayWorking: true, closures: ['2026-08-14'] }).success);
  assert.ok(calendarSettingsSchema.safeParse({}).success);
  assert.ok(calendarSettingsSchema.safeParse({ patronDay: '02-29' }).success);
  for (const bad of [{ patronDay: '02-30' }, { patronDay: '7 dicembre' }, { patronDay: '13-01' }, { closures: ['2026-13-01'] }, { closures: '2026-08-14' }, { saturdayWorking: 'sì' }, { other: 1 }]) {
    assert.not.ok(calendarSettingsSchema.safeParse(bad).success, JSON.stringify(bad));
  }
  assert.equal(normalizeSettings({ closures: ['2026-12-24', 'x', '2026-08-14', '2026-12-24'], saturdayWorking: 'yes', patronDay: '99-99' }), { saturdayWorking: false, closures: ['2026-08-14', '2026-12-24'] });
  assert.equal(normalizeSettings(null), { saturdayWorking: false, closures: [] });
  // 29 February as patron day counts only in leap years
  const leap = createCalendar({ patronDay: '02-29' });
  assert.is(leap.isWorkingDay('2028-02-29'), false);
  assert.is(leap.holidays(2027).some((h) => h.kind === 'patron'), false);
});

test.run();
