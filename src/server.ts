/**
 * What `npm start` runs (its entry, src/main.ts, first starts opening the embedded database): opens the database (PGlite under ./data unless DATABASE_URL is
 * set), applies migrations, creates the admin, deploys processes/ and serves
 * the API. `npm run demo` (`--demo`, i.e. SEED_DEMO=true) also seeds the demo
 * comuni, users and weeks of cases into an empty database and runs the INPS
 * simulator in-process. With NODE_ENV=production the server refuses to start
 * on a demo-grade configuration, one line per reason.
 */
import { loadConfig, productionProblems } from './config.js';
import { ensureAssets } from './web/assets.js';
import { buildServices } from './app-context.js';
import { createApp } from './api/app.js';
import { deployProcessesDir, ensureAdmin } from './seed/bootstrap.js';
import { DEMO_PASSWORD, demoUsersWithDemoPassword, isDatabaseEmpty, seedDemo } from './seed/demo.js';
import { seedDemoCases } from './seed/demo-cases.js';
import { ensureInpsCallbackUser, storedCallbackPassword } from './integrations/inps/callback-user.js';
import { startEmbeddedInpsSim, type EmbeddedInpsSim } from './integrations/inps/embedded-sim.js';
import { MovableSystemClock } from './shared/clock.js';
import { SlaCompactor } from './tasks/sla/sla-compactor.js';
import { stopOnSignals } from './shared/shutdown.js';

export async function startServer(): Promise<void> {
  const demo = process.argv.includes('--demo');
  let config = loadConfig(demo ? { ...process.env, SEED_DEMO: process.env.SEED_DEMO ?? 'true' } : process.env);
  refuseIfAny(productionProblems(config));
  let inpsSim: EmbeddedInpsSim | null = null;
  if (config.inpsSim) {
    inpsSim = await startEmbeddedInpsSim(config);
    config = Object.freeze({ ...config, inpsUrl: inpsSim.url });
  }
  if (config.clockOffset) {
    console.warn(`\n!!! CLOCK_OFFSET=${config.clockOffset}: il server lavora con l'orologio spostato di ${config.clockOffsetMs / 86_400_000} giorni !!!\n`);
  }
  console.log(config.databaseUrl ? 'Database: PostgreSQL (DATABASE_URL)' : `Database: PGlite embedded in ${config.dataDir}`);
  if (await ensureAssets()) console.log('Bundle delle pagine ricostruiti (public/assets/)');
  const clock = new MovableSystemClock(config.clockOffsetMs);
  const services = await buildServices(config, { clock });
  if (services.oidc) {
    // Discovery at start: a wrong OIDC_ISSUER stops the server here, with the reason.
    try {
      await services.oidc.discover();
      console.log(`Accesso SPID/CIE: provider OIDC ${services.oidc.settings.issuer}`);
    } catch (err) {
      await services.orm.close().catch(() => undefined);
      await inpsSim?.close();
      console.error(`Avvio fallito: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(78);
    }
  }
  if (config.production) {
    const demoUsers = await demoUsersWithDemoPassword(services);
    if (demoUsers.length) {
      await services.orm.close().catch(() => undefined);
      await inpsSim?.close();
      refuseIfAny([`utenti demo con la password demo nel database (${demoUsers.join(', ')}): disattivarli o cambiarne la password prima di andare in produzione`]);
    }
  }
  const empty = await isDatabaseEmpty(services);
  const admin = await ensureAdmin(services, config.adminPassword);
  const callbackPassword = config.inpsCallbackPassword ?? (inpsSim ? await storedCallbackPassword(services.orm) : null);
  const inpsUser = await ensureInpsCallbackUser(services, { username: config.inpsCallbackUser, password: callbackPassword });
  let demoUsers: string[] = [];
  if (empty && config.seedDemo) demoUsers = (await seedDemo(services)).users;
  const deployed = await deployProcessesDir(services, config.processesDir);
  for (const d of deployed.filter((x) => x.created)) console.log(`Deployed ${d.key} v${d.version} (${d.tenant ?? 'default condiviso'})`);
  for (const d of deployed) if (d.skipped) console.log(d.skipped);
  if (empty && config.seedDemo) {
    console.log('Demo: riproduco otto settimane di lavoro sulle pratiche REI (qualche decina di secondi)…');
    const seeded = await seedDemoCases(services, clock);
    console.log(`Demo: ${seeded.cases} pratiche REI create nelle ultime ${seeded.weeks} settimane (${seeded.tasksCompleted} task completati)`);
  }

  const slaCompactor = new SlaCompactor(services.orm, (err) => console.error('Aggregazione dei tempi SLA non riuscita:', err));
  // The deltas a previous run left are folded once in the background, not before serving: the figures add them anyway.
  slaCompactor.foldNow();
  if (config.jobExecutor) {
    services.executor.start();
    slaCompactor.start();
  }
  if (config.connectors) services.connectors.start();
  const app = createApp(services);
  const server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
    console.log(`\nREI engine in ascolto su http://${shown}:${port}  (API: http://${shown}:${port}/api/v1, health: /health; HOST=${config.host})`);
    if (admin.created) console.log(`Utente admin creato. Password: ${admin.password ?? '(da ADMIN_PASSWORD)'}`);
    if (inpsSim && callbackPassword) inpsSim.setEngine(`http://127.0.0.1:${port}`, callbackPassword);
    if (inpsSim) console.log(`INPS simulato su ${inpsSim.url} (esiti dopo ${inpsSim.delayMs} ms; npm run inps-sim per usarlo a parte)`);
    else console.log(config.inpsUrl ? `INPS: ${config.inpsUrl}` : 'INPS non configurato (INPS_URL): gli invii a INPS apriranno incidenti');
    if (inpsUser.generatedPassword) console.log(`Utenza di servizio INPS per gli esiti: ${inpsUser.username} / ${inpsUser.generatedPassword}`);
    else if (inpsSim && !config.inpsCallbackPassword) console.log(`Utenza di servizio INPS per gli esiti: ${inpsUser.username} / ${callbackPassword}`);
    if (services.waas.auth) console.log(`API WaaS SIUSS su /waas/{belfiore}/v1 (voucher PDND: emittente ${config.waasIssuer}, audience ${config.waasAudience})`);
    else console.warn(`${services.waas.reason}: gli endpoint /waas/{belfiore}/v1 rispondono 503`);
    if (demoUsers.length) console.log(`Utenti demo (password "${DEMO_PASSWORD}"): ${demoUsers.join(', ')}`);
  });
  const shutdown = async () => {
    server.close();
    await services.executor.stop();
    await slaCompactor.stop();
    await services.connectors.stop();
    await inpsSim?.close();
    await services.orm.close().catch(() => undefined);
    process.exit(0);
  };
  stopOnSignals(shutdown);
}

/** NODE_ENV=production and a demo-grade setting: one line per reason on stderr, exit code 78 (configuration error). */
function refuseIfAny(problems: string[]): void {
  if (!problems.length) return;
  for (const p of problems) console.error(`Avvio rifiutato (NODE_ENV=production): ${p}`);
  process.exit(78);
}
