/**
 * The form files shipped with the models: forms/<id>.form (shared) and
 * forms/<belfiore>/<id>.form (a comune's override of the same id). Read and
 * checked once at start; a broken file is a configuration error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formIdFromFileName, parseFormSource, type FormSchema } from './schema.js';

export class FormCatalog {
  /** '' holds the shared files; a Belfiore code holds that comune's files. */
  private readonly layers = new Map<string, Map<string, FormSchema>>();
  readonly problems: string[] = [];

  static load(formsDir: string): FormCatalog {
    const catalog = new FormCatalog();
    if (!fs.existsSync(formsDir)) return catalog;
    catalog.readFolder(formsDir, '');
    for (const entry of fs.readdirSync(formsDir, { withFileTypes: true })) {
      if (entry.isDirectory() && /^[A-Z]\d{3}$/.test(entry.name)) catalog.readFolder(path.join(formsDir, entry.name), entry.name);
    }
    return catalog;
  }

  /** The file form for exactly this layer (a comune's own file, or the shared one for null). */
  file(formId: string, tenant: string | null): FormSchema | undefined {
    return this.layers.get(tenant ?? '')?.get(formId);
  }

  /** Form ids a comune (or the shared default, for null) can resolve from files. */
  ids(tenant: string | null): string[] {
    return [...new Set([...(this.layers.get('')?.keys() ?? []), ...(tenant ? (this.layers.get(tenant)?.keys() ?? []) : [])])];
  }

  private readFolder(folder: string, layer: string): void {
    const forms = new Map<string, FormSchema>();
    for (const name of fs.readdirSync(folder).sort()) {
      if (!/\.form$/i.test(name)) continue;
      const where = path.join(folder, name);
      if (!fs.statSync(where).isFile()) continue;
      const id = formIdFromFileName(name);
      if (!id) {
        this.problems.push(`${where}: nome di file non valido per un modulo`);
        continue;
      }
      const { schema, problems } = parseFormSource(fs.readFileSync(where, 'utf8'));
      if (!schema) this.problems.push(...problems.map((p) => `${where}: ${p}`));
      else forms.set(id, schema);
    }
    this.layers.set(layer, forms);
  }
}
