/**
 * Conditionality (D.Lgs. 147/2017 art. 12, REI.md §6).
 *
 * applicaSanzione reads `eventoCondizionalita` {tipo, data?, motivo?} and
 * walks the ladder in params.sanzioni:
 *   appuntamento_mancato → assenzaConvocazione[k-1] for the k-th unjustified
 *                          absence (past the end of the list: its last entry);
 *   rifiuto_offerta      → rifiutoOfferta;  requisito_perso → requisitoPerso.
 * It sets `ultimaSanzione` {tipo, evento, data, motivo} (what the INPS notice
 * and the sanction letter carry), appends it to `sanzioniApplicate`, counts
 * `assenzeIngiustificate`, and sets `decadenza` — with esitoFinale 'decaduta'
 * when the sanction is the loss of the benefit.
 *
 * registraAssenza turns an unjustified absence at a convocation into the event
 * `{tipo: 'appuntamento_mancato'}` for applicaSanzione.
 */
import type { ServiceHandler } from '../../engine/execution/handlers.js';
import { dayOf, int, obj, str, strings, type Json } from './values.js';

export const EVENTI_CONDIZIONALITA = ['appuntamento_mancato', 'rifiuto_offerta', 'requisito_perso'] as const;
export type EventoCondizionalita = (typeof EVENTI_CONDIZIONALITA)[number];
export const TIPI_SANZIONE = ['riduzione_quarto', 'riduzione_mensilita', 'riduzione_due_mensilita', 'decadenza'] as const;
export type TipoSanzione = (typeof TIPI_SANZIONE)[number];

export const DEFAULT_SANZIONI = {
  assenzaConvocazione: ['riduzione_quarto', 'riduzione_mensilita', 'decadenza'] as TipoSanzione[],
  rifiutoOfferta: 'decadenza' as TipoSanzione,
  requisitoPerso: 'decadenza' as TipoSanzione,
};

const LABELS: Record<EventoCondizionalita, string> = {
  appuntamento_mancato: 'mancata presentazione a una convocazione senza giustificato motivo',
  rifiuto_offerta: "rifiuto di un'offerta di lavoro congrua o di attività di formazione",
  requisito_perso: 'perdita di un requisito di accesso',
};

const isTipo = (v: unknown): v is TipoSanzione => typeof v === 'string' && (TIPI_SANZIONE as readonly string[]).includes(v);

/** The sanction for an event, given how many unjustified absences there were before it (pure). */
export function sanctionFor(evento: EventoCondizionalita, assenzePrecedenti: number, sanzioni: Json): TipoSanzione {
  if (evento === 'appuntamento_mancato') {
    const ladder = Array.isArray(sanzioni.assenzaConvocazione) ? sanzioni.assenzaConvocazione.filter(isTipo) : [];
    const steps = ladder.length ? ladder : DEFAULT_SANZIONI.assenzaConvocazione;
    return steps[Math.min(assenzePrecedenti, steps.length - 1)]!;
  }
  const configured = evento === 'rifiuto_offerta' ? sanzioni.rifiutoOfferta : sanzioni.requisitoPerso;
  return isTipo(configured) ? configured : evento === 'rifiuto_offerta' ? DEFAULT_SANZIONI.rifiutoOfferta : DEFAULT_SANZIONI.requisitoPerso;
}

export const applicaSanzione: ServiceHandler = {
  name: 'applicaSanzione',
  description: "Applica la sanzione prevista dalla scala nei parametri per l'evento di condizionalità (eventoCondizionalita)",
  outputs: ['ultimaSanzione', 'sanzioniApplicate', 'assenzeIngiustificate', 'decadenza', 'esitoFinale', 'dataFine'],
  run({ variables, params, now }) {
    const evento = obj(variables.eventoCondizionalita);
    const tipoEvento = evento.tipo;
    if (!(EVENTI_CONDIZIONALITA as readonly unknown[]).includes(tipoEvento)) {
      throw new Error(`Evento di condizionalità non riconosciuto: ${JSON.stringify(tipoEvento ?? null)} (ammessi: ${EVENTI_CONDIZIONALITA.join(', ')})`);
    }
    const tipo = tipoEvento as EventoCondizionalita;
    const assenzePrecedenti = int(variables.assenzeIngiustificate) ?? 0;
    const sanzione = sanctionFor(tipo, assenzePrecedenti, obj(params.sanzioni));
    const data = str(evento.data)?.slice(0, 10) ?? dayOf(now);
    const ultimaSanzione = { tipo: sanzione, evento: tipo, data, motivo: str(evento.motivo) ?? `Sanzione per ${LABELS[tipo]}` };
    const precedenti: unknown[] = Array.isArray(variables.sanzioniApplicate) ? variables.sanzioniApplicate : [];
    const decadenza = sanzione === 'decadenza';
    return {
      ultimaSanzione,
      sanzioniApplicate: [...precedenti, ultimaSanzione],
      assenzeIngiustificate: assenzePrecedenti + (tipo === 'appuntamento_mancato' ? 1 : 0),
      decadenza,
      ...(decadenza ? { esitoFinale: 'decaduta', dataFine: dayOf(now) } : {}),
    };
  },
};

export const registraAssenza: ServiceHandler = {
  name: 'registraAssenza',
  description: "Registra l'assenza ingiustificata a una convocazione come evento di condizionalità (appuntamento_mancato)",
  outputs: ['eventoCondizionalita'],
  run({ variables, now }) {
    const convocazione = obj(variables.convocazione);
    const quando = str(convocazione.dataOra);
    const note = strings(obj(variables.esitoConvocazione).note);
    const motivo = `Assenza ingiustificata alla convocazione${quando ? ` del ${quando.slice(0, 10)}` : ''}${str(convocazione.motivo) ? ` (${str(convocazione.motivo)})` : ''}${note.length ? `: ${note.join(' ')}` : ''}`;
    return { eventoCondizionalita: { tipo: 'appuntamento_mancato', data: quando?.slice(0, 10) ?? dayOf(now), motivo } };
  },
};
