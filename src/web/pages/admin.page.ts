/**
 * «Amministrazione» at /amministrazione: the users (filters by comune, role,
 * group and state; create; roles and groups; disable and re-enable; password
 * reset whose generated password is shown once, never stored in the session)
 * and the comuni (list, create). Each form is checked with the API's own zod
 * schemas (src/api/routes/users.routes.ts, admin.routes.ts) and acted on by
 * the API's services (UserService, TenantService), so the rules are the same:
 * an admin changes everything; a responsabile reads the users of their comune;
 * anyone else gets the 403 page. Users are addressed by their opaque id.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ROLES, hasRole, type Principal, type Role } from '../../auth/principal.js';
import { Tenant, User } from '../../db/entities/index.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { UserService } from '../../users/user.service.js';
import { TenantService } from '../../users/tenant.service.js';
import { createSchema, listSchema, resetSchema, updateSchema } from '../../api/routes/users.routes.js';
import { tenantSchema } from '../../api/routes/admin.routes.js';
import { isUuid, parseBody, parseQuery } from '../../api/validation.js';
import { formatDateTime } from '../format.js';
import { ROLE_LABELS, layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { SessionUser } from '../web-auth.js';
import type { WebContext } from '../web-context.js';

const READERS: Role[] = ['admin', 'responsabile'];
const ADMIN: Role[] = ['admin'];
const BASE = '/amministrazione';

type Form = Record<string, string>;
interface Failure {
  /** Field name → message, shown beside the field. */
  fields: Record<string, string>;
  /** The summary at the top of the form, each linking to its field. */
  summary: Array<{ href: string | null; message: string }>;
}

/** Labels of the form fields, for the error summary ("Nome utente: almeno 2 caratteri"). */
const LABELS: Record<string, string> = { username: 'Nome utente', password: 'Password', tenant: 'Comune', roles: 'Ruoli', groups: 'Gruppi', code: 'Codice Belfiore', name: 'Nome del comune', role: 'Ruolo', group: 'Gruppo', active: 'Stato' };

