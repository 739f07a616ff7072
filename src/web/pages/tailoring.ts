/**
 * The analysts' tailoring pages (issue 14, items 5–8): /parametri, /moduli,
 * /decisioni, /calendario; registering them shows their header links.
 */
import type Router from '@koa/router';
import { enableSection } from '../render.js';
import type { WebContext } from '../web-context.js';
import { parameterPages } from './parameters.page.js';
import { calendarPages } from './calendar.page.js';
import { decisionPages } from './decisions.page.js';
import { formPages } from './forms.page.js';

export function tailoringPages(router: Router, web: WebContext): void {
  parameterPages(router, web);
  formPages(router, web);
  decisionPages(router, web);
  calendarPages(router, web);
  for (const section of ['/parametri', '/moduli', '/decisioni', '/calendario']) enableSection(section);
}
