/** What every route handler can reach: the services (built once by buildServices in src/app-context.ts) and the caller. */
import type { Principal } from '../auth/principal.js';

export type { Services } from '../app-context.js';

export interface AppState {
  user: Principal;
}
