/**
 * First gate for untrusted XML: size limit, no DTD at all (which rules out
 * external entities and entity-expansion bombs), and well-formedness checked
 * with saxes so errors carry line and column.
 */
import { SaxesParser } from 'saxes';
import type { Problem } from '../../shared/errors.js';

export const DEFAULT_MAX_XML_BYTES = 5 * 1024 * 1024;
/** Deeper nesting than any real BPMN/DMN file: refused before the moddle readers (recursive) see it. */
export const MAX_XML_DEPTH = 200;

class TooDeep extends Error {}

export function checkXml(xml: string, maxBytes = DEFAULT_MAX_XML_BYTES): Problem[] {
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    return [{ rule: 'xml-size', message: `Il file supera la dimensione massima di ${maxBytes} byte` }];
  }
  const dtd = /<!DOCTYPE|<!ENTITY/i.exec(xml);
  if (dtd) {
    const { line, column } = position(xml, dtd.index);
    return [{ rule: 'xml-dtd', message: 'DTD ed entità XML non sono ammessi (rischio XXE / entity expansion)', line, column }];
  }
  const problems: Problem[] = [];
  const parser = new SaxesParser({ xmlns: true, position: true });
  parser.on('error', (err) => {
    if (problems.length < 5) problems.push({ rule: 'xml-syntax', message: cleanSaxMessage(err.message), line: parser.line, column: parser.column });
  });
  let depth = 0;
  parser.on('opentag', () => {
    if (++depth > MAX_XML_DEPTH) throw new TooDeep();
  });
  parser.on('closetag', () => {
    depth--;
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    if (err instanceof TooDeep) {
      return [{ rule: 'xml-depth', message: `Elementi XML annidati oltre ${MAX_XML_DEPTH} livelli: il file non è un modello valido`, line: parser.line, column: parser.column }];
    }
    problems.push({ rule: 'xml-syntax', message: cleanSaxMessage((err as Error).message), line: parser.line, column: parser.column });
  }
  return problems;
}

/** 1-based line and column of a character offset. */
export function position(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: index - last };
}

/** Line of the element carrying `id="…"`, if present in the source. */
export function lineOfId(xml: string, id: string | undefined): number | undefined {
  if (!id) return undefined;
  const idx = xml.indexOf(`id="${id}"`);
  return idx === -1 ? undefined : position(xml, idx).line;
}

function cleanSaxMessage(message: string): string {
  return message.replace(/^undefined:/, '').trim();
}
