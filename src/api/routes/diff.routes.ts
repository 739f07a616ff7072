/**
 * GET /process-definitions/:id/diff?against=<otherId|default>: what a process
 * version changes with respect to another (by default the latest shared
 * default of the same key): elements added, removed and changed, and the
 * parameter values each side runs with (the comune's merged parameters for a
 * comune's definition, the defaults for a shared one). A comune user sees
 * only its own and the shared definitions; anything else answers 404.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../../shared/errors.js';
import type { Principal } from '../../auth/principal.js';
import { ProcessDefinition } from '../../db/entities/index.js';
import { latestOverride } from '../../tailoring/parameters/parameter.service.js';
import { describeModel, diffModels, diffParameters } from '../../tailoring/diff.js';
import { parseQuery, isUuid } from '../validation.js';
import type { Services } from '../context.js';

const querySchema = z.object({
  against: z
    .string()
    .refine((s) => s === 'default' || isUuid(s), 'atteso l\'id di una definizione oppure "default"')
    .default('default'),
});

export function diffRoutes(services: Services) {
  const router = new Router();

  router.get('/process-definitions/:id/diff', async (ctx) => {
    const { against } = parseQuery(querySchema, ctx.query);
    ctx.body = await definitionDiff(services, ctx.state.user as Principal, ctx.params.id, against);
  });
  return router;
}

/** The diff of definition `id` against another visible one or the latest shared default (also used by the web pages). */
export async function definitionDiff(services: Services, p: Principal, id: string, against: string) {
  const em = services.orm.em.fork();
  const def = await visible(em, p, id);
  const base = against === 'default' ? await latestDefault(em, def.key) : await visible(em, p, against);

  const [mine, theirs] = await Promise.all([describeModel(def), describeModel(base)]);
  const elements = diffModels(theirs, mine);
  const [paramsMine, paramsTheirs] = [await parametersOf(services, em, def), await parametersOf(services, em, base)];
  return {
    definition: summary(def),
    against: summary(base),
    ...elements,
    parameters: diffParameters(paramsTheirs, paramsMine),
  };
}

async function visible(em: EntityManager, p: Principal, id: string): Promise<ProcessDefinition> {
  const def = isUuid(id) ? await em.findOne(ProcessDefinition, { id }, { populate: ['source'] }) : null;
  if (!def || (p.tenant && def.tenant && def.tenant !== p.tenant)) throw new NotFoundError('Definizione di processo', id, 'DEFINITION_NOT_FOUND', 'f');
  return def;
}

async function latestDefault(em: EntityManager, key: string): Promise<ProcessDefinition> {
  const def = await em.findOne(ProcessDefinition, { key, tenant: null }, { orderBy: { version: 'desc' }, populate: ['source'] });
  if (!def) throw new NotFoundError('Definizione condivisa (default) del processo', key, 'DEFAULT_DEFINITION_NOT_FOUND', 'f');
  return def;
}

/** A comune's merged parameters for its definition; the defaults for a shared one; null when the key has none. */
async function parametersOf(services: Services, em: EntityManager, def: ProcessDefinition): Promise<Record<string, unknown> | null> {
  // An empty tenant selects the defaults layer only.
  const resolved = def.tenant ? services.parameters.resolveWith(def.key, def.tenant, await latestOverride(em, def.key, def.tenant)) : services.parameters.resolveWith(def.key, '', null);
  return resolved?.values ?? null;
}

function summary(d: ProcessDefinition) {
  return { id: d.id, key: d.key, version: d.version, tenant: d.tenant, name: d.name };
}
