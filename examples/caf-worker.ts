/**
 * Example worker of a partner CAF office (Comune di Milano variant,
 * processes/F205/rei.bpmn): subscribes to the external-task topic
 * `caf-controlli` with the stock Camunda 7 client
 * (camunda-external-task-client-js), checks the municipal requirements of each
 * application (citizenship or EU long-term permit, 2 years of residence) and
 * completes the task with `requisiti` {esito, motivi} and the CAF's details
 * `caf` {denominazione, protocollo}. Missing data ⇒ esito 'da_verificare': the
 * case goes to the CAF operators' manual review task.
 *
 *   CAF_USER=caf.f205 CAF_PASSWORD=demo1234 npm run caf-worker
 *
 * Environment: ENGINE_URL (default http://localhost:3000/engine-rest),
 * CAF_USER / CAF_PASSWORD (a comune account with role operatore, HTTP Basic),
 * CAF_NAME (default "CAF convenzionato Milano Centro"), CAF_TOPIC.
 */

// The client ships no type declarations: loaded through a non-literal specifier
// and described by the few members used here.
const CLIENT_PACKAGE = 'camunda-external-task-client-js';

interface WorkerVariables {
  get(name: string): unknown;
  /** Objects are sent as Json variables. */
  setAll(values: Record<string, unknown>): WorkerVariables;
}
interface LockedTask {
  id: string;
  businessKey: string | null;
  variables: WorkerVariables;
}
interface TaskService {
  complete(task: LockedTask, variables?: WorkerVariables): Promise<void>;
  handleFailure(task: LockedTask, options: { errorMessage?: string; errorDetails?: string; retries?: number; retryTimeout?: number }): Promise<void>;
}
export interface CafWorkerClient {
  subscribe(topic: string, options: Record<string, unknown>, handler: (args: { task: LockedTask; taskService: TaskService }) => Promise<void>): { unsubscribe(): void };
  start(): void;
  stop(): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
interface CamundaModule {
  Client: new (options: Record<string, unknown>) => CafWorkerClient;
  BasicAuthInterceptor: new (options: { username: string; password: string }) => unknown;
  Variables: new () => WorkerVariables;
}

export const CAF_TOPIC = 'caf-controlli';

export interface Requisiti {
  esito: 'ammissibile' | 'non_ammissibile' | 'da_verificare';
  motivi: string[];
}

/** The municipal checks a CAF office makes on an application's variables (pure). */
export function controlliCaf(vars: { cittadinanza?: unknown; permessoLungoPeriodo?: unknown; anniResidenza?: unknown }): Requisiti {
  const motivi: string[] = [];
  const mancanti: string[] = [];
  if (vars.cittadinanza === 'extraUE') {
    if (vars.permessoLungoPeriodo === false) motivi.push('Cittadino extra UE senza permesso di soggiorno UE di lungo periodo');
    else if (vars.permessoLungoPeriodo !== true) mancanti.push('Permesso di soggiorno di lungo periodo non indicato');
  } else if (vars.cittadinanza !== 'IT' && vars.cittadinanza !== 'UE') {
    mancanti.push('Cittadinanza non indicata');
  }
  if (typeof vars.anniResidenza !== 'number') mancanti.push('Anni di residenza in Italia non indicati');
  else if (vars.anniResidenza < 2) motivi.push(`Residenza in Italia da ${vars.anniResidenza} anni: ne servono almeno 2 continuativi`);
  if (motivi.length) return { esito: 'non_ammissibile', motivi };
  if (mancanti.length) return { esito: 'da_verificare', motivi: mancanti };
  return { esito: 'ammissibile', motivi: [] };
}

export interface CafWorkerOptions {
  /** …/engine-rest */
  baseUrl: string;
  username: string;
  password: string;
  denominazione?: string;
  topic?: string;
  workerId?: string;
  /** Poll by itself (default true); tests poll once and stop. */
  autoPoll?: boolean;
  log?: (message: string) => void;
}

let sequence = 0;

/** Starts the worker; returns the client (call stop() to end it). */
export async function startCafWorker(opts: CafWorkerOptions): Promise<CafWorkerClient> {
  const camunda = (await import(CLIENT_PACKAGE)) as CamundaModule;
  const client = new camunda.Client({
    baseUrl: opts.baseUrl,
    workerId: opts.workerId ?? `caf-${process.pid}`,
    interceptors: new camunda.BasicAuthInterceptor({ username: opts.username, password: opts.password }),
    asyncResponseTimeout: 10_000,
    maxTasks: 5,
    lockDuration: 60_000,
    autoPoll: opts.autoPoll ?? true,
  });
  const log = opts.log ?? ((m: string) => console.log(m));
  const denominazione = opts.denominazione ?? 'CAF convenzionato Milano Centro';
  client.subscribe(opts.topic ?? CAF_TOPIC, {}, async ({ task, taskService }) => {
    try {
      const requisiti = controlliCaf({ cittadinanza: task.variables.get('cittadinanza'), permessoLungoPeriodo: task.variables.get('permessoLungoPeriodo'), anniResidenza: task.variables.get('anniResidenza') });
      const protocollo = `CAF-${new Date().getFullYear()}-${String(++sequence + (process.pid % 1000) * 1000).padStart(6, '0')}`;
      const out = new camunda.Variables().setAll({ requisiti, caf: { denominazione, protocollo } });
      await taskService.complete(task, out);
      log(`${task.businessKey ?? task.id}: ${requisiti.esito}${requisiti.motivi.length ? ` (${requisiti.motivi.join('; ')})` : ''} — pratica ${protocollo}`);
    } catch (err) {
      log(`${task.businessKey ?? task.id}: errore ${(err as Error).message}`);
      await taskService.handleFailure(task, { errorMessage: 'Controlli CAF non riusciti', errorDetails: String((err as Error).stack ?? err), retries: 2, retryTimeout: 60_000 });
    }
  });
  return client;
}

if (process.argv[1] && /caf-worker\.ts$/.test(process.argv[1])) {
  const username = process.env.CAF_USER;
  const password = process.env.CAF_PASSWORD;
  if (!username || !password) {
    console.error('Indicare CAF_USER e CAF_PASSWORD (utenza del comune con ruolo operatore), es. CAF_USER=caf.f205 CAF_PASSWORD=demo1234 npm run caf-worker');
    process.exit(2);
  }
  const baseUrl = process.env.ENGINE_URL ?? 'http://localhost:3000/engine-rest';
  const client = await startCafWorker({ baseUrl, username, password, denominazione: process.env.CAF_NAME, topic: process.env.CAF_TOPIC });
  client.on('poll:error', (e: unknown) => console.error('Errore di polling:', (e as Error)?.message ?? e));
  console.log(`Worker CAF in ascolto sul topic ${process.env.CAF_TOPIC ?? CAF_TOPIC} (${baseUrl}) come ${username}. Ctrl+C per uscire.`);
  process.on('SIGINT', () => {
    client.stop();
    process.exit(0);
  });
}
