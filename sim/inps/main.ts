/**
 * `npm run inps-sim`: the simulated INPS as its own process (see server.ts for
 * the endpoints and config.ts for the environment variables).
 */
import { simConfigFromEnv } from './config.js';
import { InpsSim } from './server.js';

async function main() {
  const config = simConfigFromEnv();
  const sim = new InpsSim({ ...config, log: (msg) => console.log(`[inps-sim] ${msg}`) });
  const url = await sim.start(config.port, process.env.HOST || '0.0.0.0');
  console.log(`INPS simulato in ascolto su ${url.replace('127.0.0.1', 'localhost')} (esiti dopo ${config.delayMs} ms verso ${config.engineUrl ?? 'ENGINE_URL non impostato'})`);
  if (!config.callbackPassword) console.warn('INPS_CALLBACK_PASSWORD non impostata: il motore rifiuterà gli esiti');
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  const onSignal = () => void stop().catch((err: unknown) => {
    console.error('Simulatore INPS: arresto non riuscito:', err);
    process.exit(1);
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((err) => {
  console.error('Simulatore INPS: avvio fallito:', err);
  process.exit(1);
});
