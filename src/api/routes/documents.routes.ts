/**
 * Documents of a case: list per process instance, metadata, PDF and HTML
 * download, and generation on demand. Only case roles see documents (they
 * carry personal data); another comune's instance or document answers 404.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { requireRole, tenantScope, type Principal } from '../../auth/principal.js';
import { DOCUMENT_TYPES, type DocumentSummary } from '../../documents/index.js';
import { NotFoundError } from '../../shared/errors.js';
import { isUuid, parseBody } from '../validation.js';
import type { Services } from '../context.js';
import { findInstance } from './instances.routes.js';

const CASE_ROLES = ['operatore', 'assistente_sociale', 'responsabile', 'admin'] as const;
const generateSchema = z.object({ type: z.enum(DOCUMENT_TYPES) }).strict();

export function documentRoutes(services: Services) {
  const router = new Router();

  router.get('/process-instances/:id/documents', async (ctx) => {
    const p = caseUser(ctx.state.user);
    const instance = await findInstance(services, p, ctx.params.id);
    const items = await services.documents.list(instance.tenant, instance.id);
    ctx.body = { processInstanceId: instance.id, items: items.map(view), total: items.length };
  });

  router.post('/process-instances/:id/documents', async (ctx) => {
    const p = caseUser(ctx.state.user);
    const { type } = parseBody(generateSchema, ctx.request.body);
    const instance = await findInstance(services, p, ctx.params.id);
    const doc = await services.documents.generate({ tenant: instance.tenant, instanceId: instance.id, type, variables: instance.variables, createdBy: p.username });
    ctx.status = 201;
    ctx.set('Location', links(doc.id).self);
    ctx.body = view(doc);
  });

  router.get('/documents/:id', async (ctx) => {
    const p = caseUser(ctx.state.user);
    ctx.body = view(await services.documents.get(documentId(ctx.params.id), tenantScope(p)));
  });

  router.get('/documents/:id/pdf', async (ctx) => {
    const p = caseUser(ctx.state.user);
    const { document, pdf } = await services.documents.pdf(documentId(ctx.params.id), tenantScope(p));
    ctx.type = 'application/pdf';
    ctx.set('Content-Disposition', `attachment; filename="${document.fileName}"`);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = pdf;
  });

  router.get('/documents/:id/html', async (ctx) => {
    const p = caseUser(ctx.state.user);
    const { html } = await services.documents.html(documentId(ctx.params.id), tenantScope(p));
    ctx.type = 'text/html; charset=utf-8';
    // Printable as is; no script, no external resource can run or load from it.
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = html;
  });

  return router;
}

function caseUser(p: Principal): Principal {
  requireRole(p, ...CASE_ROLES);
  return p;
}

function documentId(id: string): string {
  if (!isUuid(id)) throw new NotFoundError('Documento', id, 'DOCUMENT_NOT_FOUND');
  return id;
}

function links(id: string) {
  const self = `/api/v1/documents/${id}`;
  return { self, pdf: `${self}/pdf`, html: `${self}/html` };
}

function view(d: DocumentSummary) {
  return { id: d.id, processInstanceId: d.instanceId, tenant: d.tenant, type: d.type, title: d.title, template: d.template, fileName: d.fileName, createdAt: d.createdAt, createdBy: d.createdBy, protocollo: d.protocollo, links: links(d.id) };
}
