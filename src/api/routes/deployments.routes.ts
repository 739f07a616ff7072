/**
 * POST /deployments (multipart files or JSON {name, tenant?, files[]}) and
 * GET /process-definitions; POST /deployments/validate runs the same checks
 * without storing anything. Analysts deploy for their own comune; metropolitan
 * analysts and admins deploy the shared default or for any comune.
 */
import Router from '@koa/router';
import { multipartFiles } from '../multipart.js';
import { z } from 'zod';
import type { FilterQuery } from '@mikro-orm/core';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { actingTenant, requireRole, type Principal } from '../../auth/principal.js';
import { ProcessDefinition } from '../../db/entities/index.js';
import { definitionView, type DeployFile } from '../../services/deployment.service.js';
import { belfiore, isUuid, parseBody, parseQuery } from '../validation.js';
import type { Services } from '../context.js';

const jsonDeploySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    tenant: belfiore.nullable().optional(),
    files: z.array(z.object({ name: z.string().min(1).max(255), content: z.string().min(1) })).min(1).max(50),
  })
  .strict();

const listSchema = z.object({ key: z.string().optional(), tenant: z.union([belfiore, z.literal('default')]).optional(), latest: z.enum(['true', 'false']).optional() });

export function deploymentRoutes(services: Services) {
  const router = new Router();
  const upload = multipartFiles(services.config.maxUploadBytes);

  router.post('/deployments', async (ctx, next) => {
    if (ctx.is('multipart')) await upload(ctx, next);
    else await next();
  }, async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'admin', 'analista');
    let name: string;
    let tenant: string | null | undefined;
    let files: DeployFile[];
    if (ctx.is('multipart')) {
      const body = (ctx.request as unknown as { body?: Record<string, string> }).body ?? {};
      const uploaded = ((ctx as unknown as { files?: Array<{ originalname: string; buffer: Buffer }> }).files ?? []);
      const input = parseBody(z.object({ name: z.string().trim().min(1).max(200).optional(), tenant: z.union([belfiore, z.literal('')]).optional() }).passthrough(), body);
      files = uploaded.map((f) => ({ name: f.originalname, content: f.buffer.toString('utf8') }));
      name = input.name ?? (files[0]?.name || 'deployment');
      tenant = input.tenant || null;
    } else {
      const input = parseBody(jsonDeploySchema, ctx.request.body);
      ({ name, files } = input);
      tenant = input.tenant ?? null;
    }
    const target = deployTenant(p, tenant);
    const result = await services.deployments.deploy({ name, tenant: target, files, source: 'api', createdBy: p.username });
    ctx.status = 201;
    ctx.body = result;
  });

  // The deploy-time validation without deploying (the browser modeler's *Verifica*): 200 with errors and warnings.
  router.post('/deployments/validate', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'admin', 'analista');
    const input = parseBody(jsonDeploySchema, ctx.request.body);
    const tenant = deployTenant(p, input.tenant ?? null);
    ctx.body = await services.deployments.validate({ name: input.name, tenant, files: input.files });
  });

  router.get('/process-definitions', async (ctx) => {
    const q = parseQuery(listSchema, ctx.query);
    const p = ctx.state.user;
    const where: FilterQuery<ProcessDefinition> & Record<string, unknown> = {};
    if (q.key) where.key = q.key;
    const wanted = q.tenant === 'default' ? null : q.tenant;
    if (p.tenant) {
      if (wanted && wanted !== p.tenant) throw new ForbiddenError('Puoi vedere solo le definizioni del tuo comune e quelle condivise', 'TENANT_MISMATCH');
      if (q.tenant === undefined) where.$or = [{ tenant: p.tenant }, { tenant: null }];
      else where.tenant = wanted;
    } else if (q.tenant !== undefined) {
      where.tenant = wanted;
    }
    let items = await services.orm.em.fork().find(ProcessDefinition, where, { orderBy: [{ key: 'asc' }, { tenant: 'asc nulls first' }, { version: 'desc' }] });
    if (q.latest === 'true') items = items.filter((d, i) => i === 0 || items[i - 1].key !== d.key || items[i - 1].tenant !== d.tenant);
    ctx.body = { items: items.map(definitionView), total: items.length };
  });

  router.get('/process-definitions/:id', async (ctx) => {
    const def = await visibleDefinition(services, ctx.state.user, ctx.params.id);
    ctx.body = { ...definitionView(def), elements: Object.values((def.modelIndex as { elements: Record<string, unknown> }).elements) };
  });

  router.get('/process-definitions/:id/xml', async (ctx) => {
    const def = await visibleDefinition(services, ctx.state.user, ctx.params.id, true);
    ctx.type = 'application/xml';
    ctx.body = def.source;
  });
  return router;
}

function deployTenant(p: Principal, requested: string | null | undefined): string | null {
  if (p.tenant && requested === null) return p.tenant;
  return actingTenant(p, requested);
}

async function visibleDefinition(services: Services, p: Principal, id: string, withSource = false): Promise<ProcessDefinition> {
  const valid = isUuid(id);
  // The lazy source must be loaded by the same EntityManager that loads the row.
  const def = valid ? await services.orm.em.fork().findOne(ProcessDefinition, { id }, withSource ? { populate: ['source'] } : {}) : null;
  if (!def || (p.tenant && def.tenant && def.tenant !== p.tenant)) throw new NotFoundError('Definizione di processo', id, 'DEFINITION_NOT_FOUND', 'f');
  return def;
}
