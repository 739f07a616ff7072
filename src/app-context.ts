/**
 * Composition root: opens the database and wires the services every entry
 * point (server, worker, tests, bench) uses. The clock is injected here.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { JobExecutor } from './engine/jobs/executor.js';
import { SqlJobQueue } from './db/job-queue.js';
import { notifyExternalTasks } from './tasks/external/wakeup.js';
import type { AppConfig } from './config.js';
import { systemClock, type Clock } from './shared/clock.js';
import { openDatabase, type Orm } from './db/orm.js';
import { OrmEngineStore } from './db/engine-store.js';
import { AppSetting } from './db/entities/index.js';
import { TokenService } from './auth/tokens.js';
import { ProcessService } from './engine/process-service.js';
import { DeploymentService } from './services/deployment.service.js';
import { InboxService } from './tasks/inbox.service.js';
import { defaultHandlers } from './tasks/handlers/index.js';
import type { HandlerRegistry } from './engine/execution/handlers.js';
import type { Services } from './api/context.js';
import { ParameterCatalog } from './tailoring/parameters/catalog.js';
import { ParameterService } from './tailoring/parameters/parameter.service.js';
import { FormCatalog } from './tailoring/forms/catalog.js';
import { FormService } from './tailoring/forms/form.service.js';
import { calendarFunctions, createCalendar, normalizeSettings, type WorkingCalendar } from './engine/calendar/index.js';

export interface BuildOptions {
  clock?: Clock;
  handlers?: HandlerRegistry;
  orm?: Orm;
}

export async function buildServices(config: AppConfig, opts: BuildOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock(config.clockOffsetMs);
  const orm = opts.orm ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const handlers = opts.handlers ?? defaultHandlers();
  const store = new OrmEngineStore(orm, { onExternalTasksCreated: notifyExternalTasks });
  const parameterCatalog = ParameterCatalog.load(config.processesDir);
  const parameters = new ParameterService(parameterCatalog, clock);
  const broken = parameters.verifyFiles();
  if (broken.length) throw new Error(`File di parametri non validi:\n  ${broken.join('\n  ')}`);
  const formCatalog = FormCatalog.load(config.formsDir);
  if (formCatalog.problems.length) throw new Error(`Moduli non validi:\n  ${formCatalog.problems.join('\n  ')}`);
  const forms = new FormService(orm.em, formCatalog);
  const processes = new ProcessService({
    handlers,
    clock,
    newId: randomUUID,
    functionsFor: (_tenant, settings, clock) => calendarFunctions(calendarFor(settings), clock),
    parameters: (key, tenant, override) => parameters.resolveWith(key, tenant, override as never),
  });
  const tokens = new TokenService(await jwtSecret(orm), clock);
  const executor = new JobExecutor(new SqlJobQueue(orm), store, processes, clock, {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    pollMs: config.jobPollMs,
    log: (msg) => console.warn(`[jobs] ${msg}`),
  });
  return {
    config,
    executor,
    orm,
    clock,
    tokens,
    store,
    processes,
    deployments: new DeploymentService(orm.em, { handlerNames: handlers.names(), handlerOutputs: handlers.outputs(), clock, maxBytes: config.maxUploadBytes, forms, parameters: { service: parameters, catalog: parameterCatalog } }),
    inbox: new InboxService(orm.em, store, processes, clock, forms),
    parameters,
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

async function jwtSecret(orm: Orm): Promise<string> {
  const em = orm.em.fork();
  await em.getConnection().execute(`insert into app_setting (key, value) values ('jwt_secret', ?) on conflict (key) do nothing`, [TokenService.newSecret()]);
  const row = await em.findOneOrFail(AppSetting, { key: 'jwt_secret' });
  return row.value;
}
