/**
 * Streaming readers of the files comuni export from their other software:
 * CSV (any delimiter, UTF-8 or Windows-1252), XLSX (first or named sheet) and
 * fixed-width TXT. Each yields one row at a time with its line number, so an
 * import of a million rows never holds the file in memory.
 *
 * Packages: csv-parse (the CSV parser of the csv project, RFC 4180 quoting,
 * streaming), iconv-lite (Windows-1252 decoding as a stream), exceljs
 * (its streaming WorkbookReader reads an XLSX row by row; loaded on the first XLSX import, not at start-up).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import iconv from 'iconv-lite';
import { DomainError } from '../../shared/errors.js';
import { memoised } from '../../shared/memoise.js';

export type ImportFormat = 'csv' | 'xlsx' | 'txt';
export type ImportEncoding = 'utf-8' | 'windows-1252';

/** One row of the file: its line (CSV/TXT) or row number (XLSX), and its cells by column. */
export interface SourceRow {
  line: number;
  /** Cells by header name (when the file has a header) and always by 1-based column number ("1", "2", …). */
  cells: Map<string, string>;
  /** The raw line (TXT only): fixed-width fields are cut from it. */
  raw?: string;
}

export interface ReaderOptions {
  format: ImportFormat;
  encoding?: ImportEncoding | 'auto';
  /** CSV: the delimiter, or undefined to detect it from the first line (; , tab |). */
  delimiter?: string;
  /** CSV/XLSX: whether the first row names the columns (default true). */
  header?: boolean;
  /** Lines (rows) to skip before the header or the data. */
  skipLines?: number;
  /** XLSX: the sheet by name or 1-based position (default the first). */
  sheet?: string | number;
  /** Told the bytes of the file read so far (progress). */
  onBytes?: (bytesRead: number) => void;
}

export class ImportFileError extends DomainError {
  constructor(message: string, code = 'IMPORT_FILE_INVALID') {
    super(code, message, 422);
  }
}

/** Format from the file name, when the mapping does not say. */
export function formatFromName(name: string): ImportFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'txt' || ext === 'dat') return 'txt';
  return null;
}

/**
 * UTF-8 when the whole file decodes as UTF-8 (one streamed pass, constant
 * memory), otherwise Windows-1252: a Windows-1252 file with any accented
 * letter is never valid UTF-8, and a pure-ASCII file reads the same in both.
 */
export async function detectEncoding(file: string): Promise<ImportEncoding> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // One buffer read into again and again: a large file does not leave a trail of chunks for the collector.
  const handle = await fs.promises.open(file, 'r');
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (!bytesRead) break;
      decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
    }
    decoder.decode();
    return 'utf-8';
  } catch {
    return 'windows-1252';
  } finally {
    await handle.close();
  }
}

/** The delimiter of a CSV header line: the candidate seen most often outside quotes. */
export function detectDelimiter(line: string): string {
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ';';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Bytes read at a time from an imported file. */
const READ_CHUNK = 1 << 18;

function countedStream(file: string, onBytes?: (n: number) => void): fs.ReadStream {
  const raw = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
  if (onBytes) raw.on('data', () => onBytes(raw.bytesRead));
  return raw;
}

/** The file as text lines, decoded (BOM dropped). */
function textStream(file: string, encoding: ImportEncoding, onBytes?: (n: number) => void): NodeJS.ReadableStream {
  const raw = countedStream(file, onBytes);
  return raw.pipe(iconv.decodeStream(encoding, { stripBOM: true }));
}

async function firstLine(file: string, encoding: ImportEncoding): Promise<string> {
  const raw = countedStream(file);
  const rl = readline.createInterface({ input: raw.pipe(iconv.decodeStream(encoding, { stripBOM: true })), crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line.trim() !== '') return line;
    return '';
  } finally {
    rl.close();
    raw.destroy(); // the rest of the file is not needed
  }
}

function rowFromValues(line: number, values: string[], header: string[] | null): SourceRow {
  const cells = new Map<string, string>();
  values.forEach((v, i) => {
    cells.set(String(i + 1), v);
    const name = header?.[i];
    if (name) cells.set(name, v);
  });
  return { line, cells };
}

/** Header cells compared without case, accents or spacing differences (memoised: mappings ask for the same few names on every row). */
export const headerKey = memoised((name: string): string => name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase().replace(/\s+/g, ' '), 10_000);

async function* csvRows(file: string, opts: ReaderOptions, encoding: ImportEncoding): AsyncGenerator<SourceRow> {
  const delimiter = opts.delimiter ?? detectDelimiter(await firstLine(file, encoding));
  const parser = textStream(file, encoding, opts.onBytes).pipe(
    parseCsv({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, from_line: (opts.skipLines ?? 0) + 1, trim: true, info: true }),
  );
  let header: string[] | null = null;
  const wantHeader = opts.header !== false;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (wantHeader && !header) {
        header = rec.record.map(headerKey);
        continue;
      }
      yield rowFromValues(rec.info.lines, rec.record, header);
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new ImportFileError(`File CSV non leggibile: ${(err as Error).message}`);
  }
}

