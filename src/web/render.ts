/**
 * Server-side rendering of the pages: one Handlebars environment with the
 * layout (templates/web/layouts/), partials (templates/web/partials/) and
 * pages (templates/web/pages/), compiled once; helpers for the Italian
 * formats. Templates receive view models built for them, auto-escaped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../shared/project-root.js';
import Handlebars from 'handlebars';
import { formatDate, formatDateTime, formatMoney } from './format.js';
import type { Role } from '../auth/principal.js';

export const WEB_TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates/web');

export interface NavLink {
  href: string;
  label: string;
  /** Path prefix that marks the link as the current section. */
  section: string;
  /** Roles that see the link (the page itself checks the same roles: 403 otherwise). */
  roles: Role[];
}

const CASE_WORK: Role[] = ['operatore', 'assistente_sociale', 'responsabile', 'admin'];
const TAILORING: Role[] = ['analista', 'admin'];
const MANAGEMENT: Role[] = ['responsabile', 'admin'];

/** The application's sections, in header order; a page's section is the one whose prefix its path starts with. */
export const NAV_LINKS: NavLink[] = [
  { href: '/attivita', label: 'Le mie attività', section: '/attivita', roles: CASE_WORK },
  { href: '/domande/nuova', label: 'Nuova domanda REI', section: '/domande', roles: CASE_WORK },
  { href: '/soggetti', label: 'Anagrafica', section: '/soggetti', roles: CASE_WORK },
  { href: '/siuss', label: 'Debito informativo', section: '/siuss', roles: ['operatore', 'responsabile', 'admin'] },
  { href: '/modelli', label: 'Modelli', section: '/modelli', roles: TAILORING },
  { href: '/parametri', label: 'Parametri', section: '/parametri', roles: TAILORING },
  { href: '/moduli', label: 'Moduli', section: '/moduli', roles: TAILORING },
  { href: '/decisioni', label: 'Decisioni', section: '/decisioni', roles: TAILORING },
  { href: '/calendario', label: 'Calendario', section: '/calendario', roles: [...TAILORING, 'responsabile'] },
  { href: '/cruscotti/sla', label: 'Cruscotti', section: '/cruscotti', roles: MANAGEMENT },
  { href: '/incidenti', label: 'Incidenti', section: '/incidenti', roles: MANAGEMENT },
  { href: '/amministrazione', label: 'Amministrazione', section: '/amministrazione', roles: ['admin', 'responsabile'] },
];

/**
 * Sections whose pages exist in this build: a link is shown only when its page
 * is registered (web.routes.ts calls `enableSection`), so the header never
 * offers a 404.
 */
const ENABLED_SECTIONS = new Set<string>(['/attivita', '/domande', '/soggetti']);
export function enableSection(section: string): void {
  ENABLED_SECTIONS.add(section);
}

/** The header links a user with these roles sees. */
export function navFor(roles: readonly Role[], path: string): Array<NavLink & { active: boolean }> {
  return NAV_LINKS.filter((l) => ENABLED_SECTIONS.has(l.section) && l.roles.some((r) => roles.includes(r))).map((l) => ({ ...l, active: path === l.section || path.startsWith(`${l.section}/`) }));
}

export interface LayoutModel {
  title: string;
  /** Path of the page, for the current nav link. */
  path: string;
  /** `caseWork`: the user has a role that works cases (the header's sections are theirs). */
  user?: { username: string; roles: string; metropolitan: boolean; caseWork?: boolean; roleKeys?: Role[] } | null;
  /** Comune the user works on (name), or null for a metropolitan user who has not chosen one. */
  comune?: { code: string; name: string } | null;
  /** For metropolitan users: the comuni they can switch to. */
  comuni?: Array<{ code: string; name: string; selected: boolean }>;
  csrf?: string;
  breadcrumbs?: Array<{ href?: string; label: string }>;
  flash?: { kind: 'success' | 'danger' | 'info' | 'warning'; message: string } | null;
}

export class Renderer {
  private readonly hbs = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(private readonly dir = WEB_TEMPLATES_DIR) {
    this.hbs.registerHelper('data', (v: unknown) => formatDate(v));
    this.hbs.registerHelper('dataOra', (v: unknown) => formatDateTime(v));
    this.hbs.registerHelper('euro', (v: unknown) => formatMoney(v));
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('json', (v: unknown) => new Handlebars.SafeString(scriptJson(v)));
    const partials = path.join(dir, 'partials');
    for (const file of fs.existsSync(partials) ? fs.readdirSync(partials) : []) {
      if (file.endsWith('.hbs')) this.hbs.registerPartial(file.slice(0, -4), fs.readFileSync(path.join(dir, 'partials', file), 'utf8'));
    }
    this.layout = this.hbs.compile(fs.readFileSync(path.join(dir, 'layouts', 'main.hbs'), 'utf8'), { strict: false });
  }

  /** The page `name` (templates/web/pages/<name>.hbs) inside the layout. */
  render(name: string, layout: LayoutModel, model: Record<string, unknown> = {}): string {
    let page = this.pages.get(name);
    if (!page) {
      page = this.hbs.compile(fs.readFileSync(path.join(this.dir, 'pages', `${name}.hbs`), 'utf8'));
      this.pages.set(name, page);
    }
    const body = page({ ...model, layout });
    return this.layout({ ...layout, nav: navFor(layout.user?.roleKeys ?? [], layout.path), body: new Handlebars.SafeString(body) });
  }
}

/** JSON safe inside <script type="application/json">: no `</script>`, no HTML comment openers. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
