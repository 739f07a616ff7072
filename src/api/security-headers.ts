/**
 * Security headers on every response (koa-helmet): HSTS, nosniff,
 * frame-ancestors 'none' (and X-Frame-Options DENY), a strict CSP — scripts,
 * styles, images and fonts only from this origin (the pages' /assets), no
 * inline code, no plugins — and `Cache-Control: no-store` on the API's
 * answers, which carry personal data.
 */
import type { Context, Next } from 'koa';
import helmet from 'koa-helmet';

export function securityHeaders() {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
  return async (ctx: Context, next: Next) => {
    await headers(ctx, async () => {
      try {
        await next();
      } finally {
        if (/^\/(api|engine-rest)(\/|$)/.test(ctx.path) || ctx.path === '/health') ctx.set('Cache-Control', 'no-store');
      }
    });
  };
}
