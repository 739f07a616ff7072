/**
 * Reads and validates the environment once at boot and hands a typed,
 * immutable configuration to everything else.
 */
import path from 'node:path';
import { parseIsoDuration } from './shared/clock.js';

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  adminPassword: string | null;
  seedDemo: boolean;
  clockOffsetMs: number;
  clockOffset: string | null;
  processesDir: string;
  formsDir: string;
  production: boolean;
  maxUploadBytes: number;
  /** Run the job executor inside the server (JOB_EXECUTOR=false leaves it to `npm run worker`). */
  jobExecutor: boolean;
  jobPollMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT non valido: ${env.PORT}`);
  const clockOffset = env.CLOCK_OFFSET?.trim() || null;
  let clockOffsetMs = 0;
  if (clockOffset) {
    try {
      clockOffsetMs = parseIsoDuration(clockOffset);
    } catch {
      throw new Error(`CLOCK_OFFSET non valido (atteso ISO-8601, es. P31D): ${clockOffset}`);
    }
  }
  const root = process.cwd();
  return Object.freeze({
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL?.trim() || null,
    dataDir: path.resolve(env.DATA_DIR || path.join(root, 'data')),
    adminPassword: env.ADMIN_PASSWORD || null,
    seedDemo: !/^(false|0|no)$/i.test(env.SEED_DEMO ?? 'true'),
    clockOffsetMs,
    clockOffset,
    processesDir: path.resolve(env.PROCESSES_DIR || path.join(root, 'processes')),
    formsDir: path.resolve(env.FORMS_DIR || path.join(root, 'forms')),
    production: env.NODE_ENV === 'production',
    maxUploadBytes: Number(env.MAX_UPLOAD_BYTES || 5 * 1024 * 1024),
    jobExecutor: !/^(false|0|no)$/i.test(env.JOB_EXECUTOR ?? 'true'),
    jobPollMs: Number(env.JOB_POLL_MS || 1000),
  });
}
