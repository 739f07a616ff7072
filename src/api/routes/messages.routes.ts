/** POST /messages: correlates a message by business key or instance id to the elements waiting for it. */
import Router from '@koa/router';
import { z } from 'zod';
import { actingTenant, requireRole, tenantScope } from '../../auth/principal.js';
import { belfiore, parseBody, variablesSchema } from '../validation.js';
import type { Services } from '../context.js';

const messageSchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    businessKey: z.string().min(1).max(255).optional(),
    processInstanceId: z.string().uuid().optional(),
    tenant: belfiore.optional(),
    variables: variablesSchema.default({}),
  })
  .strict()
  .refine((m) => m.businessKey || m.processInstanceId, { message: 'indicare businessKey o processInstanceId', path: ['businessKey'] });

export function messageRoutes(services: Services) {
  const router = new Router();
  router.post('/messages', async (ctx) => {
    const p = ctx.state.user;
    requireRole(p, 'operatore', 'assistente_sociale', 'responsabile', 'admin');
    const input = parseBody(messageSchema, ctx.request.body);
    const instances = await services.store.transaction((tx) =>
      services.processes.deliverMessage(tx, { ...input, scope: actingTenant(p, input.tenant) ?? tenantScope(p) }, { username: p.username }),
    );
    ctx.body = { delivered: instances.map((i) => ({ processInstanceId: i.id, businessKey: i.businessKey, status: i.status, activeElements: i.activeElements })) };
  });
  return router;
}
