/**
 * `npm start`: opens the database (PGlite under ./data unless DATABASE_URL is
 * set), applies migrations, creates the admin, deploys processes/, seeds the
 * demo on an empty database and serves the API.
 */
import { loadConfig } from './config.js';
import { buildServices } from './app-context.js';
import { createApp } from './api/app.js';
import { deployProcessesDir, ensureAdmin } from './seed/bootstrap.js';
import { DEMO_PASSWORD, isDatabaseEmpty, seedDemo, seedDemoCases } from './seed/demo.js';
import { ensureInpsCallbackUser } from './integrations/inps/callback-user.js';
import { startEmbeddedInpsSim, type EmbeddedInpsSim } from './integrations/inps/embedded-sim.js';

async function main() {
  let config = loadConfig();
  let inpsSim: EmbeddedInpsSim | null = null;
  if (config.inpsSim) {
    inpsSim = await startEmbeddedInpsSim(config);
    config = Object.freeze({ ...config, inpsUrl: inpsSim.url });
  }
  if (config.clockOffset) {
    console.warn(`\n!!! CLOCK_OFFSET=${config.clockOffset}: il server lavora con l'orologio spostato di ${config.clockOffsetMs / 86_400_000} giorni !!!\n`);
  }
  console.log(config.databaseUrl ? 'Database: PostgreSQL (DATABASE_URL)' : `Database: PGlite embedded in ${config.dataDir}`);
  const services = await buildServices(config);
  const empty = await isDatabaseEmpty(services);
  const admin = await ensureAdmin(services, config.adminPassword);
  const inpsUser = await ensureInpsCallbackUser(services, { username: config.inpsCallbackUser, password: inpsSim?.callbackPassword ?? config.inpsCallbackPassword });
  let demoUsers: string[] = [];
  if (empty && config.seedDemo) demoUsers = (await seedDemo(services)).users;
  const deployed = await deployProcessesDir(services, config.processesDir);
  for (const d of deployed.filter((x) => x.created)) console.log(`Deployed ${d.key} v${d.version} (${d.tenant ?? 'default condiviso'})`);
  for (const d of deployed) if (d.skipped) console.log(d.skipped);
  if (empty && config.seedDemo) console.log(`Demo: ${await seedDemoCases(services)} pratiche REI create`);

  if (config.jobExecutor) services.executor.start();
  if (config.connectors) services.connectors.start();
  const app = createApp(services);
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`\nREI engine in ascolto su http://localhost:${port}  (API: http://localhost:${port}/api/v1, health: /health)`);
    if (admin.created) console.log(`Utente admin creato. Password: ${admin.password ?? '(da ADMIN_PASSWORD)'}`);
    inpsSim?.setEngineUrl(`http://127.0.0.1:${port}`);
    if (inpsSim) console.log(`INPS simulato su ${inpsSim.url} (esiti dopo ${inpsSim.delayMs} ms; npm run inps-sim per usarlo a parte)`);
    else console.log(config.inpsUrl ? `INPS: ${config.inpsUrl}` : 'INPS non configurato (INPS_URL): gli invii a INPS apriranno incidenti');
    if (inpsUser.generatedPassword) console.log(`Utenza di servizio INPS per gli esiti: ${inpsUser.username} / ${inpsUser.generatedPassword}`);
    else if (inpsSim && !config.inpsCallbackPassword) console.log(`Utenza di servizio INPS per gli esiti: ${inpsUser.username} / ${inpsSim.callbackPassword}`);
    if (demoUsers.length) console.log(`Utenti demo (password "${DEMO_PASSWORD}"): ${demoUsers.join(', ')}`);
  });
  const shutdown = async () => {
    server.close();
    await services.executor.stop();
    await services.connectors.stop();
    await inpsSim?.close();
    await services.orm.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error('Avvio fallito:', err);
  process.exit(1);
});
