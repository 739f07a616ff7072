/**
 * The official INPS schemas (copied in ./schemas, MIT, see ./schemas/LICENSE)
 * read once into a table of attribute constraints per complex type: use
 * (required/optional), base type, enumeration, pattern, lengths, bounds.
 * The completeness check validates each field against this table, so the
 * check follows the XSD itself rather than a hand-copied list; the generated
 * XML is validated against the same files by xmllint in the tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';

export const SCHEMA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schemas');
export const SCHEMA_FILES = { PS_PSA_SINA: path.join(SCHEMA_DIR, 'PS_PSA_SINA201812.xsd'), SINBA: path.join(SCHEMA_DIR, 'SINBA.xsd') } as const;
export const CASELLARIO_NS = 'http://inps.it/Casellario';

export interface Facets {
  base: string;
  enumeration?: string[];
  pattern?: string;
  length?: number;
  minLength?: number;
  maxLength?: number;
  minInclusive?: number;
  maxInclusive?: number;
}

export interface AttributeRule extends Facets {
  name: string;
  required: boolean;
  /** The named simple type, when the attribute refers to one. */
  typeName?: string;
}

export interface SchemaModel {
  /** complexType name → attribute name → rule. */
  types: Map<string, Map<string, AttributeRule>>;
  /** Named simple types (enumerations, patterns). */
  simpleTypes: Map<string, Facets>;
  /** Element facets of simple-content elements, by element name (e.g. CodicePrestazione lists). */
  elements: Map<string, Facets>;
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
}

function parseXml(text: string): Node {
  const parser = new SaxesParser({ xmlns: false });
  const root: Node = { name: '#root', attrs: {}, children: [] };
  const stack: Node[] = [root];
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = String(v);
    const node: Node = { name: tag.name.replace(/^xs:/, ''), attrs, children: [] };
    stack[stack.length - 1]!.children.push(node);
    stack.push(node);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(text).close();
  return root;
}

function facetsOf(simpleType: Node | undefined): Facets {
  const restriction = simpleType?.children.find((c) => c.name === 'restriction');
  const f: Facets = { base: (restriction?.attrs.base ?? 'xs:string').replace(/^xs:/, '') };
  for (const c of restriction?.children ?? []) {
    const v = c.attrs.value;
    if (v === undefined) continue;
    if (c.name === 'enumeration') (f.enumeration ??= []).push(v);
    else if (c.name === 'pattern') f.pattern = v;
    else if (c.name === 'length') f.length = Number(v);
    else if (c.name === 'minLength') f.minLength = Number(v);
    else if (c.name === 'maxLength') f.maxLength = Number(v);
    else if (c.name === 'minInclusive') f.minInclusive = Number(v);
    else if (c.name === 'maxInclusive') f.maxInclusive = Number(v);
  }
  return f;
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) walk(c, visit);
}

export function loadSchemaModel(file: string): SchemaModel {
  const root = parseXml(fs.readFileSync(file, 'utf8'));
  const schema = root.children[0]!;
  const simpleTypes = new Map<string, Facets>();
  for (const c of schema.children) if (c.name === 'simpleType' && c.attrs.name) simpleTypes.set(c.attrs.name, facetsOf(c));
  const types = new Map<string, Map<string, AttributeRule>>();
  const elements = new Map<string, Facets>();
  for (const c of schema.children) {
    if (c.name !== 'complexType' || !c.attrs.name) continue;
    const attrs = new Map<string, AttributeRule>();
    for (const a of c.children) {
      if (a.name !== 'attribute' || !a.attrs.name) continue;
      const typeName = a.attrs.type;
      const facets = typeName ? (simpleTypes.get(typeName) ?? { base: typeName.replace(/^xs:/, '') }) : facetsOf(a.children.find((x) => x.name === 'simpleType'));
      attrs.set(a.attrs.name, { ...facets, name: a.attrs.name, required: a.attrs.use === 'required', typeName });
    }
    types.set(c.attrs.name, attrs);
    walk(c, (n) => {
      if (n.name === 'element' && n.attrs.name) {
        const st = n.children.find((x) => x.name === 'simpleType');
        if (st) elements.set(n.attrs.name, facetsOf(st));
        else if (n.attrs.type && simpleTypes.has(n.attrs.type)) elements.set(n.attrs.name, simpleTypes.get(n.attrs.type)!);
      }
    });
  }
  return { types, simpleTypes, elements };
}

let cache: { PS_PSA_SINA: SchemaModel; SINBA: SchemaModel } | null = null;

/** Both schema models, read once. */
export function schemaModels(): { PS_PSA_SINA: SchemaModel; SINBA: SchemaModel } {
  cache ??= { PS_PSA_SINA: loadSchemaModel(SCHEMA_FILES.PS_PSA_SINA), SINBA: loadSchemaModel(SCHEMA_FILES.SINBA) };
  return cache;
}

/** XSD regular expressions are implicitly anchored; `\d` is the only escape they use here. */
const patternCache = new Map<string, RegExp>();
export function xsdPattern(p: string): RegExp {
  let re = patternCache.get(p);
  if (!re) {
    re = new RegExp(`^(?:${p})$`, 'u');
    patternCache.set(p, re);
  }
  return re;
}
