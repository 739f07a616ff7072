/**
 * The project's root directory (the nearest ancestor holding package.json),
 * the same whether the code runs from src/ under tsx or compiled under dist/:
 * templates, public assets and the browser islands' sources are found from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json non trovato sopra ${start}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The application's version (package.json): a new release checks again what a restart may skip. */
export const APP_VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0';
