/**
 * Static files of the pages, served by the application itself (no CDN):
 * Bootstrap Italia's dist (CSS, JS, fonts, SVG sprite) from node_modules at
 * /static/bi/, the application's own CSS/JS at /static/web/, and the client
 * bundles built by src/web/assets.ts at /static/app/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Context, Next } from 'koa';
import { ASSETS_DIR } from './assets.js';
import { PROJECT_ROOT } from '../shared/project-root.js';

const require = createRequire(import.meta.url);
const ROOT = PROJECT_ROOT;
const MOUNTS: Array<[string, string]> = [
  ['/static/bi/', path.join(path.dirname(require.resolve('bootstrap-italia/package.json')), 'dist')],
  ['/static/web/', path.join(ROOT, 'static', 'web')],
  ['/static/app/', ASSETS_DIR],
];
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

export function serveStatic() {
  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !ctx.path.startsWith('/static/')) {
      await next();
      return;
    }
    const mount = MOUNTS.find(([prefix]) => ctx.path.startsWith(prefix));
    if (!mount) {
      await next();
      return;
    }
    const [prefix, dir] = mount;
    const file = path.resolve(dir, decodeURIComponent(ctx.path.slice(prefix.length)));
    const type = TYPES[path.extname(file)];
    if (!file.startsWith(dir + path.sep) || !type) {
      await next();
      return;
    }
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch {
      await next();
      return;
    }
    if (!stat.isFile()) {
      await next();
      return;
    }
    ctx.type = type;
    ctx.length = stat.size;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('Last-Modified', stat.mtime.toUTCString());
    ctx.body = ctx.method === 'HEAD' ? null : fs.createReadStream(file);
  };
}
