/**
 * Reads and validates the environment once at boot and hands a typed,
 * immutable configuration to everything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { signingKeyFile } from './auth/signing-keys.js';
import { parseIsoDuration } from './shared/clock.js';

export interface AppConfig {
  port: number;
  /** Listen address (HOST, default 127.0.0.1: only this machine; 0.0.0.0 to serve the network). */
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  adminPassword: string | null;
  /** Seed the demo comuni, users and cases into an empty database (SEED_DEMO=true, set by `npm run demo`). */
  seedDemo: boolean;
  clockOffsetMs: number;
  clockOffset: string | null;
  processesDir: string;
  formsDir: string;
  /** Handlebars document templates (templates/<BELFIORE>/ overrides per comune). */
  templatesDir: string;
  production: boolean;
  maxUploadBytes: number;
  /** Run the job executor inside the server (JOB_EXECUTOR=false leaves it to `npm run worker`). */
  jobExecutor: boolean;
  jobPollMs: number;
  /** Lease renewal for jobs leased through JobQueue.acquire (JOB_LEASE_MS, default 30000); the executor itself row-locks its jobs, taking no lease. */
  jobLeaseMs: number;
  /** Jobs one process runs at the same time (JOB_CONCURRENCY, default 1; PGlite always 1). */
  jobConcurrency: number;
  /** Memory for live engines kept between a case's commands, in bytes (ENGINE_CACHE_MB, default 128; 0 turns the cache off). */
  engineCacheBytes: number;
  /** Run the connector runner (external tasks of registered topics: INPS, documents) in the server and in `npm run worker` (CONNECTORS=false: neither). */
  connectors: boolean;
  connectorPollMs: number;
  /** INPS exchange: base URL of the INPS service (null: not configured, unless the simulator runs), optional API key, per-request timeout. */
  inpsUrl: string | null;
  inpsApiKey: string | null;
  inpsTimeoutMs: number;
  /** Start the INPS simulator inside `npm start` (default: when INPS_URL is unset and SEED_DEMO is not false). */
  inpsSim: boolean;
  inpsSimPort: number;
  /** The service account INPS posts outcomes with (role `inps`); password generated and printed when unset. */
  inpsCallbackUser: string;
  inpsCallbackPassword: string | null;
  /** JWT signing key, Ed25519 private key in PEM (JWT_PRIVATE_KEY); null: the key file <dataDir>/keys/jwt-ed25519.pem. */
  jwtPrivateKey: string | null;
  /** Earlier JWT keys still accepted after a rotation, public keys in PEM (JWT_PREVIOUS_PUBLIC_KEYS). */
  jwtPreviousPublicKeys: string | null;
  /** Behind a reverse proxy that terminates TLS (TRUST_PROXY=true): client address and scheme from X-Forwarded-*. */
  trustProxy: boolean;
  /** Browser sessions end after this many minutes without a request (WEB_SESSION_IDLE_MINUTES, default 30). */
  webSessionIdleMinutes: number;
  /** Sign-in with SPID/CIE through an OpenID Connect provider (OIDC_*); null: passwords only. */
  oidc: OidcSettings | null;
  /** WaaS pull API that INPS calls (PDND voucher check): JWKS file, issuer and audience (`{belfiore}` for one per comune); any unset → 503. */
  waasJwksFile: string | null;
  waasIssuer: string | null;
  waasAudience: string | null;
  /** Largest SIUSS import file (SIUSS_IMPORT_MAX_MB, default 200). */
  siussImportMaxBytes: number;
  /** Imports up to this size answer with their report; larger ones 202 and progress (SIUSS_IMPORT_SYNC_KB, default 1024). */
  siussImportSyncBytes: number;
}

