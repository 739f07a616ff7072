/** Fixtures for application tests: codici fiscali with the check character of REI.md §9, a valid application, a minimal `rei` model. */
import { process } from '../helpers/models.js';

/** The check character as REI.md §9 describes it (odd/even are 1-based positions), computed independently of src/. */
export function checkChar(first15: string): string {
  const odd: Record<string, number> = { A: 1, B: 0, C: 5, D: 7, E: 9, F: 13, G: 15, H: 17, I: 19, J: 21, K: 2, L: 4, M: 18, N: 20, O: 11, P: 3, Q: 6, R: 8, S: 12, T: 14, U: 16, V: 10, W: 22, X: 25, Y: 24, Z: 23 };
  const oddDigits = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15[i]!;
    const isDigit = c >= '0' && c <= '9';
    if (i % 2 === 0) sum += isDigit ? oddDigits[Number(c)]! : odd[c]!;
    else sum += isDigit ? Number(c) : c.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26));
}
export const cf = (first15: string) => first15 + checkChar(first15);

export const MARIO = cf('RSSMRA80A01F205'); // 1980-01-01 M
export const LAURA = cf('BNCLRA82E50F205'); // 1982-05-10 F
export const LUCA = cf('RSSLCU15P03F205'); // 2015-09-03 M
export const ANNA = cf('VRDNNA60H45Z100'); // 1960-06-05 F, born abroad

/** A valid application dated on the test clock's first day (2026-03-02): Mario, his wife Laura and their son Luca. */
export function application(protocollo: string, over: Record<string, unknown> = {}) {
  return {
    protocollo,
    dataDomanda: '2026-03-02',
    richiedente: {
      codiceFiscale: MARIO,
      nome: 'Mario',
      cognome: 'Rossi',
      dataNascita: '1980-01-01',
      sesso: 'M',
      cittadinanza: 'IT',
      residenteInItaliaDal: '1980-01-01',
      indirizzo: 'Via Roma 1, Milano',
    },
    nucleo: [
      { codiceFiscale: LAURA, nome: 'Laura', cognome: 'Bianchi', dataNascita: '1982-05-10', relazione: 'coniuge', disoccupato: true },
      { codiceFiscale: LUCA, nome: 'Luca', cognome: 'Rossi', dataNascita: '2015-09-03', relazione: 'figlio' },
    ],
    isee: 4500,
    isre: 2000,
    dsuProtocollo: 'INPS-ISEE-2026-0000001',
    patrimonioImmobiliare: 0,
    patrimonioMobiliare: 3000,
    veicoliUltimi24Mesi: false,
    naspi: false,
    ...over,
  };
}

/**
 * A stand-in for the REI model: the INPS outcome (message esitoInps, which may
 * set esitoInps: a user task may not), then monitoring, then the end.
 */
export const minimalRei = process(
  'rei',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="istruttoria" />
    <bpmn:receiveTask id="istruttoria" name="Esito INPS" messageRef="msgEsitoInps" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="monitoraggio" />
    <bpmn:userTask id="monitoraggio" name="Monitoraggio" camunda:candidateGroups="operatori-rei" />
    <bpmn:sequenceFlow id="f3" sourceRef="monitoraggio" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  `
  <bpmn:message id="msgEsitoInps" name="esitoInps" />`,
);