export function adminPages(router: Router, web: WebContext) {
  const { services, renderer } = web;
  const users = new UserService(services.orm.em, services.clock);
  const tenants = new TenantService(services.orm.em, services.clock);

  // ---- users: list with filters ----
  router.get(BASE, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, READERS);
    const raw = { comune: str(ctx.query.comune), ruolo: str(ctx.query.ruolo), gruppo: str(ctx.query.gruppo).trim(), stato: str(ctx.query.stato) };
    let failure: Failure | null = null;
    let list: User[] = [];
    try {
      const q = parseQuery(listSchema, compact({ tenant: raw.comune, role: raw.ruolo, group: raw.gruppo, active: raw.stato === 'attivi' ? 'true' : raw.stato === 'disattivati' ? 'false' : undefined }));
      list = await users.list(s.principal, { ...q, active: q.active === undefined ? undefined : q.active === 'true' });
    } catch (err) {
      failure = failureOf(err, { tenant: 'filtro-comune', role: 'filtro-ruolo', group: 'filtro-gruppo' });
    }
    const title = 'Amministrazione';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ label: title }] });
    const comuni = await tenantNames();
    ctx.status = failure ? 422 : 200;
    ctx.type = 'html';
    ctx.body = renderer.render('amministrazione-utenti', layout, {
      tabs: tabs(s.principal, 'utenti'),
      admin: hasRole(s.principal, 'admin'),
      scope: s.principal.tenant ? comuni.get(s.principal.tenant) ?? s.principal.tenant : null,
      filter: {
        comuni: s.principal.tenant ? [] : [{ value: '', label: 'Tutti', selected: !raw.comune }, ...[...comuni].map(([code, name]) => ({ value: code, label: `${name} (${code})`, selected: raw.comune === code }))],
        ruoli: [{ value: '', label: 'Tutti', selected: !raw.ruolo }, ...ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r], selected: raw.ruolo === r }))],
        gruppo: raw.gruppo,
        stati: [{ value: '', label: 'Tutti' }, { value: 'attivi', label: 'Attivi' }, { value: 'disattivati', label: 'Disattivati' }].map((o) => ({ ...o, selected: raw.stato === o.value })),
      },
      ...errorsModel(failure),
      users: list.map((u) => ({ id: u.id, username: u.username, comune: u.tenant ? comuni.get(u.tenant) ?? u.tenant : 'Livello metropolitano', ruoli: rolesText(u.roles), gruppi: u.groups.join(', ') || '—', active: u.active })),
    });
  });

  // ---- users: create ----
  router.get(`${BASE}/utenti/nuovo`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    await renderNewUser(ctx, s, {}, null);
  });

  router.post(`${BASE}/utenti/nuovo`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    const form = await web.formPost(ctx);
    try {
      const input = parseBody(createSchema, { username: form.username ?? '', password: form.password ?? '', tenant: form.tenant || null, roles: checkedRoles(form), groups: groupList(form.groups) });
      const user = await users.create(s.principal, input);
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: `Utente ${user.username} creato.` });
      ctx.redirect(`${BASE}/utenti/${user.id}`);
    } catch (err) {
      const failure = failureOf(err, { username: 'utente-username', password: 'utente-password', tenant: 'utente-tenant', roles: 'ruolo-admin', groups: 'utente-groups' });
      await renderNewUser(ctx, s, { ...form, password: '' }, failure, statusOf(err));
    }
  });

  async function renderNewUser(ctx: Context, s: SessionUser, form: Form, failure: Failure | null, status = 200) {
    const title = 'Nuovo utente';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: BASE, label: 'Amministrazione' }, { label: title }] });
    const comuni = await tenantNames();
    const f = failure?.fields ?? {};
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('amministrazione-utente-nuovo', layout, {
      tabs: tabs(s.principal, 'utenti'),
      csrf: s.session.csrfToken,
      ...errorsModel(failure),
      username: field('utente-username', 'username', 'Nome utente', form.username, f.username, { hint: 'Lettere, cifre e i segni . _ @ - (ad esempio mario.rossi).' }),
      password: field('utente-password', 'password', 'Password iniziale', '', f.password, { type: 'password', hint: 'Almeno 8 caratteri; l\'utente potrà cambiarla.' }),
      tenant: field('utente-tenant', 'tenant', 'Comune', form.tenant, f.tenant, {
        options: [{ value: '', label: 'Nessuno: livello metropolitano' }, ...[...comuni].map(([code, name]) => ({ value: code, label: `${name} (${code})` }))].map((o) => ({ ...o, selected: (form.tenant ?? '') === o.value })),
      }),
      roles: roleBoxes(form, f.roles),
      groups: field('utente-groups', 'groups', 'Gruppi', form.groups, f.groups, { hint: 'Separati da virgola, ad esempio operatori-rei, equipe.' }),
    });
  }

  // ---- one user: detail, roles and groups, state, password ----
  router.get(`${BASE}/utenti/:id`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, READERS);
    await renderUser(ctx, s, await userById(s.principal, ctx.params.id));
  });

  router.post(`${BASE}/utenti/:id`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    const form = await web.formPost(ctx);
    const user = await userById(s.principal, ctx.params.id);
    try {
      const change = parseBody(updateSchema, { roles: checkedRoles(form), groups: groupList(form.groups) });
      await users.update(s.principal, user.username, change);
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: `Ruoli e gruppi di ${user.username} aggiornati.` });
      ctx.redirect(`${BASE}/utenti/${user.id}`);
    } catch (err) {
      await renderUser(ctx, s, user, { form, failure: failureOf(err, { roles: 'ruolo-admin', groups: 'utente-groups' }) }, statusOf(err));
    }
  });

  router.post(`${BASE}/utenti/:id/stato`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    const form = await web.formPost(ctx);
    const user = await userById(s.principal, ctx.params.id);
    const active = form.attivo === 'si';
    try {
      await users.update(s.principal, user.username, parseBody(updateSchema, { active }));
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: active ? `Utente ${user.username} riattivato.` : `Utente ${user.username} disattivato: non può più accedere.` });
      ctx.redirect(`${BASE}/utenti/${user.id}`);
    } catch (err) {
      await renderUser(ctx, s, user, { stateFailure: failureOf(err, {}) }, statusOf(err));
    }
  });

  router.post(`${BASE}/utenti/:id/password`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    const form = await web.formPost(ctx);
    const user = await userById(s.principal, ctx.params.id);
    try {
      const { password } = parseBody(resetSchema, form.password ? { password: form.password } : {});
      const { user: after, generated } = await users.resetPassword(s.principal, user.username, password);
      // Shown on this answer only (no redirect, nothing in the session): reloading the page does not show it again.
      await renderUser(ctx, s, after, { generated, reset: true });
    } catch (err) {
      await renderUser(ctx, s, user, { passwordFailure: failureOf(err, { password: 'reset-password' }) }, statusOf(err));
    }
  });

  async function renderUser(
    ctx: Context,
    s: SessionUser,
    user: User,
    extra: { form?: Form; failure?: Failure; stateFailure?: Failure; passwordFailure?: Failure; generated?: string | null; reset?: boolean } = {},
    status = 200,
  ) {
    const title = `Utente ${user.username}`;
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: BASE, label: 'Amministrazione' }, { label: user.username }] });
    const comuni = await tenantNames();
    const form: Form = extra.form ?? { groups: user.groups.join(', '), ...Object.fromEntries(user.roles.map((r) => [`ruolo-${r}`, 'si'])) };
    const f = extra.failure?.fields ?? {};
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('amministrazione-utente', layout, {
      tabs: tabs(s.principal, 'utenti'),
      admin: hasRole(s.principal, 'admin'),
      self: user.id === s.user.id,
      csrf: s.session.csrfToken,
      user: { id: user.id, username: user.username, comune: user.tenant ? `${comuni.get(user.tenant) ?? user.tenant} (${user.tenant})` : 'Livello metropolitano', ruoli: rolesText(user.roles), gruppi: user.groups.join(', ') || '—', active: user.active, creato: formatDateTime(user.createdAt) },
      ...errorsModel(extra.failure ?? null),
      stateError: extra.stateFailure?.summary.map((e) => e.message).join(' ') ?? null,
      passwordError: extra.passwordFailure?.fields.password ?? extra.passwordFailure?.summary.map((e) => e.message).join(' ') ?? null,
      roles: roleBoxes(form, f.roles),
      groups: field('utente-groups', 'groups', 'Gruppi', form.groups, f.groups, { hint: 'Separati da virgola.' }),
      resetPassword: field('reset-password', 'password', 'Nuova password (facoltativa)', '', extra.passwordFailure?.fields.password, { type: 'password', hint: 'Lascia vuoto per generarne una, che sarà mostrata una sola volta.' }),
      generated: extra.generated ?? null,
      reset: extra.reset === true && !extra.generated,
    });
  }

  // ---- comuni ----
  router.get(`${BASE}/comuni`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    await renderComuni(ctx, s, {}, null);
  });

  router.post(`${BASE}/comuni`, async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, ADMIN);
    const form = await web.formPost(ctx);
    try {
      const tenant = await tenants.create(s.principal, parseBody(tenantSchema, { code: (form.code ?? '').trim().toUpperCase(), name: form.name ?? '' }));
      await services.sessions.setFlash(s.session.id, { kind: 'success', message: `${tenant.name} (${tenant.code}) creato.` });
      ctx.redirect(`${BASE}/comuni`);
    } catch (err) {
      await renderComuni(ctx, s, form, failureOf(err, { code: 'comune-code', name: 'comune-name' }), statusOf(err));
    }
  });

  async function renderComuni(ctx: Context, s: SessionUser, form: Form, failure: Failure | null, status = 200) {
    const title = 'Comuni';
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: BASE, label: 'Amministrazione' }, { label: title }] });
    const list = await tenants.list(s.principal);
    const f = failure?.fields ?? {};
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render('amministrazione-comuni', layout, {
      tabs: tabs(s.principal, 'comuni'),
      csrf: s.session.csrfToken,
      ...errorsModel(failure),
      comuni: list.map((t) => ({ code: t.code, name: t.name, creato: formatDateTime(t.createdAt) })),
      code: field('comune-code', 'code', 'Codice Belfiore', form.code, f.code, { hint: 'Una lettera e tre cifre, ad esempio F205 per Milano.' }),
      name: field('comune-name', 'name', 'Nome', form.name, f.name, { hint: 'Ad esempio Comune di Milano.' }),
    });
  }

  /** A user the caller may see (UserService.get applies the comune scope: 404 otherwise). */
  async function userById(p: Principal, id: string): Promise<User> {
    const found = isUuid(id) ? await services.orm.em.fork().findOne(User, { id }) : null;
    if (!found) throw new NotFoundError('Utente', undefined, 'USER_NOT_FOUND');
    return users.get(p, found.username);
  }

  async function tenantNames(): Promise<Map<string, string>> {
    const rows = await services.orm.em.fork().find(Tenant, {}, { orderBy: { name: 'asc' } });
    return new Map(rows.map((t) => [t.code, t.name]));
  }
}

