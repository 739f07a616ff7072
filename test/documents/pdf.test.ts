/**
 * PDFs from the rendered HTML (jsdom + html-to-pdfmake + pdfmake, no
 * browser): each document is a valid A4 PDF whose title and text can be read
 * back, with the Italian characters and the comune's letterhead intact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { TemplateCatalog } from '../../src/documents/template-catalog.js';
import { DocumentService } from '../../src/documents/document.service.js';
import { htmlToPdf } from '../../src/documents/pdf.js';
import type { DocumentType } from '../../src/documents/kinds.js';
import type { Orm } from '../../src/db/orm.js';
import { sampleVariables } from './fixtures.js';
import { readPdf } from './pdf-text.js';

const NOW = new Date('2026-03-02T08:00:00.000Z');
const docs = new DocumentService(null as unknown as Orm, TemplateCatalog.load(path.resolve('templates')), { now: () => NOW });
const MILANO = { code: 'F205', name: 'Comune di Milano' };
const vars = sampleVariables({
  motiviRigetto: ['ISEE superiore alla soglia di 6.000 €'],
  origineRigetto: 'comune',
  convocazione: { dataOra: '2026-03-04T10:30:00+01:00', luogo: 'Via Sammartini 75, Milano', motivo: 'Verifica del progetto', componente: 'Mario Rossi' },
  ultimaSanzione: { tipo: 'riduzione_quarto', evento: 'mancata_presentazione', data: '2026-03-01' },
});

const made = new Map<DocumentType, Promise<{ pdf: Buffer; read: ReturnType<typeof readPdf>; title: string }>>();
function pdfOf(type: DocumentType) {
  let p = made.get(type);
  if (!p) {
    const r = docs.render(MILANO, type, vars);
    p = htmlToPdf(r.html, { title: r.title, author: MILANO.name, createdAt: NOW }).then((pdf) => ({ pdf, read: readPdf(pdf), title: r.title }));
    made.set(type, p);
  }
  return p;
}

const EXPECTED: Record<DocumentType, string[]> = {
  progetto: ['Progetto personalizzato', 'Inclusione lavorativa', 'Tirocinio di inclusione', 'Impegni del nucleo familiare (condizionalità)', 'Dott.ssa Giulia Verdi', '€ 187,50'],
  rigetto: ['comunicazione di rigetto della domanda', 'ISEE superiore alla soglia di 6.000 €', 'Come chiedere il riesame', '30 giorni'],
  convocazione: ['mercoledì 4 marzo 2026, ore 10:30', 'Via Sammartini 75, Milano', 'Verifica del progetto'],
  sanzione: ['decurtazione di un quarto di una mensilità del beneficio', '€ 46,88', 'art. 12 del D.Lgs. 147/2017'],
};

for (const type of Object.keys(EXPECTED) as DocumentType[]) {
  test(`${type}: a valid PDF with its title and readable Italian text`, async () => {
    const { pdf, read, title } = await pdfOf(type);
    assert.is(read.header.slice(0, 5), '%PDF-');
    assert.ok(pdf.subarray(-8).toString('latin1').includes('%%EOF'), 'ends with %%EOF');
    assert.ok(/\/MediaBox \[0 0 595\.28 841\.89\]/.test(pdf.toString('latin1')), 'A4 pages');
    assert.ok(read.pageCount >= 1 && read.pageCount <= 4, `page count ${read.pageCount}`);
    assert.is(read.title, title);
    assert.ok(read.text.includes('Comune di Milano'), 'letterhead');
    assert.ok(read.text.includes('Politiche Sociali – Area Inclusione'), 'Milano override in the PDF too');
    assert.ok(read.text.includes('Rif. domanda prot. n. REI-2026-000123 del 16 febbraio 2026'));
    for (const text of EXPECTED[type]) assert.ok(read.text.includes(text), `${type}: "${text}" not in the PDF text:\n${read.text.slice(0, 2000)}`);
    assert.ok(read.text.includes(`${title} – pagina 1 di ${read.pageCount}`), 'page footer');
  });
}

test('letters fit on one page; the project has the signature boxes on its last page', async () => {
  for (const type of ['rigetto', 'convocazione', 'sanzione'] as const) assert.is((await pdfOf(type)).read.pageCount, 1, type);
  const { read } = await pdfOf('progetto');
  const last = read.pages[read.pages.length - 1]!;
  assert.ok(last.includes('Il/La richiedente, per il nucleo familiare'), last);
  assert.ok(last.includes('Firma'));
});

test('escaped user data reaches the PDF as text, not markup', async () => {
  const r = docs.render(MILANO, 'rigetto', sampleVariables({ motiviRigetto: ['Reddito <b>alto</b> & altro'] }));
  const read = readPdf(await htmlToPdf(r.html, { title: r.title, author: MILANO.name, createdAt: NOW }));
  assert.ok(read.text.includes('Reddito <b>alto</b> & altro'), read.text);
});

test.run();
