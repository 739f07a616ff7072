/** What every route handler can reach: the services, built once in src/app.ts. */
import type { EngineCache } from '../engine/execution/engine-cache.js';
import type { Orm } from '../db/orm.js';
import type { JobExecutor } from '../engine/jobs/executor.js';
import type { AppConfig } from '../config.js';
import type { Clock } from '../shared/clock.js';
import type { TokenService } from '../auth/tokens.js';
import type { EngineStore } from '../engine/store.js';
import type { ProcessService } from '../engine/process-service.js';
import type { DeploymentService } from '../services/deployment.service.js';
import type { InboxService } from '../tasks/inbox.service.js';
import type { Principal } from '../auth/principal.js';
import type { ParameterService } from '../tailoring/parameters/parameter.service.js';
import type { DecisionService } from '../decisions/decision.service.js';
import type { ConnectorRunner } from '../integrations/connector-runner.js';
import type { ApplicationService } from '../applications/application.service.js';
import type { DocumentService } from '../documents/document.service.js';
import type { SessionService } from '../web/session.service.js';

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
}

export interface AppState {
  user: Principal;
}
