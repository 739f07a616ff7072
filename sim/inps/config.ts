/**
 * The simulator's settings from the environment:
 *   INPS_SIM_PORT (3100), ENGINE_URL (where outcomes are posted, e.g. http://localhost:3000),
 *   INPS_CALLBACK_USER / INPS_CALLBACK_PASSWORD (the engine's `inps` service account),
 *   INPS_SIM_DELAY_MS (real ms before an outcome is posted, default 10000),
 *   INPS_SIM_RULES (a JSON file path or inline JSON: {iseeMax, isreMax, codiciFiscaliNegativi}),
 *   INPS_SIM_API_KEY (when set, requests must carry `Authorization: Bearer <key>`).
 */
import fs from 'node:fs';
import { DEFAULT_RULES, mergeRules, type SimRules } from './rules.js';

export interface SimConfig {
  port: number;
  engineUrl: string | null;
  callbackUser: string;
  callbackPassword: string | null;
  delayMs: number;
  rules: SimRules;
  apiKey: string | null;
}

export function simConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SimConfig {
  const port = env.INPS_SIM_PORT ? Number(env.INPS_SIM_PORT) : 3100;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`INPS_SIM_PORT non valido: ${env.INPS_SIM_PORT}`);
  const delayMs = env.INPS_SIM_DELAY_MS ? Number(env.INPS_SIM_DELAY_MS) : 10_000;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`INPS_SIM_DELAY_MS non valido: ${env.INPS_SIM_DELAY_MS}`);
  return {
    port,
    engineUrl: env.ENGINE_URL?.trim() || null,
    callbackUser: env.INPS_CALLBACK_USER?.trim() || 'inps',
    callbackPassword: env.INPS_CALLBACK_PASSWORD || null,
    delayMs,
    rules: rulesFrom(env.INPS_SIM_RULES),
    apiKey: env.INPS_SIM_API_KEY || null,
  };
}

function rulesFrom(value: string | undefined): SimRules {
  const text = value?.trim();
  if (!text) return DEFAULT_RULES;
  const json = text.startsWith('{') ? text : fs.readFileSync(text, 'utf8');
  try {
    return mergeRules(DEFAULT_RULES, JSON.parse(json));
  } catch (err) {
    throw new Error(`INPS_SIM_RULES non valido: ${(err as Error).message}`);
  }
}
