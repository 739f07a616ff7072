/**
 * The embedded database's directory: where its cluster is, the lock that
 * keeps a second process out of it (two PGlite instances writing one cluster
 * corrupt it), and its opening started before the rest of the server loads
 * (src/main.ts): PGlite's WASM build and start take about a second, which
 * then overlaps the loading of the server's modules. openDatabase takes the
 * instance opened early for the same directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/** The PGlite cluster of a data directory: DATA_DIR/pglite (or the directory itself when it already is a cluster). */
export function pgliteDir(dataDir: string): string {
  if (dataDir.startsWith('memory://') || fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return dataDir;
  return path.join(dataDir, 'pglite');
}

/** The cluster directories this process holds the lock of. */
const held = new Set<string>();

const lockFile = (dir: string) => path.join(path.dirname(dir), `${path.basename(dir)}.lock`);

/**
 * Takes the cluster's lock (`<cluster>.lock` beside it, holding this process's id), or throws when another
 * living process holds it. A lock left by a process that no longer runs (killed, crashed) is taken over: a
 * restart after `kill -9` is not refused. Idempotent within a process.
 */
export function lockPgliteDir(dir: string): void {
  if (dir.startsWith('memory://') || held.has(dir)) return;
  const file = lockFile(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      held.add(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
      throw new DataDirInUseError(dir, owner);
    }
    fs.rmSync(file, { force: true });
  }
  throw new DataDirInUseError(dir, null);
}

/** Gives the lock back (at close). */
export function unlockPgliteDir(dir: string): void {
  if (!held.delete(dir)) return;
  const file = lockFile(dir);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
}

export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(dir: string, pid: number | null) {
    super(`La cartella dei dati ${dir} è già in uso${pid ? ` dal processo ${pid}` : ''}: un solo server alla volta può usare il database incorporato (fermare l'altro, o usare DATA_DIR diversi o PostgreSQL con DATABASE_URL)`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let early: { dir: string; pglite: Promise<PGlite> } | null = null;

/** Starts opening the cluster of `dataDir` (the directory is created if missing); a failure surfaces when it is taken. */
export function openPgliteEarly(dataDir: string): void {
  const dir = pgliteDir(dataDir);
  if (dir.startsWith('memory://')) return;
  lockPgliteDir(dir);
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
