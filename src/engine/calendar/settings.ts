/**
 * A comune's calendar settings, as stored in `Tenant.calendar` (jsonb):
 * patron saint's day, whether Saturday is a working day (default: no) and
 * extra closures of the offices.
 */
import { z } from 'zod';
import { isIsoDay } from './dates.js';

export type CalendarSettings = {
  /** Patron saint's day, "MM-DD" (Milano: "12-07", Sant'Ambrogio). */
  patronDay?: string;
  /** Name shown for the patron day in holiday lists (default "Santo patrono"). */
  patronName?: string;
  /** Saturday counts as a working day (default false). */
  saturdayWorking?: boolean;
  /** Extra non-working days, ISO dates "YYYY-MM-DD". */
  closures?: string[];
};

/** Settings as used: defaults filled in. */
export type NormalizedCalendarSettings = CalendarSettings & { saturdayWorking: boolean; closures: string[] };

/** "MM-DD" naming a day that exists in a leap year (02-29 counts only in leap years). */
export function isMonthDay(value: unknown): value is string {
  return typeof value === 'string' && /^\d{2}-\d{2}$/.test(value) && isIsoDay(`2024-${value}`);
}

export const calendarSettingsSchema = z
  .object({
    patronDay: z.string().refine(isMonthDay, 'giorno del patrono atteso nel formato MM-GG con una data esistente (es. "12-07")').nullish(),
    patronName: z.string().trim().min(1).max(100).nullish(),
    saturdayWorking: z.boolean().nullish(),
    closures: z.array(z.string().refine(isIsoDay, 'data ISO attesa (AAAA-MM-GG), es. "2026-08-14"')).max(400).nullish(),
  })
  .strict();

/** Settings with defaults filled in, closures sorted and deduplicated; invalid stored values are dropped. */
export function normalizeSettings(raw: unknown): NormalizedCalendarSettings {
  const r = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  return {
    ...(isMonthDay(r.patronDay) ? { patronDay: r.patronDay } : {}),
    ...(typeof r.patronName === 'string' && r.patronName.trim() ? { patronName: r.patronName.trim() } : {}),
    saturdayWorking: r.saturdayWorking === true,
    closures: Array.isArray(r.closures) ? [...new Set(r.closures.filter(isIsoDay))].sort() : [],
  };
}
