/**
 * The parameter files shipped with the models: processes/<key>.params.json
 * (defaults), processes/<key>.params.schema.json (JSON Schema) and
 * processes/<belfiore>/<key>.params.json (a comune's file overrides).
 * Read once at start; each schema compiled with ajv on its first use (compiling
 * them all at start was the largest part of a restart's CPU).
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Ajv, ValidateFunction } from 'ajv';
import { lazyRequire } from '../../shared/lazy-require.js';
import { isPlainObject, type JsonObject } from './merge.js';

export interface ParameterModel {
  key: string;
  schema: JsonObject | null;
  defaults: JsonObject;
  tenantFiles: Record<string, JsonObject>;
  validate: ValidateFunction | null;
}

/** ajv and its formats load with the first schema compiled (a start whose parameter files are unchanged compiles none). */
const loadAjv = lazyRequire<typeof import('ajv')>('ajv');
const loadAjvFormats = lazyRequire<{ default: (a: Ajv) => void }>('ajv-formats');

export class ParameterCatalog {
  private readonly models = new Map<string, ParameterModel>();

  static load(processesDir: string): ParameterCatalog {
    const catalog = new ParameterCatalog();
    if (!fs.existsSync(processesDir)) return catalog;
    let ajv: Ajv | null = null;
    const compile = (schema: JsonObject): ValidateFunction => {
      if (!ajv) {
        ajv = new (loadAjv().Ajv)({ allErrors: true, strict: false });
        loadAjvFormats().default(ajv);
      }
      return ajv.compile(schema);
    };
    const readJson = (file: string): JsonObject => {
      const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (!isPlainObject(value)) throw new Error(`${file}: atteso un oggetto JSON`);
      return value;
    };
    for (const file of fs.readdirSync(processesDir)) {
      const m = /^(.+)\.params\.json$/.exec(file);
      if (!m) continue;
      const key = m[1];
      const schemaFile = path.join(processesDir, `${key}.params.schema.json`);
      const schema = fs.existsSync(schemaFile) ? readJson(schemaFile) : null;
      let validate: ValidateFunction | null = null;
      const model: ParameterModel = {
        key,
        schema,
        defaults: readJson(path.join(processesDir, file)),
        tenantFiles: {},
        get validate() {
          if (!validate && schema) validate = compile(schema);
          return validate;
        },
      };
      for (const dir of fs.readdirSync(processesDir, { withFileTypes: true })) {
        const own = path.join(processesDir, dir.name, file);
        if (dir.isDirectory() && /^[A-Z]\d{3}$/.test(dir.name) && fs.existsSync(own)) model.tenantFiles[dir.name] = readJson(own);
      }
      catalog.models.set(key, model);
    }
    return catalog;
  }

  get(key: string): ParameterModel | undefined {
    return this.models.get(key);
  }

  keys(): string[] {
    return [...this.models.keys()];
  }

  /** A digest of every file read (defaults, schemas, comuni's files) and of `version`. */
  digest(version: string): string {
    const h = createHash('sha256').update(version);
    for (const key of [...this.models.keys()].sort()) {
      const m = this.models.get(key)!;
      h.update('\0').update(key).update('\0').update(JSON.stringify([m.schema, m.defaults, Object.entries(m.tenantFiles).sort(([a], [b]) => a.localeCompare(b))]));
    }
    return h.digest('hex');
  }
}
