/**
 * The shape of a REI application (domanda) as the intake receives it. Only
 * the shape is checked here; codici fiscali, dates against each other and the
 * household are checked by application.checks.ts. Economic values may be
 * null or missing: the municipal checks then ask for a manual review.
 */
import { z } from 'zod';
import { isIsoDay } from '../engine/calendar/index.js';
import { belfiore } from '../shared/belfiore.js';

const isoDay = z.string().refine(isIsoDay, 'data attesa nel formato AAAA-MM-GG');
const name = z.string().trim().min(1, 'obbligatorio').max(100);
const codiceFiscale = z.string().trim().min(1, 'obbligatorio').max(32);
const euros = z.number().finite().min(0, 'non può essere negativo').max(1_000_000_000).nullable().optional();
const flag = z.boolean().nullable().optional();

export const RELAZIONI = ['richiedente', 'coniuge', 'figlio', 'genitore', 'altro'] as const;
export type Relazione = (typeof RELAZIONI)[number];

const richiedente = z
  .object({
    codiceFiscale,
    nome: name,
    cognome: name,
    dataNascita: isoDay,
    sesso: z.enum(['M', 'F']),
    cittadinanza: z.enum(['IT', 'UE', 'extraUE']),
    permessoLungoPeriodo: z.boolean().optional(),
    residenteInItaliaDal: isoDay,
    indirizzo: z.union([z.string().trim().max(300), z.record(z.string().max(300))]).optional(),
  })
  .strict();

const componente = z
  .object({
    codiceFiscale,
    nome: name,
    cognome: name,
    dataNascita: isoDay,
    relazione: z.enum(RELAZIONI),
    sesso: z.enum(['M', 'F']).optional(),
    disabile: z.boolean().optional(),
    gravidanza: z.boolean().optional(),
    disoccupato: z.boolean().optional(),
  })
  .strict();

export const applicationSchema = z
  .object({
    tenant: belfiore.optional(),
    protocollo: z
      .string()
      .trim()
      .min(1, 'obbligatorio')
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]*$/, 'solo lettere, cifre e / _ . -'),
    dataDomanda: isoDay,
    richiedente,
    nucleo: z.array(componente).max(30, 'al massimo 30 componenti').default([]),
    isee: euros,
    isre: euros,
    dsuProtocollo: z.string().trim().max(64).nullable().optional(),
    patrimonioImmobiliare: euros,
    patrimonioMobiliare: euros,
    veicoliUltimi24Mesi: flag,
    naspi: flag,
  })
  .strict();

export type ApplicationInput = z.infer<typeof applicationSchema>;
export type Richiedente = ApplicationInput['richiedente'];
export type Componente = ApplicationInput['nucleo'][number];

/** One problem with a submitted field, `field` as a dotted path (`nucleo.1.codiceFiscale`). */
export interface FieldError {
  field: string;
  message: string;
}
