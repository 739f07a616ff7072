/**
 * SIUSS flow generation against records written while it runs. Generation
 * reads records without row locks and marks each one sent only if its row is
 * still the version it read: a record written meanwhile (by another
 * transaction, or by anything else) makes the attempt roll back whole; the
 * generation is retried once, then answered 409 SIUSS_GENERATION_CONFLICT.
 * Never a record marked `inviato` with a snapshot other than the XML sent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from '@mikro-orm/postgresql';
import { sharedOrm, startTestApp, type TestApp } from '../helpers/harness.js';
import { boundSqlOf, sqlOf } from '../../src/siuss/register.service.js';
import { randomUUID } from 'node:crypto';
import { normalise, type SiussService } from '../../src/siuss/index.js';
import { CF_OPERATORE, periodic, xmllint } from './helpers.js';

let app: TestApp;
let siuss: SiussService;
const who = { kind: 'manual' as const, actor: 'test' };
const onPostgres = Boolean(process.env.DATABASE_URL);

async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return sqlOf((await sharedOrm()).em.fork())(text, params);
}

/** Two pronto records of a new comune; the first (by codice fiscale order) is returned first. */
/** A transaction of its own on the shared database (another user's edit in progress). */
async function otherTransaction(): Promise<Knex.Transaction> {
  return ((await sharedOrm()).em.getConnection() as unknown as { getKnex(): Knex }).getKnex().transaction();
}

/** Returns once a session of this database waits for a row lock (the generation, blocked by the other transaction). */
async function untilWaitingForALock(): Promise<void> {
  for (let i = 0; ; i++) {
    const [w] = await sql("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
    if (Number(w!.n) > 0) return;
    if (i > 500) throw new Error('generation never waited for the record');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function twoRecords(): Promise<{ tenant: string; first: string; second: string }> {
  const tenant = await app.tenant();
  const a = await siuss.register.upsert(tenant, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'CONC-1' }) }, who);
  const b = await siuss.register.upsert(tenant, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'CONC-2' }) }, who);
  assert.is(a.record!.status, 'pronto');
  assert.is(b.record!.status, 'pronto');
  return { tenant, first: a.record!.id, second: b.record!.id };
}

/**
 * A trigger that rewrites the record's Cognome when a flow row is stored (i.e. after the record was read for
 * that flow, before it is marked sent), for the first `times` flows stored (a sequence: not rolled back).
 */
async function rewriteOnFlowInsert(recordId: string, times: number): Promise<() => Promise<void>> {
  await sql('create sequence if not exists test_flow_conflict_seq');
  await sql("select setval('test_flow_conflict_seq', 1, false)");
  await sql(`create or replace function test_flow_conflict() returns trigger language plpgsql as $$
    begin
      if nextval('test_flow_conflict_seq') <= ${times} then
        update siuss_record set data = jsonb_set(data, '{Cognome}', to_jsonb('CAMBIATO' || currval('test_flow_conflict_seq')::text)), version = version + 1 where id = '${recordId}';
      end if;
      return new;
    end $$`);
  await sql('create trigger test_flow_conflict after insert on siuss_flow for each row execute function test_flow_conflict()');
  return async () => {
    await sql('drop trigger if exists test_flow_conflict on siuss_flow');
    await sql('drop function if exists test_flow_conflict()');
  };
}

test.before(async () => {
  app = await startTestApp();
  siuss = app.services.siuss;
});

test.after(async () => {
  await app.close();
});

