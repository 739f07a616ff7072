// Request bodies parsed by @koa/bodyparser / multer, and the authenticated user on ctx.state.
import 'koa';
import type { Principal } from '../auth/principal.js';

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
  interface DefaultState {
    user: Principal;
  }
}
