/**
 * Inbox page: server time to render the first page of an operatore's inbox
 * ("Tutte", sorted by due date, 25 rows with case, applicant, due state,
 * working days left, tab counts and filter options) with `comuneTasks` open
 * tasks in their comune and `totalTasks` in the database, against the
 * `GET /api/v1/tasks?sort=due&limit=25` call for the same page, in the same
 * run, over HTTP on localhost, alternating the two requests. Also the
 * "Assegnate a me" tab against `GET /api/v1/tasks?assignee=me`.
 *
 * The rows are written with set-based SQL (generate_series): ten tasks per
 * case, the bench comune's cases with an applicant in the subject registry;
 * the other comuni hold the rest of the tasks.
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { buildServices } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/api/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import type { BenchDatabase } from './db.js';
import { benchLine, latencySummary, quantile } from './report.js';
import { signInWeb as signIn } from './http.js';
import { silentLogger } from '../src/shared/logger.js';

export interface InboxPageBenchOptions {
  totalTasks: number;
  comuneTasks: number;
  requests: number;
}

const COMUNE = 'Z901';
const TASKS_PER_CASE = 10;
const OTHER_COMUNI = ['Z902', 'Z903', 'Z904', 'Z905', 'Z906', 'Z907', 'Z908', 'Z909', 'Z910'];
const MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs-inbox" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="benchInbox" name="Pratica REI (bench)" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

export async function runInboxPageBench(db: BenchDatabase, opts: InboxPageBenchOptions): Promise<void> {
  console.log(`\n== inbox-page: ${opts.comuneTasks.toLocaleString('it-IT')} open tasks in the comune, ${opts.totalTasks.toLocaleString('it-IT')} in the database ==`);
  const services = await buildServices({ ...loadConfig({ SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm: db.orm });
  const conn = db.orm.em.fork().getConnection();
  const now = new Date();
  for (const code of [COMUNE, ...OTHER_COMUNI]) {
    await conn.execute(`insert into tenant (code, name, calendar, created_at) values (?, ?, '{}', ?) on conflict (code) do nothing`, [code, `Comune bench ${code}`, now]);
  }
  const deployed = await services.deployments.deploy({ name: 'bench-inbox', tenant: null, files: [{ name: 'bench-inbox.bpmn', content: MODEL }], source: 'api', createdBy: 'bench' });
  const definitionId = deployed.definitions[0]!.id;
  const username = `op.bench.${process.pid}`;
  await conn.execute(
    `insert into app_user (id, username, password_hash, tenant, roles, groups, active, created_at) values (md5(?)::uuid, ?, ?, ?, '{operatore}', '{operatori-rei}', true, ?)`,
    [username, username, await hashPassword('bench1234'), COMUNE, now],
  );

  const seedStart = performance.now();
  const comuneCases = Math.ceil(opts.comuneTasks / TASKS_PER_CASE);
  const otherCases = Math.max(0, Math.ceil((opts.totalTasks - opts.comuneTasks) / TASKS_PER_CASE));
  const run = process.pid;
  const chunk = 20_000; // cases per statement
  const seed = async (tenantExpr: string, from: number, count: number, withApplicant: boolean) => {
    for (let start = from; start < from + count; start += chunk) {
      const end = Math.min(from + count, start + chunk) - 1;
      await conn.execute(
        `insert into process_instance (id, tenant, definition_id, definition_key, definition_version, business_key, status, variables, started_at, updated_at)
         select md5('${run}i' || n)::uuid, ${tenantExpr}, ?, 'benchInbox', 1, 'B/' || n, 'active', '{}', ?, ? from generate_series(?::int, ?::int) n`,
        [definitionId, now, now, start, end],
      );
      await conn.execute(
        `insert into task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, name, assignee, candidate_groups, priority, due_at, status, created_at)
         select md5('${run}t' || n || '-' || k)::uuid, ${tenantExpr}, md5('${run}i' || n)::uuid, 'benchInbox', 'B/' || n, 'istruttoria', 'istruttoria_' || k,
                'Istruttoria della domanda', case when (n * 10 + k) % 100 = 0 then ? else null end, '{operatori-rei}', 50 + (n % 3) * 10,
                ?::timestamptz + ((n * 7 + k * 13) % 40 - 10) * interval '1 day', 'open', ?::timestamptz - ((n + k) % 30) * interval '1 day'
           from generate_series(?::int, ?::int) n, generate_series(1, ${TASKS_PER_CASE}) k`,
        [username, now, now, start, end],
      );
      if (withApplicant) {
        await conn.execute(
          `insert into subject (id, tenant, codice_fiscale, nome, cognome, data_nascita, created_at, updated_at)
           select md5('${run}s' || n)::uuid, ?, 'BNC' || lpad(n::text, 13, '0'), 'Nome' || n, 'Cognome' || n, date '1980-01-01', ?, ? from generate_series(?::int, ?::int) n`,
          [COMUNE, now, now, start, end],
        );
        await conn.execute(`insert into household (id, tenant, created_at) select md5('${run}h' || n)::uuid, ?, ? from generate_series(?::int, ?::int) n`, [COMUNE, now, start, end]);
        await conn.execute(
          `insert into subject_case (id, tenant, subject_id, instance_id, household_id, process_key, protocollo, data_domanda, role, durata_mesi, rinnovo, created_at)
           select md5('${run}c' || n)::uuid, ?, md5('${run}s' || n)::uuid, md5('${run}i' || n)::uuid, md5('${run}h' || n)::uuid, 'benchInbox', 'B/' || n, date '2026-01-01', 'richiedente', 12, false, ? from generate_series(?::int, ?::int) n`,
          [COMUNE, now, start, end],
        );
      }
    }
  };
  await seed(`'${COMUNE}'`, 1, comuneCases, true);
  await seed(`(array[${OTHER_COMUNI.map((c) => `'${c}'`).join(',')}])[1 + n % ${OTHER_COMUNI.length}]`, comuneCases + 1, otherCases, false);
  await conn.execute('analyze task; analyze process_instance; analyze subject_case; analyze subject');
  const [{ n: openInComune }] = (await conn.execute(`select count(*)::int as n from task where tenant = ? and status = 'open'`, [COMUNE])) as Array<{ n: number }>;
  const [{ n: allTasks }] = (await conn.execute(`select count(*)::int as n from task`)) as Array<{ n: number }>;
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: ${openInComune} open tasks in ${COMUNE}, ${allTasks} tasks in the database`);

  const server = createApp(services, silentLogger()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const token = ((await (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'bench1234' }) })).json()) as { token: string }).token;
    const cookie = await signIn(base, username, 'bench1234');
    const paths = [
      { name: 'inbox-page', page: '/attivita?scheda=tutte', api: '/api/v1/tasks?sort=due&limit=25' },
      { name: 'inbox-page-mine', page: '/attivita?scheda=mie', api: '/api/v1/tasks?assignee=me&sort=due&limit=25' },
    ];
    for (const p of paths) {
      const page: number[] = [];
      const api: number[] = [];
      const timed = async (url: string, headers: Record<string, string>, into: number[] | null) => {
        const t0 = performance.now();
        const res = await fetch(base + url, { headers, redirect: 'manual' });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
        into?.push(performance.now() - t0);
        return body;
      };
      const first = await timed(p.page, { cookie }, null);
      if (!first.includes('<table')) throw new Error('the inbox page has no table');
      for (let i = 0; i < 5; i++) {
        await timed(p.page, { cookie }, null);
        await timed(p.api, { authorization: `Bearer ${token}` }, null);
      }
      for (let i = 0; i < opts.requests; i++) {
        if (i % 2 === 0) {
          await timed(p.page, { cookie }, page);
          await timed(p.api, { authorization: `Bearer ${token}` }, api);
        } else {
          await timed(p.api, { authorization: `Bearer ${token}` }, api);
          await timed(p.page, { cookie }, page);
        }
      }
      const q = quantile;
      console.log(`${p.name}  page ${p.page}: ${latencySummary(page)}`);
      console.log(`${p.name}  api  ${p.api}: ${latencySummary(api)}`);
      benchLine(`${p.name}-p50`, q(page, 0.5), 'ms', q(page, 0.5) / q(api, 0.5), 'api-tasks-p50');
      benchLine(`${p.name}-p95`, q(page, 0.95), 'ms', q(page, 0.95) / q(api, 0.95), 'api-tasks-p95');
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
