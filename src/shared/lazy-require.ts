/**
 * A CommonJS package loaded on its first use instead of at start-up. `require`
 * is synchronous, so the caller stays synchronous: the first call pays the
 * load (tens of milliseconds for a large package), the next ones nothing.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

export function lazyRequire<T>(name: string): () => T {
  let loaded: { module: T } | null = null;
  return () => (loaded ??= { module: requireHere(name) as T }).module;
}
