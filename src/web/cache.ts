/**
 * Short-lived memo for what every page reads and what changes rarely (the
 * comuni with their calendars, the deployed processes' steps): a page view
 * should not re-read them each time. Entries live `ttlMs` on the injected
 * clock; a change shows up on the pages within that time.
 */
import type { Clock } from '../shared/clock.js';
import { Tenant } from '../db/entities/index.js';
import { createCalendar, normalizeSettings, type WorkingCalendar } from '../engine/calendar/index.js';
import type { Services } from '../api/context.js';

export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}


export interface Comuni {
  /** By name. */
  list: Array<{ code: string; name: string }>;
  calendars: Map<string, WorkingCalendar>;
}

const COMUNI_TTL_MS = 30_000;
const comuniCaches = new WeakMap<Services, TtlCache<Comuni>>();

/** The comuni (for the header and the comune switch) and their working calendars, re-read at most every 30 s. */
export function comuniOf(services: Services): Promise<Comuni> {
  let cache = comuniCaches.get(services);
  if (!cache) comuniCaches.set(services, (cache = new TtlCache<Comuni>(services.clock, COMUNI_TTL_MS, 1)));
  return cache.get('all', async () => {
    const tenants = await services.orm.em.fork().find(Tenant, {}, { orderBy: { name: 'asc' } });
    return { list: tenants.map((t) => ({ code: t.code, name: t.name })), calendars: new Map(tenants.map((t) => [t.code, createCalendar(normalizeSettings(t.calendar))])) };
  });
}
