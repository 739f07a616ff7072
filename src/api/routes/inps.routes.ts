/**
 * POST /api/v1/inps/esiti: INPS posts the outcome of an application. Only
 * service accounts with the role `inps` (HTTP Basic or a Bearer token); the
 * route is mounted outside the general authentication, which refuses them.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { authenticate } from '../auth-middleware.js';
import { belfiore, parseBody } from '../validation.js';
import type { Services } from '../context.js';
import { EsitiInpsService } from '../../integrations/inps/esiti.service.js';

const esitoSchema = z.object({
  ente: belfiore,
  protocolloDomanda: z.string().trim().min(1).max(255),
  esito: z.enum(['positivo', 'negativo']),
  motivi: z.array(z.string().max(1000)).max(50).default([]),
  protocolloInps: z.string().trim().min(1).max(100),
});

export function inpsRoutes(services: Services) {
  const router = new Router();
  const esiti = new EsitiInpsService(services);
  router.post('/inps/esiti', authenticate(services, { serviceAccounts: true }), async (ctx) => {
    const input = parseBody(esitoSchema, ctx.request.body);
    ctx.body = { delivered: await esiti.receive(ctx.state.user, input) };
  });
  return router;
}
