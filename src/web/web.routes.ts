/**
 * The browser application at `/`: sign-in (/accesso; with SPID/CIE through
 * OpenID Connect at /accesso/oidc and the OIDC_REDIRECT_URI callback when
 * configured), sign-out (/uscita), the
 * comune switch of metropolitan users, the inbox and task pages, static files;
 * HTML pages for 403/404/500 and a redirect to /accesso when the session is
 * missing or over. Paths of the API (/api, /engine-rest, /health) pass through.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { User, Tenant } from '../db/entities/index.js';
import { checkPassword, loginGuardFor } from '../auth/credentials.js';
import { isServiceAccount, toPrincipal } from '../auth/principal.js';
import { DomainError } from '../shared/errors.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../api/error-middleware.js';
import { isDatabaseUnavailable } from '../shared/db-errors.js';
import type { Services } from '../api/context.js';
import { Renderer, enableSection, type LayoutModel } from './render.js';
import { serveStatic } from './static.js';
import { SESSION_COOKIE } from './session.service.js';
import { PENDING_LOGIN_MINUTES, type PendingLogin } from '../auth/oidc.js';
import { checkCsrf, sessionUser } from './web-auth.js';
import { SignInRequired, layoutFor, requireUser, startPage } from './shell.js';
import { inboxPages } from './pages/inbox.page.js';
import { taskPages } from './pages/task.page.js';
import { casePages } from './pages/case.page.js';
import { applicationPages } from './pages/application.page.js';
import { subjectPages } from './pages/subjects.page.js';
import { adminPages } from './pages/admin.page.js';
import { slaPages } from './pages/sla.page.js';
import { heatmapPages } from './pages/heatmap.page.js';
import { applicationsDashboardPages } from './pages/applications-dashboard.page.js';
import { incidentPages } from './pages/incidents.page.js';
import { modelPages } from './pages/models.page.js';
import { siussImportPages, siussPages } from './pages/siuss.page.js';
import { tailoringPages } from './pages/tailoring.js';
import type { WebContext } from './web-context.js';

export type { WebContext } from './web-context.js';

const LOGIN_CSRF_COOKIE = 'rei_accesso';
/** State, nonce and PKCE verifier of a SPID/CIE sign-in under way (httpOnly, SameSite=Lax: the provider sends the browser back with a top-level GET). */
const OIDC_COOKIE = 'rei_oidc';
const API_PATHS = /^\/(api|engine-rest|health)(\/|$)/;

