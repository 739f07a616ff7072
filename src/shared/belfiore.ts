/** A comune's codice Belfiore (cadastral code): one letter and three digits, e.g. F205 (Milano). */
import { z } from 'zod';

export const belfiore = z.string().regex(/^[A-Z]\d{3}$/, 'codice Belfiore atteso (una lettera e tre cifre, es. F205)');
