/**
 * verificaIsee: checks the household's ISEE against the REI threshold
 * (params.iseeMax, 6,000 € by law) and sets `iseeOk` and `motiviIsee`.
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';

export const REI_ISEE_MAX = 6000;

export const verificaIsee: ServiceHandler = {
  name: 'verificaIsee',
  description: 'Confronta il valore ISEE con la soglia REI (params.iseeMax, default 6.000 €)',
  outputs: ['iseeOk', 'motiviIsee'],
  run({ variables, params }) {
    const max = typeof params.iseeMax === 'number' ? params.iseeMax : REI_ISEE_MAX;
    const raw = variables.isee;
    const isee = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(isee)) return { iseeOk: false, motiviIsee: ['ISEE mancante o non numerico'] };
    return isee <= max ? { iseeOk: true, motiviIsee: [] } : { iseeOk: false, motiviIsee: [`ISEE ${isee} € superiore alla soglia di ${max} €`] };
  },
};
