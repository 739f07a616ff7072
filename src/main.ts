/**
 * `npm start`'s entry (`npm run demo` with --demo): see server.ts for what a start does. With the embedded
 * database, PGlite starts opening first (its WASM build and its recovery), while the server's modules load.
 */
import { loadConfig, productionProblems } from './config.js';
import { DataDirInUseError, openPgliteEarly } from './db/pglite-early.js';

try {
  const config = loadConfig(process.env);
  // Not for a start the server will refuse (NODE_ENV=production with a demo-grade setting): it opens no database.
  if (!config.databaseUrl && productionProblems(config).length === 0) openPgliteEarly(config.dataDir);
} catch {
  // A configuration error is reported by the start itself, with the others.
}

const { startServer } = await import('./server.js');
startServer().catch((err) => {
  console.error('Avvio fallito:', err instanceof DataDirInUseError ? err.message : err);
  process.exit(1);
});
