/** SIUSS test helpers: valid codici fiscali, sample records, validation of XML with xmllint against the official XSDs. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import codiceFiscaleModule from 'codice-fiscale-js';
import { SCHEMA_FILES, type SiussTipo } from '../../src/siuss/index.js';
import { mappingSchema } from '../../src/siuss/import/mapping.js';

const lib = (codiceFiscaleModule as unknown as { CodiceFiscale: { getCheckCode(s: string): string } }).CodiceFiscale;

/** A valid codice fiscale from its first 15 characters. */
export function cf(first15: string): string {
  return first15 + lib.getCheckCode(first15);
}

/** Validates an XML document with `xmllint --noout --schema`; returns xmllint's output (throws with it when invalid). */
export function xmllint(xml: string, tipo: SiussTipo, opts: { stream?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siuss-'));
  const file = path.join(dir, 'flusso.xml');
  fs.writeFileSync(file, xml);
  try {
    return execFileSync('xmllint', ['--noout', ...(opts.stream ? ['--stream'] : []), '--schema', SCHEMA_FILES[tipo], file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`xmllint: ${e.stderr ?? ''}${e.stdout ?? ''}\n${xml.slice(0, 2000)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether xmllint accepts the document (negative cases). */
export function xsdValid(xml: string, tipo: SiussTipo): boolean {
  try {
    xmllint(xml, tipo);
    return true;
  } catch {
    return false;
  }
}

export const CF_ROSSI = cf('RSSMRA80A01F205');
export const CF_BIANCHI = cf('BNCLRA85M41H501');
export const CF_OPERATORE = cf('VRDGPP70C15F205');

/** A periodic benefit, complete, as a comune's software might write it (Italian formats). */
export function periodic(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CodiceFiscale: CF_ROSSI.toLowerCase(),
    Cognome: 'Rossi',
    Nome: 'Mario',
    AnnoNascita: '1980',
    LuogoNascita: 'F205',
    Genere: 'M',
    CodiceCittadinanza: 'IT',
    CodiceComune: 'F205',
    CodicePrestazione: 'a1.04',
    ProtocolloDomanda: 'P-2026-001',
    PresenzaProvaMezzi: '1',
    NumeroProtocolloDSU: 'INPS-ISEE-2026-0001',
    CaratterePrestazione: 'periodico',
    DataInizioPrestazione: '01/03/2026',
    DataFinePrestazione: '31/08/2026',
    PeriodoErogazione: '1',
    ImportoMensile: '1.234,50',
    PresaCarico: '2',
    ...over,
  };
}

/** A one-off benefit with presa in carico and the SINA assessment. */
export function withSina(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CodiceFiscale: CF_BIANCHI,
    Cognome: 'Bianchi',
    Nome: 'Laura Nicolò',
    AnnoNascita: '1985',
    LuogoNascita: 'H501',
    Genere: 'F',
    CodiceCittadinanza: '380',
    CodiceComune: '058091',
    CodicePrestazione: 'A2.07',
    ProtocolloDomanda: 'P-2026-002',
    PresenzaProvaMezzi: '4',
    CaratterePrestazione: '2',
    DataErogazionePrestazione: '2026-03-15',
    ImportoPrestazione: '300',
    PresaCarico: 'si',
    AreaUtenza: '2',
    Mobilita: '2',
    AttivitaVitaQuotidiana: '2',
    DisturbiComportamentali: '1',
    AreaReddituale: '3',
    AreaSupporto: '2',
    FonteDerivazioneValutazione: '2',
    StrumentoValutazione: '7',
    NecessitaInterventiSociali: 'A2.07; A1.04',
    InvaliditaCivile: ['1', '5'],
    ...over,
  };
}

/** A SINBA record (child protection). */
export function sinba(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    IDBeneficiario: 'MIN-0001',
    MinoreStranieroNoAcc: '2',
    CondizioneMinore: '1',
    LuogoVita: '1',
    ScuolaFrequentata: '3',
    CondizioneLavoro: '1',
    Disabilita: '2',
    DataPrimaSegnalazione: '2025-11-10',
    FonteSegnalazione: '1',
    ValutazioneMinore: '1',
    ValutazioneFamigliaMinore: '1',
    SegnalazioneAutoritaGiudiziaria: '2',
    ProvvedimentoGiudiziario: '2',
    FasciaEtaBeneficiario: '2',
    AnnoNascita: '2015',
    CodiceNazioneResidenza: 'IT',
    Prestazioni: ['A1.04', 'A2.07'],
    ComposizioneFamiglia: '1;2',
    ...over,
  };
}

/** The columns of the PS-PSA-SINA CSV the import tests and the import benchmark write, and their mapping. */
export const PS_CSV_COLUMNS = ['cf', 'cognome', 'nome', 'anno', 'luogo', 'sesso', 'cittadinanza', 'comune', 'prestazione', 'protocollo', 'prova', 'dsu', 'carattere', 'inizio', 'fine', 'periodo', 'importo', 'presa'] as const;
export const PS_CSV_MAPPING = mappingSchema.parse({
  tipo: 'PS_PSA_SINA',
  fields: {
    CodiceFiscale: 'cf', Cognome: 'cognome', Nome: 'nome', AnnoNascita: 'anno', LuogoNascita: 'luogo', Genere: 'sesso', CodiceCittadinanza: 'cittadinanza', CodiceComune: 'comune',
    CodicePrestazione: 'prestazione', ProtocolloDomanda: 'protocollo', PresenzaProvaMezzi: 'prova', NumeroProtocolloDSU: 'dsu', CaratterePrestazione: 'carattere',
    DataInizioPrestazione: 'inizio', DataFinePrestazione: 'fine', PeriodoErogazione: 'periodo', ImportoMensile: 'importo', PresaCarico: 'presa',
  },
});
