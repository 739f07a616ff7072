/**
 * Composition root: opens the database and wires the services every entry
 * point (server, worker, tests, bench) uses. The clock is injected here.
 */
import { EngineCache } from './engine/execution/engine-cache.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { JobExecutor } from './engine/jobs/executor.js';
import { SqlJobQueue } from './db/job-queue.js';
import { notifyExternalTasks } from './tasks/external/wakeup.js';
import type { AppConfig } from './config.js';
import { systemClock, type Clock } from './shared/clock.js';
import { openDatabase, type Orm } from './db/orm.js';
import { OrmEngineStore } from './db/engine-store.js';
import { TokenService } from './auth/tokens.js';
import { loadSigningKeys } from './auth/signing-keys.js';
import { ProcessService } from './engine/process-service.js';
import { DeploymentService } from './services/deployment.service.js';
import { InboxService } from './tasks/inbox.service.js';
import { defaultHandlers } from './tasks/handlers/index.js';
import type { HandlerRegistry } from './engine/execution/handlers.js';
import { ParameterCatalog } from './tailoring/parameters/catalog.js';
import { ParameterService } from './tailoring/parameters/parameter.service.js';
import { verifyParameterFiles } from './tailoring/parameters/verify-files.js';
import { DecisionService } from './decisions/decision.service.js';
import { ApplicationService } from './applications/application.service.js';
import { FormCatalog } from './tailoring/forms/catalog.js';
import { FormService } from './tailoring/forms/form.service.js';
import { DocumentService, TemplateCatalog, documentConnectors } from './documents/index.js';
import { SessionService } from './web/session.service.js';
import { calendarFunctions, createCalendar, normalizeSettings, type WorkingCalendar } from './engine/calendar/index.js';
import { ExternalTaskService } from './tasks/external/external-task.service.js';
import { ConnectorRunner } from './integrations/connector-runner.js';
import { ConnectorRegistry } from './integrations/registry.js';
import type { Connector } from './integrations/connector.js';
import { HttpInpsGateway } from './integrations/inps/http-gateway.js';
import { UnconfiguredInpsGateway, type InpsGateway } from './integrations/inps/gateway.js';
import { inpsConnectors } from './integrations/inps/connectors.js';
import type { EngineStore } from './engine/store.js';
import { AuditService } from './audit/audit.service.js';
import { OidcSignIn } from './auth/oidc.js';
import { ImportService } from './siuss/import/import.service.js';
import { registerSink } from './siuss/import/register-sink.js';
import { WaasAuth } from './siuss/waas/auth.js';
import type { WaasFlowSource } from './siuss/waas/flows.js';
import { registerFlowSource } from './siuss/waas/register-source.js';
import { createSiussService, type SiussService } from './siuss/index.js';

/** The services every entry point and route handler reaches, built once by buildServices. */
export interface Services {
  config: AppConfig;
  executor: JobExecutor;
  orm: Orm;
  clock: Clock;
  tokens: TokenService;
  store: EngineStore;
  processes: ProcessService;
  /** Live engines kept between a case's commands (null: ENGINE_CACHE_MB=0). */
  engines: EngineCache | null;
  deployments: DeploymentService;
  /** Which task form a comune gets (its own, else the shared one). */
  forms: FormService;
  inbox: InboxService;
  parameters: ParameterService;
  /** Deployed DMN decisions: evaluation by key, listing, sources. */
  decisions: DecisionService;
  /** In-process workers of external-task topics (INPS, documents): start/stop in main/worker, drain() in tests. */
  connectors: ConnectorRunner;
  applications: ApplicationService;
  documents: DocumentService;
  /** Browser sessions of the web application (cookie + CSRF token). */
  sessions: SessionService;
  /** The audit of reads of personal data (append-only). */
  audit: AuditService;
  /** Sign-in with SPID/CIE through OpenID Connect (null: OIDC_* not set, passwords only). */
  oidc: OidcSignIn | null;
  /** SIUSS imports from other software (files, mappings, progress, row reports). */
  siussImports: ImportService;
  /** The WaaS pull API's voucher check, or why it is off (then /waas answers 503). */
  waas: { auth: WaasAuth | null; reason: string | null; flows: WaasFlowSource };
  /** SIUSS register, flows and native extraction (issue 13). */
  siuss: SiussService;
}

export interface BuildOptions {
  clock?: Clock;
  handlers?: HandlerRegistry;
  orm?: Orm;
  /** Replace the INPS gateway built from INPS_URL (tests). */
  inpsGateway?: InpsGateway;
  /** Connectors replacing (by topic) or adding to the default ones (tests). */
  connectors?: Connector[];
  /** The clock the OIDC provider's tokens are checked against (default: the wall clock, whatever CLOCK_OFFSET says; tests move theirs). */
  oidcClock?: Clock;
}

