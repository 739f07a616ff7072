/**
 * The client-side islands of the pages (form-js viewer), bundled with esbuild
 * into public/assets/ (gitignored). Built by `npm install` (postinstall) and
 * again by `npm start` and the browser tests when a source is newer than the
 * bundle: no separate build command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../shared/project-root.js';

export const ASSETS_DIR = path.join(PROJECT_ROOT, 'public/assets');
const CLIENT_DIR = path.join(PROJECT_ROOT, 'src/web/client');
const ENTRIES = [
  'task-form.ts',
  'case-diagram.ts',
  'application-form.ts',
  'heatmap.ts',
  'model-viewer.ts',
  'model-editor.ts',
  'model-migration.ts',
  'decision-table.ts',
  'form-editor.ts',
];

/** Builds the bundles when missing or older than their sources (or always, with force); returns whether it built. */
export async function ensureAssets(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !stale()) return false;
  const { build } = await import('esbuild');
  fs.mkdirSync(ASSETS_DIR, { recursive: true });
  await build({
    entryPoints: ENTRIES.map((e) => path.join(CLIENT_DIR, e)),
    outdir: ASSETS_DIR,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    sourcemap: false,
    logLevel: 'warning',
    // The bpmn font's fallback formats (the embedded CSS carries the woff inline) are copied beside the bundles.
    loader: { '.css': 'css', '.eot': 'file', '.svg': 'file', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: '[name]-[hash]',
  });
  return true;
}

function stale(): boolean {
  const outputs = ENTRIES.map((e) => path.join(ASSETS_DIR, e.replace(/\.ts$/, '.js')));
  let oldest = Infinity;
  for (const o of outputs) {
    if (!fs.existsSync(o)) return true;
    oldest = Math.min(oldest, fs.statSync(o).mtimeMs);
  }
  const lock = path.join(PROJECT_ROOT, 'package-lock.json');
  const inputs = [...fs.readdirSync(CLIENT_DIR).map((f) => path.join(CLIENT_DIR, f)), ...(fs.existsSync(lock) ? [lock] : [])];
  return inputs.some((f) => fs.statSync(f).mtimeMs > oldest);
}
