/** What every page module gets from the web application (src/web/web.routes.ts). */
import type { Context } from 'koa';
import type { Services } from '../app-context.js';
import type { Renderer } from './render.js';

export interface WebContext {
  services: Services;
  renderer: Renderer;
  /** Parses an urlencoded form and checks its CSRF token against the session (403 otherwise). */
  formPost: (ctx: Context) => Promise<Record<string, string>>;
}
