/**
 * Just enough PDF reading to check a generated document in tests: the
 * version header, the page count, the document title, and the text of each
 * page decoded through the fonts' ToUnicode maps (pdfkit writes text as glyph
 * ids of embedded subset fonts, so the words are not in the file as such).
 */
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

export interface PdfSummary {
  header: string;
  pageCount: number;
  title: string | null;
  /** Each page's text, one line per baseline. */
  pages: string[];
  /** All the text with whitespace collapsed, for phrase searches. */
  text: string;
}

export function readPdf(pdf: Buffer): PdfSummary {
  const objects = parseObjects(pdf);
  const pageObjects = [...objects.values()].filter((o) => /\/Type\s*\/Page(?![s\w])/.test(o.dict));
  const cmaps = new Map<number, Map<number, string>>();
  const cmapOf = (fontRef: number) => {
    let map = cmaps.get(fontRef);
    if (!map) {
      const font = objects.get(fontRef);
      const ref = font && /\/ToUnicode\s+(\d+)\s+0\s+R/.exec(font.dict);
      const stream = ref ? objects.get(Number(ref[1]))?.stream : null;
      map = stream ? parseCmap(stream.toString('latin1')) : new Map();
      cmaps.set(fontRef, map);
    }
    return map;
  };
  const pages = pageObjects.map((page) => {
    const resources = resolveDict(objects, page.dict, 'Resources');
    const fonts = new Map<string, number>();
    const fontBlock = /\/Font\s*<<([\s\S]*?)>>/.exec(resources);
    for (const m of fontBlock?.[1]?.matchAll(/\/(\w+)\s+(\d+)\s+0\s+R/g) ?? []) fonts.set(m[1]!, Number(m[2]));
    const contents = /\/Contents\s+(?:(\d+)\s+0\s+R|\[([^\]]*)\])/.exec(page.dict);
    const refs = contents?.[1] ? [Number(contents[1])] : [...(contents?.[2] ?? '').matchAll(/(\d+)\s+0\s+R/g)].map((m) => Number(m[1]));
    const program = refs.map((r) => objects.get(r)?.stream?.toString('latin1') ?? '').join('\n');
    return decodeText(program, (name) => cmapOf(fonts.get(name) ?? -1));
  });
  const titleRef = /\/Title\s+(\d+)\s+0\s+R/.exec(pdf.toString('latin1'));
  const titleSource = titleRef ? objects.get(Number(titleRef[1]))?.dict ?? '' : pdf.toString('latin1');
  const info = /\(((?:\\.|[^\\)])*)\)/.exec(titleRef ? titleSource : /\/Title\s*(\([\s\S]*)/.exec(titleSource)?.[1] ?? '');
  const text = pages.join('\n').replace(/\s+/g, ' ');
  return { header: pdf.subarray(0, 8).toString('latin1'), pageCount: pageObjects.length, title: info ? pdfString(unescapeLiteral(info[1]!)) : null, pages, text };
}

function parseObjects(pdf: Buffer): Map<number, PdfObject> {
  const latin = pdf.toString('latin1');
  const out = new Map<number, PdfObject>();
  const re = /(\d+)\s+0\s+obj\b/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(latin))) {
    const start = m.index + m[0].length;
    const end = latin.indexOf('endobj', start);
    if (end < 0) break;
    const body = latin.slice(start, end);
    const s = body.indexOf('stream');
    let stream: Buffer | null = null;
    let dict = body;
    if (s >= 0 && body.slice(0, s).includes('<<')) {
      dict = body.slice(0, s);
      const dataStart = start + s + 'stream'.length + (latin[start + s + 6] === '\r' ? 2 : 1);
      const dataEnd = latin.lastIndexOf('endstream', end);
      const raw = pdf.subarray(dataStart, dataEnd);
      stream = /\/FlateDecode/.test(dict) ? inflateSync(raw) : raw;
    }
    out.set(Number(m[1]), { dict, stream });
    re.lastIndex = end;
  }
  return out;
}

function resolveDict(objects: Map<number, PdfObject>, dict: string, key: string): string {
  const ref = new RegExp(`/${key}\\s+(\\d+)\\s+0\\s+R`).exec(dict);
  return ref ? objects.get(Number(ref[1]))?.dict ?? '' : dict;
}

function parseCmap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  // A target may hold several code units, e.g. <0066 0069> for the "fi" ligature.
  const hexToString = (hex: string) => String.fromCodePoint(...(hex.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const line of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F\s]+>)/g)) {
      const from = parseInt(line[1]!, 16);
      const to = parseInt(line[2]!, 16);
      const target = line[3]!;
      if (target.startsWith('[')) {
        [...target.matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach((t, i) => map.set(from + i, hexToString(t[1]!)));
      } else {
        const base = parseInt(target.slice(1, -1), 16);
        for (let c = from; c <= to; c++) map.set(c, String.fromCodePoint(base + c - from));
      }
    }
  }
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const line of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(line[1]!, 16), hexToString(line[2]!));
  }
  return map;
}

/**
 * Text shown by Tj/TJ. pdfmake writes one text object per word, placed with
 * Tm: words on the same baseline join into one line (table cells on one row
 * run together), a new baseline starts a new line.
 */
function decodeText(program: string, cmapFor: (font: string) => Map<number, string>): string {
  let cmap = new Map<number, string>();
  const lines: string[] = [];
  let line = '';
  let y: string | null = null;
  const token = /[\d.-]+\s+[\d.-]+\s+[\d.-]+\s+[\d.-]+\s+[\d.-]+\s+([\d.-]+)\s+Tm|\/(\w+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g;
  const decode = (hex: string) => (hex.match(/.{4}/g) ?? []).map((h) => cmap.get(parseInt(h, 16)) ?? '').join('');
  // Words carry their own trailing space; a word broken at "/" or "-" continues without one.
  const show = (text: string) => {
    line += text;
  };
  for (const m of program.matchAll(token)) {
    if (m[1] !== undefined) {
      if (y !== null && Math.abs(Number(m[1]) - Number(y)) > 1) {
        lines.push(line.trimEnd());
        line = '';
      }
      y = m[1];
    } else if (m[2]) cmap = cmapFor(m[2]);
    else if (m[3] !== undefined) show([...m[3].matchAll(/<([0-9a-fA-F]*)>/g)].map((part) => decode(part[1]!)).join(''));
    else if (m[4] !== undefined) show(decode(m[4]));
  }
  if (line) lines.push(line.trimEnd());
  return lines.join('\n');
}

/** A literal string that starts with the UTF-16BE byte-order mark is UTF-16. */
function pdfString(s: string): string {
  if (!s.startsWith('\u00fe\u00ff')) return s;
  return Buffer.from(s.slice(2), 'latin1').swap16().toString('utf16le');
}

function unescapeLiteral(s: string): string {
  return s.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' })[c] ?? String.fromCharCode(parseInt(c, 8)));
}