export function webApp(services: Services, log: (msg: string, err?: unknown) => void) {
  const renderer = new Renderer();
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '256kb', encoding: 'utf-8' });
  const formPost = async (ctx: Context): Promise<Record<string, string>> => {
    await parseForm(ctx, async () => undefined);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const s = await requireUser(services, ctx);
    checkCsrf(ctx, s.session);
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? String(v[0] ?? '') : String(v ?? '')]));
  };
  const web: WebContext = { services, renderer, formPost };
  const router = new Router();

  router.get('/', async (ctx) => {
    const s = await sessionUser(services, ctx);
    ctx.redirect(s ? startPage(s.principal) : '/accesso');
  });

  router.get('/accesso', async (ctx) => {
    const s = await sessionUser(services, ctx);
    if (s) return ctx.redirect(startPage(s.principal));
    renderLogin(ctx, {});
  });

  router.post('/accesso', async (ctx) => {
    await parseForm(ctx, async () => undefined);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!loginCsrfMatches(ctx, body._csrf)) return renderLogin(ctx, { username, error: 'La pagina di accesso è scaduta: inserire di nuovo le credenziali.' }, 403);
    const fields: Record<string, string> = {};
    if (!username) fields.username = 'Inserire il nome utente.';
    if (!password) fields.password = 'Inserire la password.';
    if (Object.keys(fields).length) return renderLogin(ctx, { username, fields }, 422);
    // The API's own check: brute-force limits, the same timing for a missing user, rehash of old hashes.
    let user: User;
    try {
      user = await checkPassword(services.orm, loginGuardFor(services), username, password, ctx.ip);
    } catch (err) {
      if (err instanceof DomainError && err.status === 401) return renderLogin(ctx, { username, error: 'Nome utente o password non corretti.' }, 401);
      if (err instanceof DomainError && err.status === 429) return renderLogin(ctx, { username, error: err.message }, 429);
      throw err;
    }
    if (isServiceAccount(toPrincipal(user))) return renderLogin(ctx, { username, error: 'Nome utente o password non corretti.' }, 401);
    await startSession(ctx, user);
  });

  /** A new web session for the user (password or SPID/CIE): cookie set, off to the user's first section. */
  async function startSession(ctx: Context, user: User): Promise<void> {
    const { token } = await services.sessions.create(user.id, null);
    ctx.cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });
    ctx.cookies.set(LOGIN_CSRF_COOKIE, null, { path: '/accesso' });
    ctx.state.user = toPrincipal(user); // the request log line names who signed in
    ctx.redirect(startPage(toPrincipal(user)));
  }

  // SPID/CIE through the OpenID Connect provider: authorization code flow with PKCE, state and nonce.
  const oidc = services.oidc;
  if (oidc) {
    router.get('/accesso/oidc', async (ctx) => {
      let request: { url: string; pending: PendingLogin };
      try {
        request = await oidc.authorizationRequest();
      } catch (err) {
        if (err instanceof DomainError) return renderLogin(ctx, { error: 'Il servizio di accesso SPID/CIE non è raggiungibile in questo momento: riprovare tra poco.' }, 503);
        throw err;
      }
      ctx.cookies.set(OIDC_COOKIE, Buffer.from(JSON.stringify(request.pending)).toString('base64url'), { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: PENDING_LOGIN_MINUTES * 60_000, overwrite: true });
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(request.url);
    });
    router.get(new URL(oidc.settings.redirectUri).pathname, async (ctx) => {
      const pending = readPending(ctx.cookies.get(OIDC_COOKIE));
      ctx.cookies.set(OIDC_COOKIE, null, { httpOnly: true, sameSite: 'lax', path: '/' });
      let user: User;
      try {
        user = await oidc.completeCodeFlow(ctx.querystring, pending);
      } catch (err) {
        if (err instanceof DomainError && err.status < 500) return renderLogin(ctx, { error: err.message }, err.status);
        if (err instanceof DomainError) return renderLogin(ctx, { error: 'Il servizio di accesso SPID/CIE non è raggiungibile in questo momento: riprovare tra poco.' }, 503);
        throw err;
      }
      await startSession(ctx, user);
    });
  }

  router.post('/uscita', async (ctx) => {
    const s = await sessionUser(services, ctx);
    if (s) {
      await formPost(ctx);
      await services.sessions.destroy(s.session.id);
    }
    ctx.cookies.set(SESSION_COOKIE, null, { httpOnly: true, sameSite: 'lax', path: '/' });
    renderLogin(ctx, { info: 'Sei uscito dall\'applicazione. Per continuare accedi di nuovo.' });
  });

  router.post('/comune', async (ctx) => {
    const s = await requireUser(services, ctx);
    const form = await formPost(ctx);
    if (s.user.tenant === null) {
      const tenant = form.comune ? await services.orm.em.fork().findOne(Tenant, { code: form.comune }) : null;
      await services.sessions.setTenant(s.session.id, tenant?.code ?? null);
      await services.sessions.setFlash(s.session.id, { kind: 'info', message: tenant ? `Ora lavori sul ${tenant.name}.` : 'Ora vedi tutti i comuni.' });
    }
    ctx.redirect(startPage(s.principal));
  });

  router.get('/accessibilita', async (ctx) => {
    const s = await sessionUser(services, ctx);
    const layout: LayoutModel = s ? await layoutFor(services, ctx, s, { title: 'Dichiarazione di accessibilità' }) : { title: 'Dichiarazione di accessibilità', path: ctx.path };
    ctx.type = 'html';
    ctx.body = renderer.render('accessibilita', layout);
  });

  inboxPages(router, web);
  taskPages(router, web);
  casePages(router, web);
  applicationPages(router, web);
  subjectPages(router, web);
  adminPages(router, web);
  enableSection('/amministrazione');
  heatmapPages(router, web);
  slaPages(router, web);
  applicationsDashboardPages(router, web);
  incidentPages(router, web);
  enableSection('/cruscotti');
  enableSection('/incidenti');
  modelPages(router, web);
  enableSection('/modelli');
  siussPages(router, web);
  siussImportPages(router, web);
  enableSection('/siuss');
  tailoringPages(router, web);

  const routes = router.routes();
  const statics = serveStatic();

  function renderLogin(ctx: Context, model: { username?: string; error?: string; info?: string; fields?: Record<string, string> }, status = 200) {
    const token = randomBytes(24).toString('base64url');
    ctx.cookies.set(LOGIN_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, path: '/accesso', overwrite: true });
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    const errors = Object.entries(model.fields ?? {}).map(([field, message]) => ({ field, message }));
    const oidcButton = services.oidc ? { label: services.oidc.settings.buttonLabel } : null;
    ctx.body = renderer.render('accesso', { title: 'Accesso', path: ctx.path }, { ...model, csrf: token, errors, hasErrors: errors.length > 0, oidc: oidcButton });
  }

  async function renderError(ctx: Context, status: number, message?: string) {
    const s = await sessionUser(services, ctx).catch(() => null);
    const title = status === 404 ? 'Pagina non trovata' : status === 403 ? 'Accesso non consentito' : 'Si è verificato un errore';
    const layout: LayoutModel = s ? await layoutFor(services, ctx, s, { title }) : { title, path: ctx.path };
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderer.render('errore', layout, { status, title, message, is404: status === 404, is403: status === 403 });
  }

  return async (ctx: Context, next: Next) => {
    if (API_PATHS.test(ctx.path)) {
      await next();
      return;
    }
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'");
    try {
      await statics(ctx, async () => {
        await routes(ctx as Parameters<typeof routes>[0], next);
      });
    } catch (err) {
      if (err instanceof SignInRequired) {
        ctx.cookies.set(SESSION_COOKIE, null, { path: '/' });
        return ctx.redirect('/accesso');
      }
      if (err instanceof DomainError && err.status < 500) {
        return renderError(ctx, err.status === 404 || err.status === 403 ? err.status : 400, err.status === 403 ? err.message : undefined);
      }
      if (isDatabaseUnavailable(err)) {
        if (ctx.state.readRetryPending) throw err; // a page read is run once more (src/api/read-retry.ts)
        ctx.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
        return renderError(ctx, 503);
      }
      log(`${ctx.method} ${ctx.path} failed`, err);
      return renderError(ctx, 500);
    }
    // An unknown address: the 404 page for a browser, the API's JSON error for anything else (Accept: */*).
    if (ctx.status === 404 && ctx.body === undefined && ctx.accepts('json', 'html') === 'html') await renderError(ctx, 404);
  };

  function readPending(raw: string | undefined): PendingLogin | null {
    if (!raw || raw.length > 2000) return null;
    try {
      const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingLogin>;
      return typeof v.state === 'string' && typeof v.nonce === 'string' && typeof v.codeVerifier === 'string' && typeof v.startedAt === 'number' ? (v as PendingLogin) : null;
    } catch {
      return null;
    }
  }

  function loginCsrfMatches(ctx: Context, submitted: unknown): boolean {
    const expected = ctx.cookies.get(LOGIN_CSRF_COOKIE);
    if (!expected || typeof submitted !== 'string' || submitted.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(submitted), Buffer.from(expected));
  }
}