export async function buildServices(config: AppConfig, opts: BuildOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock(config.clockOffsetMs);
  const orm = opts.orm ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const handlers = opts.handlers ?? defaultHandlers();
  const store = new OrmEngineStore(orm, { onExternalTasksCreated: notifyExternalTasks });
  const parameterCatalog = ParameterCatalog.load(config.processesDir);
  const parameters = new ParameterService(parameterCatalog, clock);
  const broken = await verifyParameterFiles(orm, parameterCatalog, parameters, clock.now());
  if (broken.length) throw new Error(`File di parametri non validi:\n  ${broken.join('\n  ')}`);
  const formCatalog = FormCatalog.load(config.formsDir);
  if (formCatalog.problems.length) throw new Error(`Moduli non validi:\n  ${formCatalog.problems.join('\n  ')}`);
  const forms = new FormService(orm.em, formCatalog);
  const engines = config.engineCacheBytes > 0 ? new EngineCache(config.engineCacheBytes) : null;
  const processes = new ProcessService({
    handlers,
    clock,
    newId: randomUUID,
    functionsFor: (_tenant, settings, clock) => calendarFunctions(calendarFor(settings), clock),
    parameters: (key, tenant, override) => parameters.resolveWith(key, tenant, override as never),
    engines: engines ?? undefined,
    // Declared outputs of the in-process connectors (connectorRegistry is built below, read at completion time).
    topicOutputs: (topic) => connectorRegistry.get(topic)?.outputs,
  });
  const tokens = new TokenService(loadSigningKeys({ dataDir: config.dataDir, privateKeyPem: config.jwtPrivateKey, previousPublicKeysPem: config.jwtPreviousPublicKeys }), clock);
  const executor = new JobExecutor(new SqlJobQueue(orm), store, processes, clock, {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    nodeId: hostname(),
    lockMs: config.jobLeaseMs,
    pollMs: config.jobPollMs,
    // PGlite is one session: concurrent transactions would interleave on it.
    concurrency: orm.config.get('driver')?.name?.includes('PGlite') ? 1 : config.jobConcurrency,
    log: (msg) => console.warn(`[jobs] ${msg}`),
  });
  const inps = opts.inpsGateway ?? (config.inpsUrl ? new HttpInpsGateway({ baseUrl: config.inpsUrl, apiKey: config.inpsApiKey, timeoutMs: config.inpsTimeoutMs }) : new UnconfiguredInpsGateway());
  const siuss = createSiussService(orm, clock);
  const documents = new DocumentService(orm, TemplateCatalog.load(config.templatesDir), clock);
  // Connectors by topic: append new ones to this list.
  const connectorRegistry = new ConnectorRegistry([...inpsConnectors(inps), ...documentConnectors({ documents })]).override(opts.connectors ?? []);
  const connectors = new ConnectorRunner(
    { externalTasks: new ExternalTaskService({ orm, clock, store, processes }), registry: connectorRegistry, orm, clock },
    { workerId: `connettori:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, pollMs: config.connectorPollMs, log: (msg) => console.warn(`[connettori] ${msg}`) },
  );
  return {
    config,
    executor,
    connectors,
    orm,
    clock,
    tokens,
    store,
    processes,
    engines,
    deployments: new DeploymentService(orm.em, { handlerNames: handlers.names(), handlerOutputs: handlers.outputs(), clock, maxBytes: config.maxUploadBytes, forms, parameters: { service: parameters, catalog: parameterCatalog } }),
    forms,
    inbox: new InboxService(orm.em, store, processes, clock, forms),
    parameters,
    decisions: new DecisionService(orm.em, { service: parameters, catalog: parameterCatalog }),
    applications: new ApplicationService({ store, processes, parameters, clock }),
    documents,
    sessions: new SessionService(orm.em, clock, config.webSessionIdleMinutes),
    audit: new AuditService(orm, clock),
    oidc: config.oidc ? new OidcSignIn(config.oidc, orm, opts.oidcClock ?? systemClock()) : null,
    siuss,
    // Imported rows in chunks, each chunk one set-based transaction (src/siuss/register-batch.ts).
    siussImports: new ImportService(orm, clock, registerSink(siuss.register, clock)),
    waas: { ...WaasAuth.fromSettings({ jwksFile: config.waasJwksFile, issuer: config.waasIssuer, audience: config.waasAudience }, clock), flows: registerFlowSource(siuss.flows, (msg) => console.warn(msg)) },
  };
}

/** Working calendars by settings (they keep their holidays per year), shared by every comune with the same settings. */
const calendars = new Map<string, WorkingCalendar>();
function calendarFor(settings: Record<string, unknown>): WorkingCalendar {
  const normalized = normalizeSettings(settings);
  const key = JSON.stringify(normalized);
  let calendar = calendars.get(key);
  if (!calendar) {
    if (calendars.size >= 1000) calendars.clear();
    calendar = createCalendar(normalized);
    calendars.set(key, calendar);
  }
  return calendar;
}
