/**
 * The INPS simulator (sim/inps/) started inside `npm start` for the demo
 * (INPS_SIM=true, the default when INPS_URL is unset and SEED_DEMO=true). It listens on INPS_SIM_PORT (a free port if that one is taken) and
 * posts outcomes back to this server with the `inps` service account, whose
 * password (INPS_CALLBACK_PASSWORD, or the one kept in the database) it gets
 * with the engine's URL once the server listens.
 */
import type { AppConfig } from '../../config.js';

export interface EmbeddedInpsSim {
  url: string;
  delayMs: number;
  /** Tells the simulator where the engine listens (known once the server is up) and the callback account's password. */
  setEngine(url: string, callbackPassword: string): void;
  close(): Promise<void>;
}

export async function startEmbeddedInpsSim(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedInpsSim> {
  // Loaded only when wanted: the simulator is a development tool, not part of the engine.
  const { InpsSim } = await import('../../../sim/inps/server.js');
  const { simConfigFromEnv } = await import('../../../sim/inps/config.js');
  const simConfig = simConfigFromEnv(env);
  const sim = new InpsSim({
    delayMs: simConfig.delayMs,
    rules: simConfig.rules,
    apiKey: config.inpsApiKey,
    callbackUser: config.inpsCallbackUser,
    log: (msg) => console.log(`[inps-sim] ${msg}`),
  });
  let url: string;
  try {
    url = await sim.start(config.inpsSimPort, '127.0.0.1');
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    console.warn(`INPS_SIM_PORT ${config.inpsSimPort} occupata: il simulatore INPS usa una porta libera`);
    url = await sim.start(0, '127.0.0.1');
  }
  return {
    url,
    delayMs: simConfig.delayMs,
    setEngine: (engineUrl, callbackPassword) => sim.setEngine({ url: engineUrl, password: callbackPassword }),
    close: () => sim.close(),
  };
}