/** OpenID Connect settings (src/auth/oidc.ts; README "Sign-in with SPID/CIE (OIDC)"). */
export interface OidcSettings {
  /** OIDC_ISSUER: the provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration). */
  issuer: string;
  /** OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (none: a public client, PKCE only). */
  clientId: string;
  clientSecret: string | null;
  /** OIDC_REDIRECT_URI: this server's callback as registered at the provider, e.g. https://rei.comune.example.it/accesso/oidc/callback. */
  redirectUri: string;
  /** OIDC_FISCAL_CLAIM (default fiscal_number): the claim carrying the codice fiscale (SPID's `TINIT-` prefix accepted). */
  fiscalClaim: string;
  /** OIDC_SCOPES (default "openid profile"). */
  scopes: string;
  /** OIDC_API_AUDIENCES: client ids whose ID tokens POST /api/v1/auth/oidc/token accepts (default: OIDC_CLIENT_ID). */
  apiAudiences: string[];
  /** OIDC_BUTTON_LABEL (default "Entra con SPID / CIE"): the sign-in page's button. */
  buttonLabel: string;
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
  const seedDemo = /^(true|1|yes)$/i.test(env.SEED_DEMO ?? 'false');
  const inpsUrl = env.INPS_URL?.trim() || null;
  const inpsSimPort = env.INPS_SIM_PORT ? Number(env.INPS_SIM_PORT) : 3100;
  if (!Number.isInteger(inpsSimPort) || inpsSimPort < 0 || inpsSimPort > 65535) throw new Error(`INPS_SIM_PORT non valido: ${env.INPS_SIM_PORT}`);
  return Object.freeze({
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl: env.DATABASE_URL?.trim() || null,
    dataDir: path.resolve(env.DATA_DIR || path.join(root, 'data')),
    adminPassword: env.ADMIN_PASSWORD || null,
    seedDemo,
    clockOffsetMs,
    clockOffset,
    processesDir: path.resolve(env.PROCESSES_DIR || path.join(root, 'processes')),
    formsDir: path.resolve(env.FORMS_DIR || path.join(root, 'forms')),
    templatesDir: path.resolve(env.TEMPLATES_DIR || path.join(root, 'templates')),
    production: env.NODE_ENV === 'production',
    maxUploadBytes: Number(env.MAX_UPLOAD_BYTES || 5 * 1024 * 1024),
    jobExecutor: !/^(false|0|no)$/i.test(env.JOB_EXECUTOR ?? 'true'),
    jobPollMs: Number(env.JOB_POLL_MS || 1000),
    jobLeaseMs: intSetting('JOB_LEASE_MS', env.JOB_LEASE_MS, 30_000, 1000),
    jobConcurrency: intSetting('JOB_CONCURRENCY', env.JOB_CONCURRENCY, 1, 1),
    engineCacheBytes: intSetting('ENGINE_CACHE_MB', env.ENGINE_CACHE_MB, 128, 0) * 1024 * 1024,
    connectors: !/^(false|0|no)$/i.test(env.CONNECTORS ?? 'true'),
    connectorPollMs: Number(env.CONNECTOR_POLL_MS || 1000),
    inpsUrl,
    inpsApiKey: env.INPS_API_KEY || null,
    inpsTimeoutMs: Number(env.INPS_TIMEOUT_MS || 10_000),
    inpsSim: env.INPS_SIM ? /^(true|1|yes)$/i.test(env.INPS_SIM) : !inpsUrl && seedDemo,
    inpsSimPort,
    inpsCallbackUser: env.INPS_CALLBACK_USER?.trim() || 'inps',
    inpsCallbackPassword: env.INPS_CALLBACK_PASSWORD || null,
    jwtPrivateKey: env.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n') || null,
    jwtPreviousPublicKeys: env.JWT_PREVIOUS_PUBLIC_KEYS?.replace(/\\n/g, '\n') || null,
    trustProxy: /^(true|1|yes)$/i.test(env.TRUST_PROXY ?? 'false'),
    webSessionIdleMinutes: intSetting('WEB_SESSION_IDLE_MINUTES', env.WEB_SESSION_IDLE_MINUTES, 30, 1),
    oidc: oidcSettings(env),
    waasJwksFile: env.WAAS_JWKS_FILE?.trim() ? path.resolve(env.WAAS_JWKS_FILE.trim()) : null,
    waasIssuer: env.WAAS_ISSUER?.trim() || null,
    waasAudience: env.WAAS_AUDIENCE?.trim() || null,
    siussImportMaxBytes: intSetting('SIUSS_IMPORT_MAX_MB', env.SIUSS_IMPORT_MAX_MB, 200, 1) * 1024 * 1024,
    siussImportSyncBytes: intSetting('SIUSS_IMPORT_SYNC_KB', env.SIUSS_IMPORT_SYNC_KB, 1024, 0) * 1024,
  });
}

/**
 * OIDC_* settings: all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URI,
 * or none (passwords only). Plain http is accepted for a provider on this
 * machine only (development, tests).
 */
