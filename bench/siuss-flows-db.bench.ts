/**
 * siuss-flows on the database: BENCH_SIUSS_DB_RECORDS `pronto` records of one
 * comune (a third with the SINA block), loaded set-based, then the product's
 * SiussFlowService.generate (keyset pages of records, XML written as strings,
 * flows and their snapshots stored, records → inviato with their history;
 * one transaction). Reports records/s and peak RSS (goal ≥ 20,000 records/s,
 * < 300 MB) against `xmllint --stream --schema` on the flows it stored, in the
 * same run (every flow must validate).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildServices } from '../src/app-context.js';
import { loadConfig } from '../src/config.js';
import { boundSqlOf } from '../src/siuss/register.service.js';
import type { RecordData } from '../src/siuss/types.js';
import type { BenchDatabase } from './db.js';
import { benchLine, mb } from './report.js';
import { lint, sampleData, syntheticCf } from './siuss-flows.bench.js';

/** The whole generation path on the database: records loaded, then SiussFlowService.generate, then xmllint on what it stored. */
export async function runSiussFlowsDbBench(db: BenchDatabase, opts: { records: number }): Promise<void> {
  const COMUNE = 'Z953';
  console.log(`\n== siuss-flows (database): ${opts.records.toLocaleString('it-IT')} pronto records → flows ==`);
  const services = await buildServices({ ...loadConfig({ SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm: db.orm });
  const em = db.orm.em.fork();
  const sql = boundSqlOf(em);
  await sql(`insert into tenant (code, name, calendar, created_at) values (?, ?, '{}', ?) on conflict (code) do nothing`, [COMUNE, 'Comune bench SIUSS flussi', new Date()]);
  const { base, sina } = sampleData();
  const now = new Date();
  for (let i = 0; i < opts.records; i += 5000) {
    const chunk: Array<Record<string, unknown>> = [];
    for (let j = i; j < Math.min(opts.records, i + 5000); j++) {
      const cf = syntheticCf(j);
      const data: RecordData = { ...(j % 3 === 0 ? sina : base), CodiceFiscale: cf, ProtocolloDomanda: `B-${j}` };
      chunk.push({ id: randomUUID(), natural_key: `${cf}|${String(data.CodicePrestazione)}|B-${j}`, cf, code: data.CodicePrestazione, data });
    }
    await sql(
      `insert into siuss_record (id, tenant, tipo, natural_key, codice_fiscale, codice_prestazione, data, origin, status, errors, warnings, created_at, updated_at, version)
       select x.id, ?, 'PS_PSA_SINA', x.natural_key, x.cf, x.code, x.data, 'import', 'pronto', '[]', '[]', ?, ?, 1 from jsonb_to_recordset(?::jsonb) as x(id uuid, natural_key text, cf text, code text, data jsonb)`,
      [COMUNE, now, now, JSON.stringify(chunk)],
    );
  }
  await sql('analyze siuss_record');

  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  let peakRss = before;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let flows;
  try {
    flows = await services.siuss.flows.generate(COMUNE, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: syntheticCf(424242) }, { kind: 'manual', actor: 'bench' });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const records = flows.reduce((n, f) => n + f.records, 0);
  const rate = records / seconds;
  console.log(`generate: ${records} records → ${flows.length} flows in ${seconds.toFixed(1)} s; peak RSS ${mb(peakRss)} MB (before ${mb(before)} MB)`);

  // Reference: xmllint on the stored flows, written out one at a time.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siuss-bench-db-'));
  const files: string[] = [];
  for (const f of flows) {
    const { xml } = await services.siuss.flows.xml(COMUNE, f.id);
    const file = path.join(dir, `${f.idFlusso}.xml`);
    fs.writeFileSync(file, xml);
    files.push(file);
  }
  const lintResult = lint(files, records);
  fs.rmSync(dir, { recursive: true, force: true });
  if (lintResult.invalid) throw new Error(`siuss-flows (database): ${lintResult.invalid} stored flow(s) do not validate`);
  console.log(`xmllint --stream --schema: ${files.length} files in ${lintResult.seconds.toFixed(1)} s`);
  benchLine('siuss-flows-db-generation', rate, 'records/s', rate / lintResult.rate, `xmllint --stream --schema ${lintResult.rate.toFixed(0)} records/s`);
  benchLine('siuss-flows-db-generation-vs-goal', rate, 'records/s', rate / 20_000, 'goal 20000 records/s');
  benchLine('siuss-flows-db-peak-rss', peakRss / (1024 * 1024), 'MB', peakRss / (300 * 1024 * 1024), 'goal < 300 MB');
}
