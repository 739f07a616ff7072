/**
 * `npm start`'s entry (`npm run demo` with --demo): see server.ts for what a start does. With the embedded
 * database, PGlite starts opening first (its WASM build and its recovery), while the server's modules load.
 */
import { loadConfig } from './config.js';
import { openPgliteEarly } from './db/pglite-early.js';

try {
  const config = loadConfig(process.env);
  if (!config.databaseUrl) openPgliteEarly(config.dataDir);
} catch {
  // A configuration error is reported by the start itself, with the others.
}

const { startServer } = await import('./server.js');
startServer().catch((err) => {
  console.error('Avvio fallito:', err);
  process.exit(1);
});
