/**
 * A comune's parameters for a process key: shipped defaults, then the comune's
 * file, then its edited overrides (versioned rows in parameter_set, the audit
 * trail). Every result is validated against the key's JSON Schema.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { ParameterSet } from '../../db/entities/index.js';
import type { ParameterCatalog, ParameterModel } from './catalog.js';
import { mergeLayers, type JsonObject } from './merge.js';
import { ajvProblems } from '../../shared/schema-messages.js';

export interface ResolvedParameters {
  key: string;
  tenant: string;
  /** Version of the comune's edited overrides; 0 when there are none. */
  version: number;
  values: JsonObject;
  /** For each leaf path, where its value comes from: default, comune-file or override. */
  sources: Record<string, string>;
  overrides: JsonObject;
}

export class ParameterService {
  constructor(
    private readonly catalog: ParameterCatalog,
    private readonly clock: Clock,
  ) {}

  /** Merged parameters for key in tenant, or null when the key has no parameter file. */
  resolveWith(key: string, tenant: string, override: { version: number; values: JsonObject } | null): ResolvedParameters | null {
    const model = this.catalog.get(key);
    if (!model) return null;
    const { values, sources } = mergeLayers(this.layers(model, tenant, override?.values));
    return { key, tenant, version: override?.version ?? 0, values, sources, overrides: override?.values ?? {} };
  }

  async resolve(em: EntityManager, key: string, tenant: string): Promise<ResolvedParameters> {
    const resolved = this.resolveWith(key, tenant, await latestOverride(em, key, tenant));
    if (!resolved) throw new NotFoundError('Parametri del processo', key, 'PARAMETERS_NOT_FOUND', 'mp');
    return resolved;
  }

  async versions(em: EntityManager, key: string, tenant: string): Promise<ParameterSet[]> {
    this.model(key);
    return em.find(ParameterSet, { key, tenant }, { orderBy: { version: 'desc' } });
  }

  /** Stores a new version of the comune's overrides (a partial object), after validating the merged result. */
  async update(em: EntityManager, key: string, tenant: string, overrides: JsonObject, user: string, comment: string | null): Promise<ResolvedParameters> {
    const model = this.model(key);
    const { values } = mergeLayers(this.layers(model, tenant, overrides));
    const problems = this.check(model, values);
    if (problems.length) throw new ValidationError('Parametri non validi per lo schema del processo', { fields: problems }, 'PARAMETERS_INVALID');
    try {
      return await em.transactional(async (tem) => {
        const latest = await latestOverride(tem, key, tenant);
        const row = Object.assign(new ParameterSet(), { id: randomUUID(), tenant, key, version: (latest?.version ?? 0) + 1, values: overrides, comment, createdBy: user, createdAt: this.clock.now() });
        tem.persist(row);
        return this.resolveWith(key, tenant, { version: row.version, values: overrides })!;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw new ConflictError('Parametri modificati contemporaneamente da un altro utente: ricaricare e riprovare', 'CONCURRENT_MODIFICATION');
      throw err;
    }
  }

  /** Checks defaults and every comune file at start: a broken file is a configuration error. */
  verifyFiles(): string[] {
    const problems: string[] = [];
    for (const key of this.catalog.keys()) {
      const model = this.catalog.get(key)!;
      for (const tenant of [null, ...Object.keys(model.tenantFiles)]) {
        const { values } = mergeLayers(this.layers(model, tenant, undefined));
        for (const p of this.check(model, values)) problems.push(`${key}${tenant ? ` (${tenant})` : ''}: ${p.field} ${p.message}`);
      }
    }
    return problems;
  }

  schema(key: string): JsonObject | null {
    return this.model(key).schema;
  }

  /** The process keys that have parameters. */
  keys(): string[] {
    return this.catalog.keys();
  }

  /** The shipped defaults of key (before the comune's file and overrides). */
  defaults(key: string): JsonObject {
    return this.model(key).defaults;
  }

  private model(key: string): ParameterModel {
    const model = this.catalog.get(key);
    if (!model) throw new NotFoundError('Parametri del processo', key, 'PARAMETERS_NOT_FOUND', 'mp');
    return model;
  }

  private layers(model: ParameterModel, tenant: string | null, overrides: JsonObject | undefined) {
    return [
      { name: 'default', values: model.defaults },
      ...(tenant && model.tenantFiles[tenant] ? [{ name: 'comune-file', values: model.tenantFiles[tenant] }] : []),
      ...(overrides ? [{ name: 'override', values: overrides }] : []),
    ];
  }

  private check(model: ParameterModel, values: JsonObject): Array<{ field: string; message: string }> {
    if (!model.validate || model.validate(values)) return [];
    return ajvProblems(model.validate.errors ?? []).map(({ field, message }) => ({ field, message }));
  }
}

export async function latestOverride(em: EntityManager, key: string, tenant: string): Promise<{ version: number; values: JsonObject } | null> {
  const row = await em.findOne(ParameterSet, { key, tenant }, { orderBy: { version: 'desc' } });
  return row ? { version: row.version, values: row.values as JsonObject } : null;
}
