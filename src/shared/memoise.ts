/**
 * Memoises a pure string function with a bounded cache: work repeated on the
 * same few values (an import's dates, names, header names) is done once per
 * value; the cache is emptied when it holds `max` entries.
 */
export function memoised<T>(fn: (value: string) => T, max = 20_000): (value: string) => T {
  const cache = new Map<string, T>();
  return (value) => {
    if (cache.has(value)) return cache.get(value) as T;
    const result = fn(value);
    if (cache.size >= max) cache.clear();
    cache.set(value, result);
    return result;
  };
}