async function* txtRows(file: string, opts: ReaderOptions, encoding: ImportEncoding): AsyncGenerator<SourceRow> {
  const rl = readline.createInterface({ input: textStream(file, encoding, opts.onBytes), crlfDelay: Infinity });
  let line = 0;
  const skip = opts.skipLines ?? 0;
  try {
    for await (const text of rl) {
      line++;
      if (line <= skip || text.trim() === '') continue;
      yield { line, cells: new Map(), raw: text };
    }
  } finally {
    rl.close();
  }
}

/** A cell of exceljs as text: dates as YYYY-MM-DD, formulas by their result, rich text joined. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object') {
    const o = v as { result?: unknown; richText?: Array<{ text: string }>; text?: unknown; error?: string };
    if ('result' in o) return cellText(o.result);
    if (Array.isArray(o.richText)) return o.richText.map((t) => t.text).join('').trim();
    if ('text' in o) return cellText(o.text);
  }
  return '';
}

async function* xlsxRows(file: string, opts: ReaderOptions): AsyncGenerator<SourceRow> {
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(countedStream(file, opts.onBytes), { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' });
  let position = 0;
  let header: string[] | null = null;
  const wantHeader = opts.header !== false;
  const skip = opts.skipLines ?? 0;
  try {
    for await (const sheet of reader) {
      position++;
      const name = (sheet as unknown as { name?: string }).name;
      const wanted = opts.sheet === undefined ? position === 1 : typeof opts.sheet === 'number' ? opts.sheet === position : headerKey(opts.sheet) === headerKey(name ?? '');
      if (!wanted) {
        for await (const _row of sheet) void _row; // entries are read in order: drain the sheet
        continue;
      }
      for await (const row of sheet) {
        if (row.number <= skip) continue;
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (values.every((v) => v === '')) continue;
        if (wantHeader && !header) {
          header = values.map(headerKey);
          continue;
        }
        yield rowFromValues(row.number, values, header);
      }
      return;
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new ImportFileError(`File XLSX non leggibile: ${(err as Error).message}`);
  }
  throw new ImportFileError(opts.sheet === undefined ? 'Il file XLSX non contiene fogli' : `Foglio ${String(opts.sheet)} non trovato nel file XLSX`, 'IMPORT_SHEET_NOT_FOUND');
}

/** The rows of `file`, streamed. */
export async function* readRows(file: string, opts: ReaderOptions): AsyncGenerator<SourceRow> {
  if (opts.format === 'xlsx') {
    yield* xlsxRows(file, opts);
    return;
  }
  const encoding = !opts.encoding || opts.encoding === 'auto' ? await detectEncoding(file) : opts.encoding;
  if (opts.format === 'csv') yield* csvRows(file, opts, encoding);
  else yield* txtRows(file, opts, encoding);
}
