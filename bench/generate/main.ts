/**
 * `npm run generate -- [--scale F] [--cases N] [--comuni M] [--tasks T] [--history H] [--jobs J] [--chunk C]`:
 * writes a metropolitan volume of REI data into DATABASE_URL (migrated first,
 * models of processes/ deployed). Defaults: the full Città Metropolitana
 * (133 comuni, 300,000 cases, 1,000,000 open tasks, 10,000,000 history rows);
 * --scale divides all volumes; explicit options win. Users get the password of
 * GENERATE_PASSWORD (default bench1234): operatori op.<belfiore>.<n>, responsabili resp.<belfiore>, analista.metro.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/db/orm.js';
import { buildServices } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { deployProcessesDir } from '../../src/seed/bootstrap.js';
import { generateMetroData, scaled } from './metro-data.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string' }, cases: { type: 'string' }, comuni: { type: 'string' }, tasks: { type: 'string' }, history: { type: 'string' },
    jobs: { type: 'string' }, chunk: { type: 'string' },
  },
});
const num = (name: string, raw: string | undefined, fallback: number) => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return n;
};
const url = process.env.DATABASE_URL?.trim();
if (!url) throw new Error('DATABASE_URL must name the PostgreSQL database to fill');
const scale = num('scale', values.scale, 1);
const base = scaled(scale);
const cases = Math.round(num('cases', values.cases, base.cases));
const opts = {
  comuni: Math.max(1, Math.min(133, Math.round(num('comuni', values.comuni, base.comuni)))),
  cases,
  openTasks: Math.round(num('tasks', values.tasks, values.cases ? (base.openTasks * cases) / base.cases : base.openTasks)),
  historyRows: Math.round(num('history', values.history, values.cases ? (base.historyRows * cases) / base.cases : base.historyRows)),
  jobs: Math.max(1, Math.round(num('jobs', values.jobs, 2))),
  chunk: Math.max(100, Math.round(num('chunk', values.chunk, 5000))),
  password: process.env.GENERATE_PASSWORD || 'bench1234',
  now: new Date(),
  log: (line: string) => console.log(line),
};
const orm = await openDatabase({ url, dataDir: 'memory://', poolMax: 4 });
try {
  const services = await buildServices({ ...loadConfig({ ...process.env, SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm });
  const result = await generateMetroData(url, opts, async () => {
    await deployProcessesDir(services, services.config.processesDir);
    return { processesDir: services.config.processesDir };
  });
  const c = result.counts;
  console.log(`done in ${result.seconds.toFixed(1)} s: ${c.cases} cases, ${c.openTasks} open and ${c.completedTasks} completed tasks, ${c.history} history rows, ${c.subjects} applicants (run ${result.tag})`);
  console.log(`sign in as ${result.comuni[0]!.operatori[0]} (operatore, ${result.comuni[0]!.code}), ${result.comuni[0]!.responsabile} or ${result.metroUser}`);
} finally {
  await orm.close(true);
}
