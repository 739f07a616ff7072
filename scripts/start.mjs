#!/usr/bin/env node
/**
 * `npm start`, `npm run demo`, `npm run worker` in production: runs the
 * compiled JavaScript under dist/ with plain `node` (no TypeScript at run
 * time). The compilation happens once, at `npm install` (postinstall, with
 * `--build-only`), and again here only when a source under src/ or sim/ is
 * newer than the last build. It is a transpilation (esbuild, one output file
 * per source, ~1 s): the type check is `npm run typecheck`, part of `npm test`.
 * Tests and development keep using `tsx`.
 *
 *   node scripts/start.mjs main [--demo]   the server
 *   node scripts/start.mjs worker          the job/connector worker
 *   node scripts/start.mjs --build-only    compile if stale, build the pages' bundles if stale, exit
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp');
const SOURCES = ['src', 'sim'].map((d) => path.join(ROOT, d));
/** Browser islands: bundled by src/web/assets.ts, not run by node. */
const CLIENT = path.join(ROOT, 'src', 'web', 'client');

/** The newest modification time of the sources (and of this script). */
function newestSource() {
  let newest = fs.statSync(fileURLToPath(import.meta.url)).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) if (fs.existsSync(d)) walk(d);
  return newest;
}

function stale() {
  return !fs.existsSync(STAMP) || fs.statSync(STAMP).mtimeMs < newestSource();
}

/** Non-TypeScript files under src/ and sim/ (schemas, JSON) next to the compiled modules that read them. */
function copyResources() {
  const copy = (from, to) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, entry.name);
      const dst = path.join(to, entry.name);
      if (entry.isDirectory()) copy(src, dst);
      else if (!/\.(ts|tsx|mts|cts|js|mjs|map)$/.test(entry.name)) {
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(src, dst);
      }
    }
  };
  for (const d of SOURCES) if (fs.existsSync(d)) copy(d, path.join(DIST, path.basename(d)));
}

function typescriptFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (p !== CLIENT) walk(p);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of SOURCES) if (fs.existsSync(d)) walk(d);
  return out;
}

async function build() {
  const started = Date.now();
  const { build: esbuild } = await import('esbuild');
  fs.rmSync(DIST, { recursive: true, force: true });
  try {
    await esbuild({
      entryPoints: typescriptFiles(),
      outbase: ROOT,
      outdir: DIST,
      bundle: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
  } catch {
    console.error('Compilazione non riuscita: dist/ non aggiornata');
    process.exit(1);
  }
  copyResources();
  fs.writeFileSync(STAMP, new Date().toISOString());
  console.log(`Server compilato in dist/ (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const args = process.argv.slice(2);
if (stale()) await build();
if (args[0] === '--build-only') {
  // The pages' browser bundles too (src/web/assets.ts), so `npm install` leaves nothing to build at start.
  const { ensureAssets } = await import(pathToFileURL(path.join(DIST, 'src', 'web', 'assets.js')).href);
  if (await ensureAssets({ force: args.includes('--force') })) console.log('Bundle delle pagine creati in public/assets/');
  process.exit(0);
}

const entry = args[0] ?? 'main';
if (!/^[a-z-]+$/.test(entry) || !fs.existsSync(path.join(DIST, 'src', `${entry}.js`))) {
  console.error(`Punto di avvio sconosciuto: ${entry} (main, worker)`);
  process.exit(64);
}
// Stack traces point at dist/ (a one-to-one transpile, readable as it is): enabling source maps for the whole
// process makes node read and parse the map of every module it loads, dependencies included, at each start.
// NODE_OPTIONS=--enable-source-maps maps them back to src/ when wanted.
await import(pathToFileURL(path.join(DIST, 'src', `${entry}.js`)).href);
