/**
 * POST /migrations: moves the active instances of one definition to another
 * (same process key), with an optional element mapping. dryRun (the default)
 * only reports, per instance, whether it can move and why not; otherwise the
 * instances move in batches, each in its own transaction.
 *
 * Analysts and admins only. A comune analyst sees and moves only its comune's
 * instances, between definitions visible to it (its own or shared; others
 * answer 404); metropolitan analysts and admins act on every comune.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import type { DefinitionRecord } from '../../engine/store.js';
import { MigrationService, mappingProblems } from '../../tailoring/migration/migration.service.js';
import { parseBody, uuid } from '../validation.js';
import type { Services } from '../context.js';

const elementId = z.string().trim().min(1).max(255);
const migrationSchema = z
  .object({
    sourceDefinitionId: uuid,
    targetDefinitionId: uuid,
    mapping: z.record(elementId, elementId).default({}),
    dryRun: z.boolean().default(true),
    instanceIds: z.array(uuid).min(1).max(1000).optional(),
    batchSize: z.number().int().min(1).max(500).default(50),
  })
  .strict();

export function migrationRoutes(services: Services) {
  const router = new Router();
  const migrations = new MigrationService({ store: services.store, clock: services.clock });

  router.post('/migrations', async (ctx) => {
    const p = ctx.state.user as Principal;
    requireRole(p, 'admin', 'analista');
    const input = parseBody(migrationSchema, ctx.request.body);
    const [source, target] = await services.store.transaction(async (tx) => [await visible(tx.definition(input.sourceDefinitionId), p, input.sourceDefinitionId), await visible(tx.definition(input.targetDefinitionId), p, input.targetDefinitionId)]);
    if (source.id === target.id) throw new ValidationError('Origine e destinazione della migrazione coincidono', { fields: [{ field: 'targetDefinitionId', message: 'deve essere diversa da sourceDefinitionId' }] }, 'MIGRATION_SAME_DEFINITION');
    const problems = mappingProblems(source, target, input.mapping);
    if (problems.length) throw new ValidationError(`Mappatura non valida: ${problems.map((f) => `${f.field} (${f.message})`).join('; ')}`, { fields: problems }, 'MIGRATION_MAPPING_INVALID');

    const req = { source, target, mapping: input.mapping, scope: tenantScope(p), instanceIds: input.instanceIds, batchSize: input.batchSize };
    const head = { dryRun: input.dryRun, sourceDefinitionId: source.id, targetDefinitionId: target.id, mapping: input.mapping };
    if (input.dryRun) {
      const instances = await migrations.dryRun(req);
      ctx.body = { ...head, total: instances.length, migratable: instances.filter((i) => i.canMigrate).length, instances };
    } else {
      ctx.body = { ...head, ...(await migrations.execute(req, { username: p.username })) };
    }
  });
  return router;
}

/** A comune user reaches only its own and the shared definitions. */
async function visible(found: Promise<DefinitionRecord | null>, p: Principal, id: string): Promise<DefinitionRecord> {
  const def = await found;
  if (!def || (p.tenant && def.tenant && def.tenant !== p.tenant)) throw new NotFoundError('Definizione di processo', id, 'DEFINITION_NOT_FOUND', 'f');
  return def;
}
