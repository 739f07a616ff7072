/** Working-day calendars of the comuni and the date functions expressions use (pure: no database, no HTTP). */
export { WorkingCalendar, createCalendar } from './working-calendar.js';
export { calendarFunctions, addDuration, durationUntil, CALENDAR_FUNCTION_NAMES, type CalendarFunctions } from './functions.js';
export { calendarSettingsSchema, normalizeSettings, isMonthDay, type CalendarSettings, type NormalizedCalendarSettings } from './settings.js';
export { nationalHolidays, SAN_FRANCESCO_FROM, type Holiday } from './holidays.js';
export { TIME_ZONE, romeDay, toDay, endOfRomeDay, isIsoDay } from './dates.js';