function tabs(p: Principal, current: 'utenti' | 'comuni') {
  const all = [{ href: BASE, label: 'Utenti', key: 'utenti' }, ...(hasRole(p, 'admin') ? [{ href: `${BASE}/comuni`, label: 'Comuni', key: 'comuni' }] : [])];
  return all.map((t) => ({ ...t, current: t.key === current }));
}

function roleBoxes(form: Form, error: string | undefined) {
  return { error: error ?? null, items: ROLES.map((r) => ({ id: `ruolo-${r}`, name: `ruolo-${r}`, value: r, label: ROLE_LABELS[r], checked: form[`ruolo-${r}`] === 'si' })) };
}

function checkedRoles(form: Form): string[] {
  return ROLES.filter((r) => form[`ruolo-${r}`] === 'si');
}

function groupList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((g) => g.trim()).filter(Boolean);
}

function rolesText(roles: readonly string[]): string {
  return roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(', ');
}

function field(id: string, name: string, label: string, value: string | undefined, error: string | undefined, extra: Record<string, unknown> = {}) {
  return { id, name, label, value: value ?? '', error: error ?? null, errorId: `${id}-errore`, ...extra };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

function compact(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/**
 * A refusal of the schema or the service as messages on the form's fields
 * (`ids` maps the API's field names to the page's input ids). Anything but a
 * 4xx domain error, and the 403/404 that are pages of their own, is rethrown.
 */
function failureOf(err: unknown, ids: Record<string, string>): Failure {
  if (!(err instanceof DomainError) || err.status >= 500 || err.status === 403 || err.status === 404) throw err;
  const listed = ((err.details as { fields?: Array<{ field: string; message: string }> } | undefined)?.fields ?? []).map((e) => ({ field: e.field.split('.')[0] ?? '', message: e.message }));
  const byCode: Record<string, string> = { USER_EXISTS: 'username', TENANT_EXISTS: 'code', UNKNOWN_TENANT: 'tenant' };
  const problems = listed.length ? listed : [{ field: byCode[err.code] ?? '', message: err.message }];
  const fields: Record<string, string> = {};
  const summary: Failure['summary'] = [];
  for (const p of problems) {
    const id = ids[p.field];
    const message = id ? capitalise(p.message) : p.message;
    if (id) fields[p.field] = fields[p.field] ? `${fields[p.field]} ${message}` : message;
    summary.push({ href: id ? `#${id}` : null, message: id && listed.length ? `${LABELS[p.field] ?? p.field}: ${p.message}` : p.message });
  }
  return { fields, summary };
}

function statusOf(err: unknown): number {
  return err instanceof DomainError ? err.status : 422;
}

function errorsModel(failure: Failure | null): { errors: Failure['summary']; hasErrors: boolean } {
  return { errors: failure?.summary ?? [], hasErrors: Boolean(failure?.summary.length) };
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