test('a record rewritten after being read, on every attempt: 409 SIUSS_GENERATION_CONFLICT, nothing stored', async () => {
  const { tenant, first, second } = await twoRecords();
  const cleanup = await rewriteOnFlowInsert(first, 10);
  try {
    await siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
    assert.unreachable('409');
  } catch (err) {
    const e = err as { status?: number; code?: string; message?: string };
    assert.is(e.status, 409);
    assert.is(e.code, 'SIUSS_GENERATION_CONFLICT');
    assert.match(e.message ?? '', /modificati durante la generazione/);
  } finally {
    await cleanup();
  }
  assert.is((await siuss.flows.list(tenant)).total, 0);
  for (const id of [first, second]) {
    const r = await siuss.register.mustGet(tenant, id);
    assert.is(r.status, 'pronto');
    assert.is(r.lastFlowId, null);
    assert.not.ok((await siuss.register.historyOf(tenant, id)).some((h) => h.action === 'sent'));
  }
  // Both attempts stored nothing, so the comune's daily progressive is untouched.
  const flows = await siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
  assert.is(flows.length, 1);
  assert.match(flows[0]!.idFlusso, /\.0000001$/);
});

test('a record rewritten once during generation: retried, and the XML, the snapshot and the record agree', async () => {
  const { tenant, first, second } = await twoRecords();
  const cleanup = await rewriteOnFlowInsert(first, 1);
  let flows;
  try {
    flows = await siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: CF_OPERATORE }, who);
  } finally {
    await cleanup();
  }
  assert.is(flows.length, 2);
  assert.equal(
    flows.map((f) => f.idFlusso.slice(-7)),
    ['0000001', '0000002'],
  );
  const rec = await siuss.register.mustGet(tenant, first);
  // The rewrite of the first attempt was rolled back with it; the second attempt sent the record as stored.
  assert.is(rec.data.Cognome, 'ROSSI');
  assert.is(rec.status, 'inviato');
  for (const f of flows) {
    const { xml } = await siuss.flows.xml(tenant, f.id);
    xmllint(xml, 'PS_PSA_SINA');
    for (const { recordId } of await siuss.flows.records(tenant, f.id)) {
      const [row] = await sql('select snapshot from siuss_flow_record where flow_id = ? and record_id = ?', [f.id, recordId]);
      const snapshot = row!.snapshot as Record<string, unknown>;
      assert.ok(xml.includes(`Cognome="${String(snapshot.Cognome)}"`));
      assert.equal(snapshot, (await siuss.register.mustGet(tenant, recordId)).data);
    }
  }
  for (const id of [first, second]) {
    const r = await siuss.register.mustGet(tenant, id);
    assert.is(r.status, 'inviato');
    assert.is((await siuss.register.historyOf(tenant, id)).filter((h) => h.action === 'sent').length, 1);
  }
});

test('PostgreSQL: a record written by another transaction while generation runs: the generation sends what was committed', async () => {
  if (!onPostgres) return; // PGlite has one session: no other transaction can run meanwhile.
  const { tenant, first, second } = await twoRecords();
  const other = await otherTransaction();
  let generation: ReturnType<SiussService['flows']['generate']> | null = null;
  try {
    // Another transaction holds the record (like an edit in progress): generation reads it, then waits to mark it sent.
    await other.raw('select id from siuss_record where id = ? for update', [first]);
    generation = siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
    generation.catch(() => undefined);
    await untilWaitingForALock();
    await other.raw(`update siuss_record set data = jsonb_set(data, '{ImportoMensile}', '"999"'), version = version + 1, updated_at = now() where id = ?`, [first]);
    await other.commit();
  } catch (err) {
    if (!other.isCompleted()) await other.rollback();
    throw err;
  }
  const flows = await generation;
  assert.is(flows.length, 1);
  assert.match(flows[0]!.idFlusso, /\.0000001$/);
  const { xml } = await siuss.flows.xml(tenant, flows[0]!.id);
  xmllint(xml, 'PS_PSA_SINA');
  assert.is(xml.split('ImportoMensile="999"').length, 2);
  const [row] = await sql('select snapshot from siuss_flow_record where flow_id = ? and record_id = ?', [flows[0]!.id, first]);
  assert.is((row!.snapshot as Record<string, unknown>).ImportoMensile, '999');
  const rec = await siuss.register.mustGet(tenant, first);
  assert.is(rec.status, 'inviato');
  assert.is(rec.version, 3);
  assert.is(rec.lastFlowId, flows[0]!.id);
  for (const id of [first, second]) assert.is((await siuss.register.historyOf(tenant, id)).filter((h) => h.action === 'sent').length, 1);
});