export function oidcSettings(env: NodeJS.ProcessEnv): OidcSettings | null {
  const get = (name: string) => env[name]?.trim() || null;
  const issuer = get('OIDC_ISSUER');
  const clientId = get('OIDC_CLIENT_ID');
  const redirectUri = get('OIDC_REDIRECT_URI');
  const anySet = Object.keys(env).some((k) => k.startsWith('OIDC_') && env[k]?.trim());
  if (!anySet) return null;
  const missing = [['OIDC_ISSUER', issuer], ['OIDC_CLIENT_ID', clientId], ['OIDC_REDIRECT_URI', redirectUri]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length || !issuer || !clientId || !redirectUri) throw new Error(`Accesso OIDC (SPID/CIE) configurato a metà: mancano ${missing.join(', ')} (impostarle tutte, o nessuna variabile OIDC_* per usare solo le password)`);
  for (const [name, value] of [['OIDC_ISSUER', issuer], ['OIDC_REDIRECT_URI', redirectUri]] as const) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name} non è un URL: ${value}`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) throw new Error(`${name} deve essere https (http solo su questa macchina, per sviluppo): ${value}`);
  }
  const redirectPath = new URL(redirectUri).pathname;
  if (/^\/(api|engine-rest|health)(\/|$)/.test(redirectPath) || redirectPath === '/accesso') throw new Error(`OIDC_REDIRECT_URI: il percorso ${redirectPath} è già usato dal server (suggerito: /accesso/oidc/callback)`);
  const fiscalClaim = get('OIDC_FISCAL_CLAIM') ?? 'fiscal_number';
  const scopes = get('OIDC_SCOPES') ?? 'openid profile';
  if (!scopes.split(/\s+/).includes('openid')) throw new Error(`OIDC_SCOPES deve contenere openid: ${scopes}`);
  const apiAudiences = (get('OIDC_API_AUDIENCES') ?? clientId).split(/[\s,]+/).filter(Boolean);
  return Object.freeze({ issuer, clientId, clientSecret: env.OIDC_CLIENT_SECRET || null, redirectUri, fiscalClaim, scopes, apiAudiences, buttonLabel: get('OIDC_BUTTON_LABEL') ?? 'Entra con SPID / CIE' });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}


/**
 * Why this configuration must not run in production (NODE_ENV=production), one
 * line each; empty when it may. Demo users already in the database are checked
 * at start-up too (src/seed/production.ts).
 */
export function productionProblems(config: AppConfig): string[] {
  if (!config.production) return [];
  const out: string[] = [];
  if (config.seedDemo) out.push('SEED_DEMO=true: gli utenti demo (password nota a tutti) non sono ammessi in produzione');
  if (!config.jwtPrivateKey && !fs.existsSync(signingKeyFile(config.dataDir))) {
    out.push(`JWT_PRIVATE_KEY non impostata e nessuna chiave in ${signingKeyFile(config.dataDir)}: in produzione la chiave di firma dei token non può essere generata dal server (crearla con \`openssl genpkey -algorithm ed25519 -out ${signingKeyFile(config.dataDir)} && chmod 600 ${signingKeyFile(config.dataDir)}\` o impostare JWT_PRIVATE_KEY)`);
  }
  if (!config.trustProxy) out.push('TRUST_PROXY non impostato: il server parla HTTP in chiaro e in produzione deve stare dietro un reverse proxy HTTPS (impostare TRUST_PROXY=true)');
  if (config.oidc && config.oidc.issuer.startsWith('http:')) out.push(`OIDC_ISSUER in http (${config.oidc.issuer}): in produzione il provider SPID/CIE va raggiunto in https`);
  if (config.oidc && config.oidc.redirectUri.startsWith('http:')) out.push(`OIDC_REDIRECT_URI in http (${config.oidc.redirectUri}): in produzione serve https`);
  if (config.inpsSim) out.push('INPS_SIM attivo: il simulatore INPS integrato non è ammesso in produzione (impostare INPS_URL e INPS_SIM=false)');
  return out;
}


/** An integer setting of at least `min` (the default when unset). */
function intSetting(name: string, raw: string | undefined, fallback: number, min: number): number {
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} non valido (atteso un intero ${min > 0 ? 'positivo' : 'non negativo'}): ${raw}`);
  return n;
}
