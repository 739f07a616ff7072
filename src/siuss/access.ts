/**
 * Who works on the SIUSS register, for the API and the pages alike: the
 * comune's operatori and responsabili (and its admin) read, enter, import and
 * send records; only a responsabile records the outcome INPS gave to a flow
 * uploaded by hand.
 */
import type { Role } from '../auth/principal.js';

export const SIUSS_USERS: readonly Role[] = ['operatore', 'responsabile', 'admin'];
export const SIUSS_OUTCOME_RECORDERS: readonly Role[] = ['responsabile'];
