/**
 * «Moduli» at /moduli: the task forms a comune resolves (its own version, else
 * the shared one) and, per form, /moduli/{id}: the form-js editor (island)
 * starting from the form the comune uses now — for a shared form that is the
 * start of the comune's override —, a preview with sample data drawn by the
 * same form-js viewer as the task page, and «Pubblica», which deploys the
 * `.form` for the comune through DeploymentService (the same checks as POST
 * /api/v1/deployments); refused sources come back with their messages and
 * stay in the editor. The comune's published versions are listed.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { Deployment, FormDefinition } from '../../db/entities/index.js';
import { actingTenant } from '../../auth/principal.js';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { FORM_ID, type FormComponent, type FormSchema } from '../../tailoring/forms/schema.js';
import { formatDateTime } from '../format.js';
import { layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';
import type { WebContext } from '../web-context.js';

const ROLES = ['analista', 'admin'] as const;
const MAX_SOURCE = 200_000;

interface Attempt {
  source: string;
  errors: string[];
}

export function formPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const forms = services.forms;

  router.get('/moduli', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    const tenant = s.principal.tenant;
    const em = services.orm.em.fork();
    const ids = [...(await forms.visibleIds(tenant, em))].sort();
    const items = await Promise.all(
      ids.map(async (id) => {
        const r = await forms.resolve(id, tenant, em);
        return { id, title: titleOf(r?.schema, id), own: !!r && r.tenant !== null, source: r ? sourceText(r.source, r.version) : '—' };
      }),
    );
    const layout = await layoutFor(services, ctx, s, { title: 'Moduli', breadcrumbs: [{ label: 'Moduli' }] });
    ctx.type = 'html';
    ctx.body = renderer.render('moduli', layout, { items, tenant });
  });

  router.get('/moduli/:id', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    await render(ctx, s, ctx.params.id, null);
  });

  router.post('/moduli/:id', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, [...ROLES]);
    const form = await web.formPost(ctx);
    const formId = ctx.params.id;
    const tenant = s.principal.tenant;
    if (!tenant) throw new ValidationError('Scegliere prima un comune');
    actingTenant(s.principal, tenant);
    if (!FORM_ID.test(formId) || !(await forms.resolve(formId, tenant))) throw new NotFoundError('Modulo', formId, 'FORM_NOT_FOUND');
    const source = form.schema ?? '';
    const attempt: Attempt = { source, errors: [] };
    if (!source.trim()) attempt.errors.push('Il modulo è vuoto.');
    else if (source.length > MAX_SOURCE) attempt.errors.push('Il modulo è troppo grande.');
    if (!attempt.errors.length) {
      try {
        const r = await services.deployments.deploy({ name: `Modulo ${formId}`, tenant, files: [{ name: `${formId}.form`, content: source }], source: 'modeler', createdBy: s.principal.username });
        const published = r.forms[0];
        await services.sessions.setFlash(s.session.id, published ? { kind: 'success', message: `Modulo pubblicato per il comune: versione ${published.version}.` } : { kind: 'info', message: 'Nessuna modifica rispetto alla versione pubblicata: niente da pubblicare.' });
        ctx.redirect(`/moduli/${encodeURIComponent(formId)}`);
        return;
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        const details = err.details as { errors?: Array<{ message: string }> } | undefined;
        attempt.errors.push(...(details?.errors?.length ? details.errors.map((e) => e.message) : [err.message]));
      }
    }
    await render(ctx, s, formId, attempt, 422);
  });

  async function render(ctx: Context, s: SessionUser, formId: string, attempt: Attempt | null, status = 200) {
    const tenant = s.principal.tenant;
    const em = services.orm.em.fork();
    const resolved = FORM_ID.test(formId) ? await forms.resolve(formId, tenant, em) : null;
    if (!resolved) throw new NotFoundError('Modulo', formId, 'FORM_NOT_FOUND');
    const versions = tenant ? await em.find(FormDefinition, { formId, tenant }, { orderBy: { version: 'desc' } }) : [];
    const deployments = versions.length ? await em.find(Deployment, { id: { $in: versions.map((v) => v.deploymentId) } }) : [];
    const who = new Map(deployments.map((d) => [d.id, d.createdBy]));
    const title = titleOf(resolved.schema, formId);
    const layout = await layoutFor(services, ctx, s, { title: `Modulo ${title}`, breadcrumbs: [{ href: '/moduli', label: 'Moduli' }, { label: title }] });
    const source = attempt?.source ?? JSON.stringify(resolved.schema, null, 2);
    ctx.type = 'html';
    ctx.status = status;
    ctx.body = renderer.render('modulo', layout, {
      formId,
      title,
      own: resolved.tenant !== null,
      sourceText: sourceText(resolved.source, resolved.version),
      tenant,
      source,
      sample: JSON.stringify(sampleData(resolved.schema.components ?? []), null, 2),
      island: { formId },
      errors: attempt?.errors ?? [],
      versions: versions.map((v) => ({ version: v.version, who: who.get(v.deploymentId) ?? '—', when: formatDateTime(v.createdAt), origin: v.origin })),
      csrf: s.session.csrfToken,
    });
  }
}

function titleOf(schema: FormSchema | undefined, id: string): string {
  const first = schema?.components?.find((c) => c.type === 'text' && typeof c.text === 'string');
  const heading = typeof first?.text === 'string' ? /^#+\s*(.+)$/m.exec(first.text)?.[1] : undefined;
  return heading?.trim() || id;
}

function sourceText(source: 'deployment' | 'file', version: number | null): string {
  return source === 'deployment' ? `pubblicato, versione ${version}` : 'dal file del modello';
}

/** Example values for the preview: one per bound field, by type. */
export function sampleData(components: FormComponent[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of components) {
    if (c.type === 'group' && !c.path) {
      Object.assign(out, sampleData(c.components ?? []));
      continue;
    }
    if (!c.key || typeof c.key !== 'string') continue;
    const values = Array.isArray(c.values) ? (c.values as Array<{ value?: unknown }>) : [];
    switch (c.type) {
      case 'number':
        out[c.key] = 1;
        break;
      case 'checkbox':
        out[c.key] = true;
        break;
      case 'checklist':
      case 'taglist':
        out[c.key] = values.slice(0, 1).map((v) => v.value);
        break;
      case 'radio':
      case 'select':
        if (values[0]) out[c.key] = values[0].value;
        break;
      case 'datetime':
        out[c.key] = '2026-03-02';
        break;
      case 'textfield':
      case 'textarea':
        out[c.key] = 'Testo di esempio';
        break;
      default:
        break;
    }
  }
  return out;
}
