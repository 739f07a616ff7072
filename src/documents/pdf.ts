/**
 * The PDF of a document, laid out from its rendered HTML without a browser:
 * jsdom parses the page, html-to-pdfmake turns the body into a pdfmake
 * document definition (CSS classes become pdfmake styles, defined below to
 * match the print stylesheet), and pdfmake 0.2's server-side PdfPrinter
 * writes an A4 PDF with the Roboto fonts bundled in pdfmake/build/vfs_fonts.js.
 */
import { createRequire } from 'node:module';
import type { JSDOM as JSDOMClass } from 'jsdom';
import type { Content, TDocumentDefinitions, StyleDictionary } from 'pdfmake/interfaces.js';

const require = createRequire(import.meta.url);

interface PdfKitDocument {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  end(): void;
}
type FontDescriptors = Record<string, { normal: Buffer; bold: Buffer; italics: Buffer; bolditalics: Buffer }>;
interface PdfPrinterClass {
  new (fonts: FontDescriptors): { createPdfKitDocument(doc: TDocumentDefinitions): PdfKitDocument };
}
interface ConvertedNode {
  nodeName?: string;
  style?: string[];
  [key: string]: unknown;
}
type HtmlToPdfmake = (html: string, options: Record<string, unknown>) => Content;

/**
 * pdfmake 0.2's Node entry point (src/printer.js; its published types describe
 * 0.3's browser API), html-to-pdfmake and jsdom: loaded on the first PDF, not
 * at start-up (together they are most of the server's import time).
 */
let libs: { PdfPrinter: PdfPrinterClass; htmlToPdfmake: HtmlToPdfmake; JSDOM: typeof JSDOMClass } | null = null;
function pdfLibs() {
  libs ??= {
    PdfPrinter: require('pdfmake') as PdfPrinterClass,
    htmlToPdfmake: require('html-to-pdfmake') as HtmlToPdfmake,
    JSDOM: (require('jsdom') as { JSDOM: typeof JSDOMClass }).JSDOM,
  };
  return libs;
}

let printer: InstanceType<PdfPrinterClass> | null = null;
function getPrinter(): InstanceType<PdfPrinterClass> {
  if (!printer) {
    const vfs = require('pdfmake/build/vfs_fonts.js') as Record<string, string>;
    const font = (file: string) => Buffer.from(vfs[file]!, 'base64');
    printer = new (pdfLibs().PdfPrinter)({ Roboto: { normal: font('Roboto-Regular.ttf'), bold: font('Roboto-Medium.ttf'), italics: font('Roboto-Italic.ttf'), bolditalics: font('Roboto-MediumItalic.ttf') } });
  }
  return printer;
}

const BLUE = '#0066cc';

/**
 * Element defaults (inline in the converted nodes, so kept small: the class styles below do the rest).
 * Headings carry the sizes of the print stylesheet (h1 16pt, h2 12pt, h3 10.5pt): html-to-pdfmake's own
 * defaults (24/22/20pt) would otherwise win over the class styles, inline properties being stronger.
 */
const ELEMENT_DEFAULTS = {
  h1: { bold: true, fontSize: 16 },
  h2: { bold: true, fontSize: 12 },
  h3: { bold: true, fontSize: 10.5 },
  p: {},
  div: {},
  ol: { margin: [12, 2, 0, 6] },
  ul: { margin: [12, 2, 0, 6] },
  table: { marginBottom: 6 },
  th: { bold: true, fillColor: '#e8eef5' },
  a: { color: BLUE },
};

/**
 * The print stylesheet (templates/partials/stili.hbs) translated to pdfmake
 * styles, keyed by CSS class. html-to-pdfmake hands a node's classes down to
 * every descendant, so these hold only properties that inherit anyway (font,
 * colour, alignment); box margins are in MARGINS, set on the element itself.
 */
const STYLES: StyleDictionary = {
  intestazione: { alignment: 'center' },
  ente: { fontSize: 15, bold: true, color: BLUE },
  servizio: { fontSize: 10 },
  recapiti: { fontSize: 8.5, color: '#555555' },
  riferimenti: { fontSize: 9, color: '#333333' },
  'riferimenti-dx': { alignment: 'right' },
  'titolo-documento': { fontSize: 16, alignment: 'center' },
  sottotitolo: { fontSize: 9.5, alignment: 'center', color: '#444444' },
  sezione: { fontSize: 12, color: BLUE },
  area: { fontSize: 10.5 },
  nota: { fontSize: 8.5, italics: true, color: '#555555' },
  vuoto: { italics: true, color: '#666666' },
  tabella: { fontSize: 9.5 },
  'firma-ruolo': { bold: true, fontSize: 9.5 },
  'firma-linea': { fontSize: 8, color: '#555555' },
  'firma-stampa': { alignment: 'center' },
  procedimento: { fontSize: 9, color: '#333333' },
};

