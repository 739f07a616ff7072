/**
 * siuss-flows: streamed generation of SIUSS PS-PSA-SINA file flows for
 * BENCH_SIUSS_RECORDS records (default 1,000,000; a third with the SINA
 * block), through the same writer the flow service uses (src/siuss/xml-writer.ts),
 * each flow written to a temporary directory as it is finished. Reports
 * records/s and peak RSS (goal ≥ 20,000 records/s, < 300 MB), then runs
 * `xmllint --stream --schema` on every generated file in the same run as the
 * reference (its records/s, and every file must validate).
 * The whole path on the database is bench/siuss-flows-db.bench.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SCHEMA_FILES, normalise, writeFlows, flowId, type FlowEntry, type RecordData } from '../src/siuss/index.js';
import { benchLine, mb } from './report.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** A codice fiscale with a correct check character (REI.md §9), different for each n. */
export function syntheticCf(n: number): string {
  let s = '';
  let k = n;
  for (let i = 0; i < 6; i++) {
    s += LETTERS[k % 26];
    k = Math.floor(k / 26);
  }
  const first15 = `${s}${String(50 + (n % 50)).padStart(2, '0')}A${String(1 + (n % 28)).padStart(2, '0')}F205`;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15[i]!;
    const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? ODD[v]! : v;
  }
  return first15 + LETTERS[sum % 26];
}

function* records(count: number, base: RecordData, sina: RecordData): Generator<FlowEntry> {
  for (let i = 0; i < count; i++) {
    const data: RecordData = { ...(i % 3 === 0 ? sina : base), CodiceFiscale: syntheticCf(i), ProtocolloDomanda: `B-${i}` };
    yield { recordId: String(i), operation: 'I', data };
  }
}

export function sampleData(): { base: RecordData; sina: RecordData } {
  const base = normalise('PS_PSA_SINA', {
    Cognome: 'Rossi', Nome: 'Mario', AnnoNascita: '1980', LuogoNascita: 'F205', Genere: '1', CodiceCittadinanza: '380', CodiceComune: 'F205',
    CodicePrestazione: 'A1.04', PresenzaProvaMezzi: '1', CaratterePrestazione: '1', DataInizioPrestazione: '2026-01-01', DataFinePrestazione: '2026-12-31',
    PeriodoErogazione: '1', ImportoMensile: '187.5', PresaCarico: '2', AreaUtenza: '3',
  }).data;
  const sina = normalise('PS_PSA_SINA', {
    ...base, CodicePrestazione: 'A2.07', CaratterePrestazione: '2', DataInizioPrestazione: '', DataFinePrestazione: '', PeriodoErogazione: '', ImportoMensile: '',
    DataErogazionePrestazione: '2026-03-15', ImportoPrestazione: '300', PresaCarico: '1', AreaUtenza: '2', Mobilita: '2', AttivitaVitaQuotidiana: '2',
    DisturbiComportamentali: '1', AreaReddituale: '3', AreaSupporto: '2', FonteDerivazioneValutazione: '2', StrumentoValutazione: '7', NecessitaInterventiSociali: ['A2.07'],
  }).data;
  return { base, sina };
}

/** Runs xmllint --stream --schema on each file: records/s over `records`, invalid files, its peak RSS per file. */
export function lint(files: string[], records: number): { rate: number; invalid: number; peak: number; seconds: number } {
  const t1 = performance.now();
  let invalid = 0;
  let peak = 0;
  for (const file of files) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'xmllint', '--noout', '--stream', '--schema', SCHEMA_FILES.PS_PSA_SINA, file], { encoding: 'utf8' });
    if (r.error) {
      const plain = spawnSync('xmllint', ['--noout', '--stream', '--schema', SCHEMA_FILES.PS_PSA_SINA, file], { encoding: 'utf8' });
      if (plain.status !== 0) invalid++;
      continue;
    }
    if (r.status !== 0) {
      invalid++;
      if (invalid === 1) console.log(r.stderr.split('\n').slice(0, 5).join('\n'));
    }
    const kb = Number(/(\d+)\s*$/.exec(r.stderr.trim())?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  }
  const seconds = (performance.now() - t1) / 1000;
  return { rate: records / seconds, invalid, peak, seconds };
}

export async function runSiussFlowsBench(opts: { records: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siuss-bench-'));
  const { base, sina } = sampleData();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const files: string[] = [];
  let progressive = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    await writeFlows('PS_PSA_SINA', 'file', records(opts.records, base, sina), {
      ente: { codice: 'F205', denominazione: 'Comune di Milano', indirizzo: 'F205', cfOperatore: syntheticCf(424242) },
      nextId: () => flowId('F205', 'PS_PSA_SINA', '2026-12-03', ++progressive),
      emit: (doc) => {
        const file = path.join(dir, `${doc.idFlusso}.xml`);
        fs.writeFileSync(file, doc.xml);
        bytes += doc.xml.length;
        files.push(file);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const genMs = performance.now() - t0;
  const genRate = opts.records / (genMs / 1000);
  console.log(`\nsiuss-flows: ${opts.records} records → ${files.length} files, ${mb(bytes)} MB of XML in ${(genMs / 1000).toFixed(1)} s; peak RSS ${mb(peakRss)} MB`);

  // Reference: xmllint --stream --schema over the same files (in the same run).
  const { rate: lintRate, invalid, peak: lintPeak, seconds: lintSeconds } = lint(files, opts.records);
  console.log(`xmllint --stream --schema: ${files.length} files in ${lintSeconds.toFixed(1)} s, ${invalid} invalid${lintPeak ? `, peak RSS ${mb(lintPeak)} MB per file` : ''}`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (invalid) throw new Error(`siuss-flows: ${invalid} generated file(s) do not validate against PS_PSA_SINA201812.xsd`);
  benchLine('siuss-flows-generation', genRate, 'records/s', genRate / lintRate, 'xmllint --stream --schema');
  benchLine('siuss-flows-generation-vs-goal', genRate, 'records/s', genRate / 20_000, 'goal 20000 records/s');
  benchLine('siuss-flows-peak-rss', peakRss / (1024 * 1024), 'MB', peakRss / (300 * 1024 * 1024), 'goal < 300 MB');
  benchLine('siuss-flows-xmllint', lintRate, 'records/s', 1, 'xmllint --stream --schema');
}
