/** Sample REI process variables for the document tests (names as in the REI process contract). */
export function sampleVariables(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocollo: 'REI-2026-000123',
    dataDomanda: '2026-02-16',
    protocolloInps: 'INPS-REI-778899',
    importoMensile: 187.5,
    durataMesi: 18,
    richiedente: { codiceFiscale: 'rssmra80a01f205x', nome: 'Mario', cognome: 'Rossi', dataNascita: '1980-01-01', sesso: 'M', cittadinanza: 'IT', indirizzo: 'Via Padova 100, 20127 Milano' },
    nucleo: [
      { codiceFiscale: 'RSSMRA80A01F205X', nome: 'Mario', cognome: 'Rossi', dataNascita: '1980-01-01', relazione: 'richiedente' },
      { codiceFiscale: 'BNCLRA12C41F205Y', nome: 'Laura', cognome: 'Rossi', dataNascita: '2012-03-01', relazione: 'figlio' },
    ],
    progetto: {
      caseManager: 'Dott.ssa Giulia Verdi',
      obiettivi: [
        { area: 'civica', descrizione: 'Regolarizzare la posizione anagrafica', risultatiAttesi: 'Residenza aggiornata', tempi: '1 mese' },
        { area: 'inclusione_sociale', descrizione: 'Frequenza scolastica regolare della figlia', risultatiAttesi: 'Assenze sotto il 10%', tempi: 'anno scolastico' },
        { area: 'inclusione_lavorativa', descrizione: 'Ricerca attiva di lavoro', risultatiAttesi: 'Iscrizione al CPI e 2 colloqui al mese', tempi: '6 mesi' },
      ],
      sostegni: [{ intervento: 'Tirocinio di inclusione', periodo: 'aprile–settembre 2026', risorse: 'Centro per l\'impiego, ente di formazione' }],
      impegniNucleo: [{ componente: 'Mario Rossi', impegno: 'Presentarsi ai colloqui con il case manager ogni due settimane' }],
      impegniRete: [{ soggetto: 'Centro per l\'impiego', impegno: 'Colloquio di orientamento entro 30 giorni' }],
      azioni: [{ periodo: 'marzo 2026', descrizione: 'Bilancio di competenze' }],
    },
    ...overrides,
  };
}

/** An office profile (src/documents/office.ts) for rendering letters that are sent. */
export function sampleOffice(overrides: Record<string, unknown> = {}) {
  return {
    ente: 'Comune di Sesto San Giovanni',
    servizio: 'Settore Servizi Sociali',
    indirizzo: 'Piazza della Resistenza 20',
    cap: '20099',
    citta: 'Sesto San Giovanni',
    provincia: 'MI',
    firmatario: { nome: 'Dott. Marco Villa', qualifica: 'Il Dirigente' },
    responsabileProcedimento: { nome: 'Dott.ssa Elena Ferrari' },
    ...overrides,
  };
}
