/**
 * SIUSS import (issue 13): a CSV of `rows` benefit rows (BENCH_SIUSS_ROWS),
 * written streamed to a temporary file, imported through the same
 * ImportService and set-based register sink the API uses (chunks of 1,000
 * rows, one transaction each). Reports rows/s and the process's peak RSS
 * (and its RSS before the import), against two references measured in the
 * same run: reading and mapping the same file without the database (the
 * parser's own speed, a ceiling), and the row-by-row path (the register's
 * upsert, one transaction per row: the path before the set-based one) on the
 * first BENCH_SIUSS_REF_ROWS rows, into another comune.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { buildServices } from '../src/app-context.js';
import { ImportService } from '../src/siuss/import/import.service.js';
import { registerSink } from '../src/siuss/import/register-sink.js';
import { loadConfig } from '../src/config.js';
import { readRows } from '../src/siuss/import/readers.js';
import { applyMapping } from '../src/siuss/import/mapping.js';
import { cf, PS_CSV_MAPPING } from '../test/siuss/helpers.js';
import type { BenchDatabase } from './db.js';
import { benchLine, cpuMeter, MB } from './report.js';

const COMUNE = 'Z951';
const REFERENCE_COMUNE = 'Z952';

const MAPPING = PS_CSV_MAPPING;

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  // One beneficiary per row (distinct codici fiscali), as a comune's yearly export would have.
  const L = 'BCDFGHLMNPRSTVZ';
  const cfOf = (i: number) => {
    const first = `${L[i % 15]}${L[Math.floor(i / 15) % 15]}${L[Math.floor(i / 225) % 15]}MRA${String(40 + (Math.floor(i / 3375) % 60)).padStart(2, '0')}A${String(1 + (Math.floor(i / 202_500) % 28)).padStart(2, '0')}F205`;
    return cf(first);
  };
  out.write('cf;cognome;nome;anno;luogo;sesso;cittadinanza;comune;prestazione;protocollo;prova;dsu;carattere;inizio;fine;periodo;importo;presa\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${cfOf(i)};rossi;mario;1980;F205;1;IT;F205;A1.04;B-${i};1;INPS-ISEE-2026-0001;1;01/03/2026;31/08/2026;1;187,50;2\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

export async function runSiussImportBench(db: BenchDatabase, opts: { rows: number; referenceRows: number }): Promise<void> {
  console.log(`\n== siuss-import: CSV of ${opts.rows.toLocaleString('it-IT')} rows into the register ==`);
  const services = await buildServices({ ...loadConfig({ SEED_DEMO: 'false', JOB_EXECUTOR: 'false', CONNECTORS: 'false' }), databaseUrl: null }, { orm: db.orm });
  for (const code of [COMUNE, REFERENCE_COMUNE]) await db.orm.em.fork().getConnection().execute(`insert into tenant (code, name, calendar, created_at) values (?, ?, '{}', ?) on conflict (code) do nothing`, [code, `Comune bench SIUSS ${code}`, new Date()]);
  const file = path.join(os.tmpdir(), `rei-bench-siuss-${process.pid}.csv`);
  await writeCsv(file, opts.rows);
  const bytes = fs.statSync(file).size;
  console.log(`file: ${(bytes / MB).toFixed(1)} MB`);

  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const copy = `${file}.import`;
  fs.copyFileSync(file, copy); // the service removes its file when done
  const cpu = cpuMeter();
  let t = performance.now();
  const { id, done } = await services.siussImports.start({ tenant: COMUNE, user: 'bench', fileName: 'bench.csv', filePath: copy, bytes, format: 'csv', mapping: MAPPING, mappingName: null });
  await done;
  const seconds = (performance.now() - t) / 1000;
  const used = cpu.stop();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const report = await services.siussImports.get(COMUNE, id, { limit: 1 });
  // References after the import, so that its RSS is not the references' heap.
  // Reference: the same file read and mapped, no database.
  t = performance.now();
  let parsed = 0;
  for await (const row of readRows(file, { format: 'csv' })) {
    applyMapping(MAPPING, row);
    parsed++;
  }
  const parseRate = parsed / ((performance.now() - t) / 1000);

  // Reference: the row-by-row path on the first rows of the same file, into another comune.
  const refFile = `${file}.ref`;
  {
    const out = fs.createWriteStream(refFile);
    let n = -1;
    for await (const line of (await import('node:readline')).createInterface({ input: fs.createReadStream(file) })) {
      if (n++ >= opts.referenceRows) break;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  const rowByRow = new ImportService(db.orm, services.clock, registerSink(services.siuss.register, services.clock, { rowByRow: true }));
  t = performance.now();
  const ref = await rowByRow.start({ tenant: REFERENCE_COMUNE, user: 'bench', fileName: 'ref.csv', filePath: refFile, bytes: fs.statSync(refFile).size, format: 'csv', mapping: MAPPING, mappingName: null });
  await ref.done;
  const refRate = (await rowByRow.get(REFERENCE_COMUNE, ref.id, { limit: 1 })).progress.rowsRead / ((performance.now() - t) / 1000);

  fs.rmSync(file, { force: true });
  const rate = report.progress.rowsRead / seconds;
  console.log(`imported ${report.counts.imported}, merged ${report.counts.merged}, refused ${report.counts.refused} in ${seconds.toFixed(1)} s (status ${report.status}); parse only: ${parseRate.toFixed(0)} rows/s; row by row (${opts.referenceRows} rows): ${refRate.toFixed(0)} rows/s; RSS before the import ${(before / MB).toFixed(0)} MB`);
  if (used) {
    // What bounds the rate on this machine: CPU per row of this process (read, normalise, check, build the
    // statements) and of the rest of the machine (PostgreSQL: parse, insert, indexes, WAL), against its cores.
    const nodeUs = (used.processMs * 1000) / report.progress.rowsRead;
    const othersUs = (used.othersMs * 1000) / report.progress.rowsRead;
    const ceiling = (os.cpus().length * 1_000_000) / (nodeUs + othersUs);
    console.log(`CPU per row: this process ${nodeUs.toFixed(0)} µs, rest of the machine (database) ${othersUs.toFixed(0)} µs → at most ${ceiling.toFixed(0)} rows/s with all ${os.cpus().length} cores busy`);
  }
  benchLine('siuss-import-rows-per-s', rate, 'rows/s', rate / 10_000, 'goal 10000 rows/s');
  benchLine('siuss-import-vs-parse', rate, 'rows/s', rate / parseRate, `parse only ${parseRate.toFixed(0)} rows/s`);
  benchLine('siuss-import-vs-row-by-row', rate, 'rows/s', rate / refRate, `row by row ${refRate.toFixed(0)} rows/s`);
  benchLine('siuss-import-peak-rss', peak / MB, 'MB', peak / (300 * MB), 'goal < 300 MB');
}
