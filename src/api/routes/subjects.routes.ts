/**
 * The subject registry (anagrafica soggetti): search by exact codice fiscale
 * or surname, and one person with their household and cases over time.
 * Personal data: operators, social workers, managers and admins only; a
 * comune sees only its own subjects (another comune's answers 404).
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { SubjectRepository } from '../../subjects/subject.repository.js';
import { benefitGranted } from '../../subjects/renewal.js';
import type { Subject } from '../../db/entities/subjects.entities.js';
import { belfiore, isUuid, parseQuery, offsetParam } from '../validation.js';
import type { Services } from '../context.js';

const listSchema = z.object({
  cf: z.string().trim().min(1).max(32).transform((s) => s.toUpperCase()).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  tenant: belfiore.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: offsetParam.default(0),
});

export function subjectRoutes(services: Services) {
  const router = new Router();

  router.get('/subjects', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const q = parseQuery(listSchema, ctx.query);
    const own = tenantScope(p);
    if (own && q.tenant && q.tenant !== own) throw new ForbiddenError(`L'utente appartiene al comune ${own}`, 'TENANT_MISMATCH');
    const repo = new SubjectRepository(services.orm.em.fork());
    const [items, total] = await repo.search(own ?? q.tenant ?? null, { cf: q.cf, cognome: q.q, limit: q.limit, offset: q.offset });
    ctx.body = { items: items.map(summary), total, limit: q.limit, offset: q.offset };
  });

  router.get('/subjects/:id', async (ctx) => {
    const p = ctx.state.user;
    allowed(p);
    const repo = new SubjectRepository(services.orm.em.fork());
    const subject = isUuid(ctx.params.id) ? await repo.find(tenantScope(p), ctx.params.id) : null;
    if (!subject) throw new NotFoundError('Soggetto', ctx.params.id, 'SUBJECT_NOT_FOUND');
    const cases = await repo.cases(subject);
    ctx.body = {
      ...summary(subject),
      permessoLungoPeriodo: subject.permessoLungoPeriodo,
      residenteInItaliaDal: subject.residenteInItaliaDal,
      createdAt: subject.createdAt,
      updatedAt: subject.updatedAt,
      version: subject.version,
      household: await repo.latestHousehold(subject),
      cases: cases.map(({ link, instance }) => ({
        instanceId: link.instanceId,
        processKey: link.processKey,
        protocollo: link.protocollo,
        dataDomanda: link.dataDomanda,
        role: link.role,
        householdId: link.householdId,
        durataMesi: link.durataMesi,
        rinnovo: link.rinnovo,
        status: instance?.status ?? null,
        startedAt: instance?.startedAt ?? null,
        endedAt: instance?.endedAt ?? null,
        beneficioErogato: instance ? benefitGranted(instance.variables ?? {}) : false,
      })),
    };
  });

  return router;
}

function allowed(p: Principal) {
  requireRole(p, 'operatore', 'assistente_sociale', 'responsabile', 'admin');
}

function summary(s: Subject) {
  return { id: s.id, tenant: s.tenant, codiceFiscale: s.codiceFiscale, nome: s.nome, cognome: s.cognome, dataNascita: s.dataNascita, sesso: s.sesso, cittadinanza: s.cittadinanza };
}
