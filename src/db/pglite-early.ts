/**
 * The embedded database's directory, and its opening started before the
 * rest of the server loads (src/main.ts): PGlite's WASM build and start take
 * about a second, which then overlaps the loading of the server's modules.
 * openDatabase takes the instance opened early for the same directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/** The PGlite cluster of a data directory: DATA_DIR/pglite (or the directory itself when it already is a cluster). */
export function pgliteDir(dataDir: string): string {
  if (dataDir.startsWith('memory://') || fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return dataDir;
  return path.join(dataDir, 'pglite');
}

let early: { dir: string; pglite: Promise<PGlite> } | null = null;

/** Starts opening the cluster of `dataDir` (the directory is created if missing); a failure surfaces when it is taken. */
export function openPgliteEarly(dataDir: string): void {
  const dir = pgliteDir(dataDir);
  if (dir.startsWith('memory://')) return;
  fs.mkdirSync(dir, { recursive: true });
  const pglite = import('@electric-sql/pglite').then(({ PGlite }) => new PGlite(dir));
  pglite.catch(() => undefined);
  early = { dir, pglite };
}

/** The instance opened early for `dir`, once (null when none was). */
export function takeEarlyPglite(dir: string): Promise<PGlite> | null {
  if (!early || early.dir !== dir) return null;
  const { pglite } = early;
  early = null;
  return pglite;
}