type Margin = [number, number, number, number];
const PARAGRAPH: Margin = [0, 2, 0, 6];
/** Margins of the element carrying the class (first match wins); other paragraphs get PARAGRAPH. */
const MARGINS: Record<string, Margin> = {
  intestazione: [0, 0, 0, 6],
  ente: [0, 0, 0, 1],
  servizio: [0, 0, 0, 1],
  recapiti: [0, 0, 0, 1],
  riferimenti: [0, 8, 0, 14],
  destinatario: [260, 0, 0, 16],
  'titolo-documento': [0, 4, 0, 2],
  sottotitolo: [0, 0, 0, 10],
  sezione: [0, 12, 0, 4],
  area: [0, 6, 0, 3],
  oggetto: [0, 0, 0, 10],
  evidenza: [12, 4, 0, 8],
  firme: [0, 24, 0, 0],
  'firma-ufficio': [0, 20, 0, 0],
  procedimento: [0, 14, 0, 0],
  'firma-nome-stampa': [0, 2, 0, 2],
  riga: [0, 0, 0, 1],
  'firma-ruolo': [0, 0, 0, 2],
  'firma-nome': [0, 0, 0, 30],
  'firma-linea': [0, 0, 0, 0],
};

export interface PdfMeta {
  title: string;
  author: string;
  subject?: string;
  createdAt: Date;
}

/** A4 PDF of a rendered document. */
export async function htmlToPdf(html: string, meta: PdfMeta): Promise<Buffer> {
  return print(pdfDefinition(html, meta));
}

/** The pdfmake document definition of a rendered document (exported for tests of the layout). */
export function pdfDefinition(html: string, meta: PdfMeta): TDocumentDefinitions {
  const dom = new (pdfLibs().JSDOM)(html);
  try {
    const { document } = dom.window;
    document.querySelectorAll('style, script, head, link, meta, title').forEach((el) => el.remove());
    const root = document.querySelector('.pagina') ?? document.body;
    const content = keepHeadingsWithNext(pdfLibs().htmlToPdfmake(root.innerHTML, { window: dom.window, removeExtraBlanks: true, defaultStyles: ELEMENT_DEFAULTS, customTag: layoutTag }));
    return {
      pageSize: 'A4',
      pageMargins: [51, 48, 51, 56],
      info: { title: meta.title, author: meta.author, subject: meta.subject ?? meta.title, creator: 'rei-engine', producer: 'rei-engine (pdfmake)', creationDate: meta.createdAt, modDate: meta.createdAt },
      defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1.2 },
      styles: STYLES,
      content,
      footer: (page: number, pages: number) => ({ text: `${meta.title} – pagina ${page} di ${pages}`, alignment: 'center', fontSize: 8, color: '#666666', margin: [0, 18, 0, 0] }),
    };
  } finally {
    dom.window.close();
  }
}

interface ConvertedElement {
  nodeName: string;
  classList?: { contains(c: string): boolean };
}

/**
 * Margins by class (see MARGINS); headings marked to stay with what follows (see keepHeadingsWithNext);
 * a signature block (<div class="blocco-firma">) never split across pages; the letterhead logo sized;
 * a signature box (<div class="firma">) drawn as a bordered one-cell table.
 */
function layoutTag({ element, ret }: { element: ConvertedElement; ret: ConvertedNode }): ConvertedNode {
  const own = Object.keys(MARGINS).find((c) => element.classList?.contains(c));
  if (own) ret.margin = MARGINS[own];
  else if (element.nodeName === 'P') ret.margin = PARAGRAPH;
  if (element.nodeName === 'H2' || element.nodeName === 'H3') ret.keepWithNext = true;
  if (element.nodeName === 'DIV' && element.classList?.contains('blocco-firma')) ret.unbreakable = true;
  if (element.nodeName === 'IMG' && element.classList?.contains('logo')) {
    ret.alignment = 'center';
    ret.margin = [0, 0, 0, 4];
  }
  if (element.nodeName === 'DIV' && element.classList?.contains('firma')) {
    return { nodeName: 'DIV', table: { widths: ['*'], body: [[{ stack: ret.stack ?? [ret.text ?? ''], margin: [4, 4, 4, 4] }]] }, layout: { hLineColor: () => '#9999aa', vLineColor: () => '#9999aa' } };
  }
  return ret;
}

/**
 * Keeps every heading (h2, h3) on the page of what follows it: a heading and its next non-blank
 * sibling become one unbreakable stack (chained, so "h2, h3, table" stays together). pdfmake still
 * splits a block taller than a page.
 */
function keepHeadingsWithNext(content: Content): Content {
  if (!Array.isArray(content)) return content;
  const nodes = (content as unknown as ConvertedNode[]).filter((n) => !isBlank(n)).map((n) => (Array.isArray(n.stack) ? { ...n, stack: keepHeadingsWithNext(n.stack as Content) } : n));
  for (let i = nodes.length - 2; i >= 0; i--) {
    if (nodes[i]!.keepWithNext === true) nodes.splice(i, 2, { stack: [withoutFlag(nodes[i]!), nodes[i + 1]!], unbreakable: true });
  }
  return nodes as unknown as Content;
}

function isBlank(node: unknown): boolean {
  return (typeof node === 'string' && node.trim() === '') || (typeof node === 'object' && node !== null && Object.keys(node).length <= 2 && typeof (node as ConvertedNode).text === 'string' && ((node as ConvertedNode).text as string).trim() === '');
}

function withoutFlag(node: ConvertedNode): ConvertedNode {
  const { keepWithNext: _flag, ...rest } = node;
  return rest;
}

function print(definition: TDocumentDefinitions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = getPrinter().createPdfKitDocument(definition);
    const chunks: Buffer[] = [];
    doc.on('data', (chunk) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}
