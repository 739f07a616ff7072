/**
 * `npm run worker`: an extra job-executor process (timers, retries) and
 * connector runner (INPS, documents; CONNECTORS=false: none) on the same
 * database as the server; run as many as needed. No HTTP, no seeding.
 */
import { loadConfig } from './config.js';
import { buildServices } from './app-context.js';
import { INPS_TOPIC_NAMES } from './integrations/inps/connectors.js';
import { stopOnSignals } from './shared/shutdown.js';

async function main() {
  const config = loadConfig();
  if (config.clockOffset) console.warn(`\n!!! CLOCK_OFFSET=${config.clockOffset}: orologio spostato !!!\n`);
  if (!config.databaseUrl) {
    console.error('npm run worker richiede PostgreSQL (DATABASE_URL): il database PGlite incorporato è di un solo processo, il server esegue già i job.');
    process.exit(2);
  }
  const services = await buildServices(config);
  services.executor.start();
  // Without INPS_URL the INPS tasks are left to the server (which may run the simulator).
  if (services.config.connectors) services.connectors.start({ exclude: config.inpsUrl ? [] : INPS_TOPIC_NAMES });
  console.log(`Worker avviato (${config.databaseUrl ? 'PostgreSQL' : `PGlite ${config.dataDir}`}), polling ogni ${config.jobPollMs} ms`);
  const stop = async () => {
    await services.executor.stop();
    await services.connectors.stop();
    await services.orm.close().catch(() => undefined);
    process.exit(0);
  };
  stopOnSignals(stop);
}

main().catch((err) => {
  console.error('Worker: avvio fallito:', err);
  process.exit(1);
});
