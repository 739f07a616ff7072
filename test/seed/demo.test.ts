/**
 * Issue 10 #6 and #7: the demo tells the truth. Seeds the demo (users, models,
 * weeks of cases through the clock) into a database of its own, then checks
 * that every open task's current data passes its form with the validator the
 * engine uses on completion, and that the SLA summary shows a manager's
 * reality: durations that are not zero, some steps late, some on time, open
 * work overdue and at risk.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config.js';
import { buildServices } from '../../src/app-context.js';
import { openDatabase } from '../../src/db/orm.js';
import { ManualClock } from '../../src/shared/clock.js';
import { ProcessInstance, Task } from '../../src/db/entities/index.js';
import { deployProcessesDir } from '../../src/seed/bootstrap.js';
import { demoUsersWithDemoPassword, seedDemo } from '../../src/seed/demo.js';
import { seedDemoCases, type DemoSeedReport } from '../../src/seed/demo-cases.js';
import { slaSummary, type SlaRow } from '../../src/tasks/sla/sla.service.js';
import { validateFormData, extractFormData } from '../../src/tailoring/forms/validate.js';
import { scratchDatabase, type ScratchDatabase } from '../helpers/server-process.js';
import type { Services } from '../../src/api/context.js';
import { FormService } from '../../src/tailoring/forms/form.service.js';
import { FormCatalog } from '../../src/tailoring/forms/catalog.js';

const NOW = '2026-11-30T10:00:00.000Z';
let db: ScratchDatabase;
let services: Services;
let clock: ManualClock;
let report: DemoSeedReport;

test.before(async () => {
  db = await scratchDatabase('rei_demo');
  const orm = await openDatabase({ url: db.env.DATABASE_URL ?? null, dataDir: db.env.DATA_DIR ?? 'memory://' });
  clock = new ManualClock(NOW);
  services = await buildServices({ ...loadConfig({}), databaseUrl: db.env.DATABASE_URL ?? null }, { clock, orm });
  await seedDemo(services);
  await deployProcessesDir(services, services.config.processesDir);
  report = await seedDemoCases(services, { set: (at) => clock.set(at), reset: () => clock.set(NOW) });
});

test.after(async () => {
  await services.orm.close(true);
  await db.drop();
});

test('the demo seeds every case of every comune and gives the clock back', () => {
  assert.is(report.cases, 36);
  assert.ok(report.tasksCompleted >= 35, `completed ${report.tasksCompleted}`);
  assert.is(clock.now().toISOString(), NOW);
});

test('issue 10 #17: the demo users are what NODE_ENV=production refuses to start with', async () => {
  const found = await demoUsersWithDemoPassword(services);
  assert.ok(found.includes('operatore.f205') && found.includes('responsabile.metro'), found.join(', '));
});

test('issue 10 #6: every open task\'s current data passes its form (only fields nobody filled yet are missing)', async () => {
  const em = services.orm.em.fork();
  const open = await em.find(Task, { status: 'open' });
  assert.ok(open.length >= 30, `${open.length} open tasks`);
  let checked = 0;
  for (const task of open) {
    if (!task.formKey) continue;
    const form = await formOf(task);
    assert.ok(form, `form ${task.formKey} of ${task.elementId} (${task.tenant})`);
    const instance = await em.findOneOrFail(ProcessInstance, { id: task.instanceId });
    const data = extractFormData(form!, instance.variables as Record<string, unknown>);
    const wrong = validateFormData(form!, data).filter((e) => e.message !== 'campo obbligatorio');
    assert.equal(wrong, [], `${task.tenant} ${instance.businessKey} ${task.elementId}: ${JSON.stringify(wrong)}`);
    checked++;
  }
  assert.ok(checked >= 30, `${checked} forms checked`);
  // The regression of the issue: Milano's manual checks carry the CAF's protocol in the CAF-AAAA-NNNNNN form.
  const milano = open.filter((t) => t.tenant === 'F205' && t.elementId === 'verificaRequisiti');
  assert.ok(milano.length >= 3);
  for (const t of milano) {
    const vars = (await em.findOneOrFail(ProcessInstance, { id: t.instanceId })).variables as { caf?: { protocollo?: string } };
    assert.match(vars.caf?.protocollo ?? '', /^CAF-\d{4}-\d{6}$/);
  }
});

test('issue 10 #7: the cases span weeks and the SLA summary shows a spread — durations, late and on-time work, overdue and at-risk tasks', async () => {
  const em = services.orm.em.fork();
  const instances = await em.find(ProcessInstance, {}, { orderBy: { startedAt: 'asc' } });
  const spanDays = (instances.at(-1)!.startedAt.getTime() - instances[0]!.startedAt.getTime()) / 86_400_000;
  assert.ok(spanDays >= 42, `cases started over ${spanDays} days`);
  // The dates the operators typed are the days they acted on, in order, never after today.
  for (const i of instances) {
    const v = i.variables as Record<string, string | undefined>;
    const days = [v.dataDomanda, v.dataInvioInps, v.dataAnalisiPreliminare, v.dataFirma].filter((d): d is string => !!d);
    assert.equal([...days].sort(), days, `${i.businessKey}: ${days.join(', ')}`);
    assert.ok(days.every((d) => d <= NOW.slice(0, 10)), `${i.businessKey}: ${days.join(', ')}`);
  }
  const now = new Date(NOW);
  const rows: SlaRow[] = await slaSummary(em, { tenant: null, from: new Date(now.getTime() - 365 * 86_400_000), to: now, now, processKey: 'rei', atRiskShare: 0.75 });
  const sum = (f: (r: SlaRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const late = sum((r) => r.completedWithDue - r.completedOnTime);
  assert.ok(sum((r) => r.completedOnTime) >= 10, 'some work done on time');
  assert.ok(late >= 3, `some work done late (${late})`);
  assert.ok(sum((r) => r.overdueNow) >= 3, 'some open work overdue');
  assert.ok(sum((r) => r.atRiskNow) >= 1, 'some open work at risk');
  const medians = rows.filter((r) => r.medianSeconds !== null).map((r) => r.medianSeconds!);
  assert.ok(medians.length >= 4 && medians.every((m) => m > 3600), `median durations ${medians.join(', ')}`);
  assert.ok(new Set(medians.map((m) => Math.round(m / 3600))).size >= 3, 'durations differ from step to step');
  const percents = rows.filter((r) => r.onTimePercent !== null).map((r) => r.onTimePercent!);
  assert.ok(percents.some((p) => p < 100), `on-time percentages ${percents.join(', ')}`);
  // Escalations fired by their timers while the clock moved: a responsabile has reminders.
  assert.ok(rows.some((r) => r.elementId.startsWith('sollecito') && r.total > 0), 'escalation tasks');
});

/** The task's form, resolved as the inbox does on completion. */
async function formOf(task: Task) {
  const forms = new FormService(services.orm.em, FormCatalog.load(services.config.formsDir));
  return (await forms.resolveKey(task.formKey!, task.tenant, services.orm.em.fork()))?.schema ?? null;
}

test.run();
