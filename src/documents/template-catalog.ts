/**
 * Handlebars templates from templates/: shared documents (<name>.hbs) and
 * partials (partials/<name>.hbs), and per-comune overrides in
 * templates/<BELFIORE>/ (same layout) that win over the shared ones. Every
 * file is read and compiled-checked at boot; each comune with overrides gets
 * its own Handlebars environment, so its partials apply to the shared
 * documents too. Output is escaped (Handlebars default).
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { NotFoundError } from '../shared/errors.js';
import { registerHelpers } from './helpers.js';

const BELFIORE = /^[A-Z]\d{3}$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;

interface Layer {
  templates: Map<string, string>;
  partials: Map<string, string>;
}

type Compiled = Handlebars.TemplateDelegate<Record<string, unknown>>;

interface Environment {
  hb: typeof Handlebars;
  compiled: Map<string, Compiled>;
}

export class TemplateCatalog {
  private readonly envs = new Map<string, Environment>();

  private constructor(
    readonly dir: string,
    private readonly shared: Layer,
    private readonly comuni: ReadonlyMap<string, Layer>,
  ) {}

  /** Reads the directory; throws with every problem listed (syntax errors, unknown partials) so a broken template stops the boot. */
  static load(dir: string): TemplateCatalog {
    const shared = readLayer(dir);
    const comuni = new Map<string, Layer>();
    if (fs.existsSync(dir)) {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && BELFIORE.test(entry.name)) comuni.set(entry.name, readLayer(path.join(dir, entry.name)));
      }
    }
    const catalog = new TemplateCatalog(dir, shared, comuni);
    const problems = catalog.verify();
    if (problems.length) throw new Error(`Modelli di documento non validi:\n  ${problems.join('\n  ')}`);
    return catalog;
  }

  /** The template names a comune can render. */
  names(tenant: string | null = null): string[] {
    const own = tenant ? this.comuni.get(tenant)?.templates.keys() ?? [] : [];
    return [...new Set([...this.shared.templates.keys(), ...own])].sort();
  }

  /** Which file a comune's template comes from, relative to the templates directory. */
  source(tenant: string, name: string): string {
    return this.comuni.get(tenant)?.templates.has(name) ? `${tenant}/${name}.hbs` : `${name}.hbs`;
  }

  render(tenant: string, name: string, data: Record<string, unknown>): string {
    return this.compiled(tenant, name)(data);
  }

  private compiled(tenant: string, name: string): Compiled {
    const envKey = this.comuni.has(tenant) ? tenant : '';
    const env = this.env(envKey);
    let template = env.compiled.get(name);
    if (!template) {
      const source = this.comuni.get(envKey)?.templates.get(name) ?? this.shared.templates.get(name);
      if (source === undefined) throw new NotFoundError('Modello di documento', name, 'TEMPLATE_NOT_FOUND');
      template = env.hb.compile<Record<string, unknown>>(source, { strict: false, preventIndent: true });
      env.compiled.set(name, template);
    }
    return template;
  }

  private env(key: string): Environment {
    let env = this.envs.get(key);
    if (!env) {
      const hb = Handlebars.create();
      registerHelpers(hb);
      const partials = new Map([...this.shared.partials, ...(this.comuni.get(key)?.partials ?? [])]);
      for (const [name, source] of partials) hb.registerPartial(name, source);
      env = { hb, compiled: new Map() };
      this.envs.set(key, env);
    }
    return env;
  }

  /** Parses every file and checks that every partial a template uses exists (in the shared set or the comune's). */
  private verify(): string[] {
    const problems: string[] = [];
    const layers: Array<[string, Layer]> = [['', this.shared], ...this.comuni];
    for (const [prefix, layer] of layers) {
      const available = new Set([...this.shared.partials.keys(), ...layer.partials.keys()]);
      const files: Array<[string, string]> = [
        ...[...layer.templates].map(([n, s]): [string, string] => [`${n}.hbs`, s]),
        ...[...layer.partials].map(([n, s]): [string, string] => [`partials/${n}.hbs`, s]),
      ];
      for (const [file, source] of files) {
        const where = prefix ? `${prefix}/${file}` : file;
        try {
          for (const used of partialNames(Handlebars.parse(source))) if (!available.has(used)) problems.push(`${where}: parziale sconosciuto "${used}"`);
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    return problems;
  }
}

function readLayer(dir: string): Layer {
  return { templates: readHbs(dir), partials: readHbs(path.join(dir, 'partials')) };
}

function readHbs(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    const name = entry.name.slice(0, -4);
    if (NAME.test(name)) out.set(name, fs.readFileSync(path.join(dir, entry.name), 'utf8'));
  }
  return out;
}

/** Names of the partials a parsed template refers to statically ({{> name}} and {{#> name}}). */
function partialNames(node: unknown, out = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return out;
  const n = node as { type?: string; name?: { type?: string; original?: unknown } };
  if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && n.name?.type === 'PathExpression' && typeof n.name.original === 'string' && !n.name.original.startsWith('@')) out.add(n.name.original);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) value.forEach((v) => partialNames(v, out));
    else if (value && typeof value === 'object') partialNames(value, out);
  }
  return out;
}