test('PostgreSQL: a deadlock with a transaction locking the same records in the other order: retried, each record sent once', async () => {
  if (!onPostgres) return;
  const { tenant } = await twoRecords();
  // Generation marks the records in paging order: first, then second.
  const order = await sql("select id from siuss_record where tenant = ? order by coalesce(codice_fiscale, ''), id", [tenant]);
  const [first, second] = order.map((r) => r.id as string) as [string, string];
  const other = await otherTransaction();
  let generation: ReturnType<SiussService['flows']['generate']> | null = null;
  try {
    await other.raw('select id from siuss_record where id = ? for update', [second]);
    generation = siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
    generation.catch(() => undefined);
    await untilWaitingForALock();
    // The generation holds the first record (marked) and waits for the second; this transaction now wants the first.
    await other.raw('select id from siuss_record where id = ? for update', [first]).catch(() => undefined);
  } finally {
    if (!other.isCompleted()) await other.rollback().catch(() => undefined);
  }
  const flows = await generation;
  assert.is(flows.length, 1);
  assert.is(flows[0]!.records, 2);
  for (const id of [first, second]) {
    const r = await siuss.register.mustGet(tenant, id);
    assert.is(r.status, 'inviato');
    assert.is(r.version, 2);
    assert.is((await siuss.register.historyOf(tenant, id)).filter((h) => h.action === 'sent').length, 1);
  }
});

test('many records over many flows and statements: each marked once, with the flow carrying it, its snapshot and one history row', async () => {
  const tenant = await app.tenant();
  const now = app.clock.now();
  const rows = Array.from({ length: 2600 }, (_, i) => {
    const data = normalise('PS_PSA_SINA', periodic({ ProtocolloDomanda: `MANY-${i}` })).data;
    return { id: randomUUID(), natural_key: `${String(data.CodiceFiscale)}|${String(data.CodicePrestazione)}|MANY-${i}`, cf: data.CodiceFiscale, code: data.CodicePrestazione, data };
  });
  await boundSqlOf((await sharedOrm()).em.fork())(
    `insert into siuss_record (id, tenant, tipo, natural_key, codice_fiscale, codice_prestazione, data, origin, status, errors, warnings, created_at, updated_at, version)
     select x.id, ?, 'PS_PSA_SINA', x.natural_key, x.cf, x.code, x.data, 'import', 'pronto', '[]', '[]', ?, ?, 1 from jsonb_to_recordset(?::jsonb) as x(id uuid, natural_key text, cf text, code text, data jsonb)`,
    [tenant, now, now, JSON.stringify(rows)],
  );
  const flows = await siuss.flows.generate(tenant, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE, maxBytes: 200_000 }, who);
  assert.ok(flows.length > 3, `${flows.length} flows`);
  assert.is(flows.reduce((n, f) => n + f.records, 0), rows.length);
  const [check] = await sql(
    `select count(*)::int as records,
            count(*) filter (where r.status = 'inviato' and r.version = 2 and r.last_flow_id = fr.flow_id and fr.snapshot = r.data)::int as exact,
            count(distinct fr.flow_id)::int as flows
     from siuss_record r join siuss_flow_record fr on fr.record_id = r.id where r.tenant = ?`,
    [tenant],
  );
  assert.equal(check, { records: rows.length, exact: rows.length, flows: flows.length });
  const [history] = await sql(
    `select count(*)::int as n, count(distinct h.id)::int as ids, count(*) filter (where h.note = 'flusso ' || f.id_flusso and h.action = 'sent')::int as exact
     from siuss_record_history h join siuss_record r on r.id = h.record_id join siuss_flow f on f.id = r.last_flow_id where r.tenant = ?`,
    [tenant],
  );
  assert.equal(history, { n: rows.length, ids: rows.length, exact: rows.length });
  for (const f of [flows[0]!, flows[flows.length - 1]!]) xmllint((await siuss.flows.xml(tenant, f.id)).xml, 'PS_PSA_SINA');
});

test.run();
