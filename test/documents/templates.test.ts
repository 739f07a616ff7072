/**
 * Templates without a database: each document renders in Italian from the
 * REI variables, user data is escaped, F205's letterhead override applies to
 * Milano only, the data a document cannot do without is refused, and a broken
 * template directory stops the boot with the problems listed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemplateCatalog } from '../../src/documents/template-catalog.js';
import { DocumentService } from '../../src/documents/document.service.js';
import { DocumentDataError } from '../../src/documents/view-models.js';
import { formatDate, formatDateTime, formatEuro } from '../../src/documents/format.js';
import type { Orm } from '../../src/db/orm.js';
import { sampleOffice, sampleVariables } from './fixtures.js';

const NOW = new Date('2026-03-02T08:00:00.000Z');
const catalog = TemplateCatalog.load(path.resolve('templates'));
// render() needs no database.
const docs = new DocumentService(null as unknown as Orm, catalog, { now: () => NOW });
const MILANO = { code: 'F205', name: 'Comune di Milano' };
const SESTO = { code: 'I690', name: 'Comune di Sesto San Giovanni' };

const convocazione = { dataOra: '2026-03-04T10:30:00+01:00', luogo: 'Via Sammartini 75, Milano', motivo: 'Verifica del progetto', componente: 'Laura Rossi' };

test('helpers format dates and amounts the Italian way', () => {
  assert.is(formatDate('2026-11-27'), '27 novembre 2026');
  assert.is(formatDate('2026-11-26T23:30:00Z'), '27 novembre 2026', 'instants are read in Europe/Rome');
  assert.is(formatDateTime('2026-11-30T09:30:00Z'), 'lunedì 30 novembre 2026, ore 10:30');
  assert.is(formatEuro(1234.5), '€ 1.234,50');
  assert.is(formatEuro('46.875'), '€ 46,88');
  assert.is(formatDate('2026-02-30'), '', 'an impossible date renders empty');
  assert.is(formatEuro('abc'), '');
});

test('progetto personalizzato: household, case manager, objectives by area, supports, commitments, actions, signatures', () => {
  const { html, template, title } = docs.render(SESTO, 'progetto', sampleVariables());
  assert.is(template, 'progetto-personalizzato.hbs');
  assert.is(title, 'Progetto personalizzato');
  for (const text of [
    '<html lang="it">',
    '@page { size: A4',
    '@media print',
    'Comune di Sesto San Giovanni',
    'Rif. domanda prot. n. REI-2026-000123 del 16 febbraio 2026',
    '2 marzo 2026',
    'RSSMRA80A01F205X',
    'Rossi Laura',
    'Figlio/a',
    'Dott.ssa Giulia Verdi',
    '€ 187,50 per 18 mesi',
    'Area civica',
    'Inclusione sociale',
    'Inclusione lavorativa',
    'Regolarizzare la posizione anagrafica',
    'Iscrizione al CPI e 2 colloqui al mese',
    'Tirocinio di inclusione',
    'Impegni del nucleo familiare (condizionalità)',
    'Presentarsi ai colloqui con il case manager ogni due settimane',
    'Impegni della rete dei servizi',
    'Bilancio di competenze',
    'Il/La richiedente, per il nucleo familiare',
    'Il/La responsabile del progetto (case manager)',
  ]) assert.ok(html.includes(text), `missing: ${text}`);
});

test('progetto with no objectives or supports still renders, with empty sections said so', () => {
  const { html } = docs.render(SESTO, 'progetto', sampleVariables({ progetto: { caseManager: 'Anna Neri' } }));
  assert.ok(html.includes('Nessun obiettivo indicato.'));
  assert.ok(html.includes('Nessun intervento indicato oltre al beneficio economico.'));
  assert.ok(html.includes('Anna Neri'));
});

test('rejection letter: reasons, comune or INPS, riesame within 30 days', () => {
  const byComune = docs.render(SESTO, 'rigetto', sampleVariables({ motiviRigetto: ['ISEE superiore alla soglia di 6.000 €', 'Residenza in Italia inferiore a 2 anni'], origineRigetto: 'comune' })).html;
  assert.ok(byComune.includes('<li>ISEE superiore alla soglia di 6.000 €</li>'));
  assert.ok(byComune.includes('<li>Residenza in Italia inferiore a 2 anni</li>'));
  assert.ok(byComune.includes('effettuati dal Comune di Sesto San Giovanni'));
  assert.ok(byComune.includes('<strong>30 giorni</strong>'));
  assert.ok(byComune.includes('chiedere al Comune di Sesto San Giovanni – Servizi Sociali il riesame'));
  assert.ok(byComune.includes('D.Lgs. 39/1993'));

  // No motiviRigetto: INPS's reasons are used, and the origin follows esitoInps.
  const byInps = docs.render(SESTO, 'rigetto', sampleVariables({ esitoInps: 'negativo', motiviInps: ['Percettore di NASpI'] })).html;
  assert.ok(byInps.includes("dall'INPS (prot. INPS n. INPS-REI-778899)"));
  assert.ok(byInps.includes('<li>Percettore di NASpI</li>'));
  assert.ok(byInps.includes("chiedere all'INPS il riesame"));
});

test('convocation letter: date and time in Europe/Rome, place, reason, member', () => {
  const { html } = docs.render(SESTO, 'convocazione', sampleVariables({ convocazione }));
  assert.ok(html.includes('mercoledì 4 marzo 2026, ore 10:30'));
  assert.ok(html.includes('Via Sammartini 75, Milano'));
  assert.ok(html.includes('Verifica del progetto'));
  assert.ok(html.includes('<strong>Laura Rossi</strong>'), 'addressed to the convoked member');
  assert.ok(html.includes('decurtazione di un quarto di mensilità'));
});

test('convocation: 24–72 hours of notice when the process sends it; date, time and place required', () => {
  const at = (iso: string) => sampleVariables({ convocazione: { ...convocazione, dataOra: iso } });
  assert.not.throws(() => docs.render(SESTO, 'convocazione', at('2026-03-03T08:00:00Z'), { sending: true, office: sampleOffice() }), '24 h is enough');
  assert.not.throws(() => docs.render(SESTO, 'convocazione', at('2026-03-05T08:00:00Z'), { sending: true, office: sampleOffice() }), '72 h is not too much');
  for (const iso of ['2026-03-02T20:00:00Z', '2026-03-06T09:00:00Z']) {
    try {
      docs.render(SESTO, 'convocazione', at(iso), { sending: true, office: sampleOffice() });
      assert.unreachable(`notice for ${iso} accepted`);
    } catch (err) {
      assert.instance(err, DocumentDataError);
      assert.is((err as DocumentDataError).status, 422);
      assert.match((err as Error).message, /tra 24 e 72 ore/);
    }
  }
  assert.not.throws(() => docs.render(SESTO, 'convocazione', at('2026-03-02T20:00:00Z')), 'a reprint is not a sending');
  assert.throws(() => docs.render(SESTO, 'convocazione', at('2026-03-03T08:00:00Z'), { sending: true }), (e: unknown) => e instanceof DocumentDataError && /profilo dell'ufficio/.test((e as Error).message), 'no letter is sent without the office profile');
  assert.throws(() => docs.render(SESTO, 'convocazione', sampleVariables({ convocazione: { luogo: 'x' } })), (e: unknown) => e instanceof DocumentDataError && /data e ora/.test((e as Error).message));
  assert.throws(() => docs.render(SESTO, 'convocazione', sampleVariables({ convocazione: { ...convocazione, dataOra: '2026-03-04' } })), (e: unknown) => e instanceof DocumentDataError, 'a day without time');
  assert.throws(() => docs.render(SESTO, 'convocazione', sampleVariables({ convocazione: { ...convocazione, luogo: '' } })), (e: unknown) => e instanceof DocumentDataError && /luogo/.test((e as Error).message));
});

test('sanction notice: ¼ month, one month, decadenza, with the legal basis', () => {
  const render = (tipo: string) => docs.render(SESTO, 'sanzione', sampleVariables({ ultimaSanzione: { tipo, evento: 'mancata_presentazione', data: '2026-03-01', motivo: 'Assente al colloquio' } })).html;
  const quarter = render('riduzione_quarto');
  assert.ok(quarter.includes('decurtazione di un quarto di una mensilità del beneficio'));
  assert.ok(quarter.includes('(pari a € 46,88)'));
  assert.ok(quarter.includes("art. 12 del D.Lgs. 15 settembre 2017, n. 147"));
  assert.ok(quarter.includes('in data 1 marzo 2026'));
  assert.ok(quarter.includes('mancata presentazione, senza giustificato motivo'));
  assert.ok(quarter.includes('Assente al colloquio'));
  assert.ok(quarter.includes("comunicata all'INPS"));
  assert.ok(render('riduzione_mensilita').includes('decurtazione di una mensilità del beneficio</strong> (pari a € 187,50)'));
  const loss = render('decadenza');
  assert.ok(loss.includes('<strong>decadenza dal beneficio</strong>'));
  assert.ok(loss.includes("cessa l'erogazione del beneficio"));
  assert.not.ok(loss.includes('pari a'));
  assert.throws(() => docs.render(SESTO, 'sanzione', sampleVariables({ ultimaSanzione: { tipo: 'multa' } })), (e: unknown) => e instanceof DocumentDataError && (e as DocumentDataError).code === 'DOCUMENT_DATA_MISSING');
});

test('user data is escaped everywhere; no template uses triple-stash', () => {
  const evil = '<script>alert(1)</script>';
  const vars = sampleVariables({
    protocollo: `P"><img src=x onerror=alert(1)>`,
    richiedente: { nome: evil, cognome: 'Rossi & figli', codiceFiscale: 'X', indirizzo: '<b>via</b>' },
    progetto: { caseManager: evil, obiettivi: [{ area: 'civica', descrizione: evil, risultatiAttesi: evil, tempi: evil }], azioni: [{ periodo: evil, descrizione: evil }] },
    motiviRigetto: [evil],
    convocazione: { ...convocazione, luogo: evil, motivo: evil, componente: evil },
    ultimaSanzione: { tipo: 'decadenza', evento: evil, motivo: evil },
  });
  for (const type of ['progetto', 'rigetto', 'convocazione', 'sanzione'] as const) {
    const { html } = docs.render(MILANO, type, vars);
    assert.not.ok(html.includes('<script'), `${type}: raw script tag`);
    assert.not.ok(html.includes('<img'), `${type}: raw img tag`);
    assert.not.ok(html.includes('<b>via'), `${type}: raw b tag`);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${type}: escaped text shown`);
  }
  const files = fs.readdirSync('templates', { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.hbs'));
  assert.ok(files.length >= 10);
  for (const f of files) assert.not.ok(fs.readFileSync(path.join(f.parentPath, f.name), 'utf8').includes('{{{'), `${f.name} uses {{{ }}}`);
});

test('per-comune override: F205 gets the Comune di Milano letterhead, another comune the shared one', () => {
  for (const type of ['progetto', 'rigetto', 'convocazione', 'sanzione'] as const) {
    const milano = docs.render(MILANO, type, sampleVariables({ convocazione, ultimaSanzione: { tipo: 'decadenza' } })).html;
    const sesto = docs.render(SESTO, type, sampleVariables({ convocazione, ultimaSanzione: { tipo: 'decadenza' } })).html;
    assert.ok(milano.includes('Politiche Sociali – Area Inclusione'), `${type}: Milano letterhead`);
    assert.ok(milano.includes('CAF convenzionati con il Comune di Milano'));
    assert.not.ok(sesto.includes('Politiche Sociali – Area Inclusione'), `${type}: shared letterhead for Sesto`);
    assert.ok(sesto.includes('<p class="servizio">Servizi Sociali – Reddito di Inclusione (REI)</p>'));
  }
});

test('a comune can override a whole document; a broken template directory is refused at load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rei-templates-'));
  try {
    fs.cpSync('templates', dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'A010'));
    fs.writeFileSync(path.join(dir, 'A010', 'lettera-rigetto.hbs'), '{{#> documento}}<p class="propria">Lettera di Abbiategrasso per {{richiedente.nomeCompleto}}</p>{{/documento}}');
    const own = new DocumentService(null as unknown as Orm, TemplateCatalog.load(dir), { now: () => NOW });
    const r = own.render({ code: 'A010', name: 'Comune di Abbiategrasso' }, 'rigetto', sampleVariables());
    assert.is(r.template, 'A010/lettera-rigetto.hbs');
    assert.ok(r.html.includes('Lettera di Abbiategrasso per Mario Rossi'));
    assert.ok(r.html.includes('<p class="ente">Comune di Abbiategrasso</p>'), 'shared partials still apply');
    assert.is(own.render(SESTO, 'rigetto', sampleVariables()).template, 'lettera-rigetto.hbs');

    fs.writeFileSync(path.join(dir, 'A010', 'notifica-sanzione.hbs'), '{{#> documento}}{{> inesistente}}{{#if}}{{/documento}}');
    fs.mkdirSync(path.join(dir, 'A010', 'partials'));
    fs.writeFileSync(path.join(dir, 'A010', 'partials', 'firma.hbs'), '{{> nessuno}}');
    try {
      TemplateCatalog.load(dir);
      assert.unreachable('a broken directory loaded');
    } catch (err) {
      const message = (err as Error).message;
      assert.match(message, /A010\/notifica-sanzione\.hbs/);
      assert.match(message, /A010\/partials\/firma\.hbs: parziale sconosciuto "nessuno"/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
