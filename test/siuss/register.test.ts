/**
 * SIUSS register and flows (issue 13), at the service level: normalisation
 * reported, the completeness check (XSD + conditional rules, Italian
 * messages, duplicates), create/merge/unchanged, PS/PSA/SINA and SINBA flows
 * with insert, update and cancel validated by xmllint against the official
 * XSDs, negative cases the check catches before the XSD would, outcomes,
 * flow ids with the daily progressive, tenancy.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { checkRecord, normalise, belfioreToIstat, istatToBelfiore, writeFlows, type SiussService } from '../../src/siuss/index.js';
import { CF_BIANCHI, CF_OPERATORE, CF_ROSSI, periodic, sinba, withSina, xmllint, xsdValid } from './helpers.js';

let app: TestApp;
let siuss: SiussService;
let A: string;
let B: string;
const who = { kind: 'manual' as const, actor: 'test' };

test.before(async () => {
  app = await startTestApp();
  siuss = app.services.siuss;
  A = await app.tenant('Comune di Alfa');
  B = await app.tenant('Comune di Beta');
});

test.after(async () => {
  await app.close();
});

test('normalisation: Italian formats, Belfiore ⇄ ISTAT from the data package, accents, each change reported', () => {
  assert.is(belfioreToIstat('F205'), '015146');
  assert.is(istatToBelfiore('058091'), 'H501');
  const { data, notes } = normalise('PS_PSA_SINA', withSina({ Cognome: 'D’Urso Nicolò', ImportoPrestazione: '1.300,5', DataErogazionePrestazione: '15/03/2026', CodiceComune: 'H501', Sconosciuto: 'x' }));
  assert.is(data.Cognome, "D'URSO NICOLO'");
  assert.is(data.Nome, "LAURA NICOLO'");
  assert.is(data.ImportoPrestazione, '1300.5');
  assert.is(data.DataErogazionePrestazione, '2026-03-15');
  assert.is(data.CodiceComune, '058091');
  assert.is(data.CodiceRegione, '12');
  assert.is(data.PresaCarico, '1');
  assert.is(data.Genere, '2');
  assert.equal(data.NecessitaInterventiSociali, ['A2.07', 'A1.04']);
  assert.ok(notes.some((n) => n.field === 'CodiceComune' && n.to === '058091'));
  assert.ok(notes.some((n) => n.field === 'Sconosciuto' && /ignorato/.test(n.message)));
  const p = normalise('PS_PSA_SINA', periodic()).data;
  assert.is(p.CodiceFiscale, CF_ROSSI);
  assert.is(p.CodicePrestazione, 'A1.04');
  assert.is(p.DenominazionePrestazione, 'Contributi economici integrativi del reddito familiare');
  assert.is(p.CaratterePrestazione, '1');
  assert.is(p.ImportoMensile, '1234.5');
  assert.is(p.CodiceCittadinanza, '380');
  // Normalising twice changes nothing.
  assert.equal(normalise('PS_PSA_SINA', p).data, p);
  assert.is(normalise('SINBA', sinba()).data.DataPrimaSegnalazione, '11/2025');
});

test('check: complete records pass; conditional rules, XSD facets and the codice fiscale are caught with Italian per-field messages', async () => {
  assert.equal(checkRecord('PS_PSA_SINA', normalise('PS_PSA_SINA', periodic()).data).errors, []);
  assert.equal(checkRecord('PS_PSA_SINA', normalise('PS_PSA_SINA', withSina()).data).errors, []);
  assert.equal(checkRecord('SINBA', normalise('SINBA', sinba()).data).errors, []);
  const fields = (over: Record<string, unknown>, base = periodic) => checkRecord('PS_PSA_SINA', normalise('PS_PSA_SINA', base(over)).data).errors.map((e) => e.field);
  // Periodic without its dates, period and monthly amount.
  assert.equal(fields({ DataFinePrestazione: '', PeriodoErogazione: null, ImportoMensile: undefined }).sort(), ['DataFinePrestazione', 'ImportoMensile', 'PeriodoErogazione']);
  // One-off without date and amount.
  assert.equal(fields({ DataErogazionePrestazione: '', ImportoPrestazione: '' }, withSina).sort(), ['DataErogazionePrestazione', 'ImportoPrestazione']);
  // Presa in carico without area utenza and SINA fields.
  assert.equal(fields({ AreaUtenza: '', Mobilita: '', AreaSupporto: '' }, withSina).sort(), ['AreaSupporto', 'AreaUtenza', 'Mobilita']);
  // Wrong check character of the codice fiscale (the XSD pattern would accept it).
  const badCf = CF_ROSSI.slice(0, 15) + (CF_ROSSI.endsWith('A') ? 'B' : 'A');
  const errs = checkRecord('PS_PSA_SINA', normalise('PS_PSA_SINA', periodic({ CodiceFiscale: badCf })).data).errors;
  assert.is(errs[0]!.field, 'CodiceFiscale');
  assert.match(errs[0]!.message, /Codice fiscale non valido/);
  // Dates in the wrong order, an impossible date, an enumeration value, a too-short name of the benefit.
  assert.equal(fields({ DataFinePrestazione: '01/01/2026' }), ['DataFinePrestazione']);
  assert.equal(fields({ DataInizioPrestazione: '31/02/2026' }), ['DataInizioPrestazione']);
  assert.equal(fields({ PresenzaProvaMezzi: '7' }), ['PresenzaProvaMezzi']);
  assert.equal(fields({ CodicePrestazione: 'Z9.99', DenominazionePrestazione: 'Breve' }), ['DenominazionePrestazione']);
  assert.equal(fields({ PeriodoErogazione: '13' }), ['PeriodoErogazione']);
  const msg = checkRecord('PS_PSA_SINA', normalise('PS_PSA_SINA', periodic({ ImportoMensile: '' })).data).errors[0]!.message;
  assert.is(msg, 'Importo mensile: obbligatorio per una prestazione periodica');
  // The conditional rules catch what the XSD alone would let through.
  const incomplete = normalise('PS_PSA_SINA', periodic({ ImportoMensile: '', DataFinePrestazione: '' })).data;
  const doc = await flowXml('PS_PSA_SINA', [{ recordId: 'x', operation: 'I', data: incomplete }]);
  assert.ok(xsdValid(doc, 'PS_PSA_SINA'), 'the XSD accepts it');
  assert.ok(checkRecord('PS_PSA_SINA', incomplete).errors.length >= 2, 'the check does not');
});

async function flowXml(tipo: 'PS_PSA_SINA' | 'SINBA', entries: Parameters<typeof writeFlows>[2]): Promise<string> {
  let xml = '';
  await writeFlows(tipo, 'file', entries as never, { ente: { codice: 'F205', denominazione: 'Comune di Milano', indirizzo: 'F205', cfOperatore: CF_OPERATORE }, nextId: () => 'F205.PS.20260302.0000001', emit: (d) => {
      xml = d.xml;
    },
  });
  return xml;
}

test('upsert: created, merged (history), unchanged; missing key refused; incomplete stored as da_completare', async () => {
  const r1 = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: periodic() }, { kind: 'import', ref: 'batch-1' });
  assert.is(r1.outcome, 'created');
  assert.is(r1.record!.status, 'pronto');
  assert.is(r1.record!.origin, 'import');
  assert.is(r1.record!.originRef, 'batch-1');
  assert.is(r1.record!.operation, 'I');
  assert.ok(r1.notes.length > 0);
  const r2 = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: { CodiceFiscale: CF_ROSSI, CodicePrestazione: 'A1.04', ProtocolloDomanda: 'P-2026-001', ImportoMensile: '1300' } }, { kind: 'import', ref: 'batch-2' });
  assert.is(r2.outcome, 'merged');
  assert.is(r2.record!.id, r1.record!.id);
  assert.is(r2.record!.data.ImportoMensile, '1300');
  assert.is(r2.record!.data.Cognome, 'ROSSI', 'fields not in the input stay');
  const r3 = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: { CodiceFiscale: CF_ROSSI, CodicePrestazione: 'A1.04', ProtocolloDomanda: 'P-2026-001', ImportoMensile: '1.300,00' } }, { kind: 'import', ref: 'batch-3' });
  assert.is(r3.outcome, 'unchanged');
  const history = await siuss.register.historyOf(A, r1.record!.id);
  assert.equal(history.map((h) => h.action), ['created', 'merged']);
  assert.equal(history[1]!.changes.ImportoMensile, { from: '1234.5', to: '1300' });
  assert.is(history[1]!.originRef, 'batch-2');
  const refused = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: '' }) }, who);
  assert.is(refused.outcome, 'refused');
  assert.is(refused.record, null);
  assert.ok(refused.errors.some((e) => e.field === 'ProtocolloDomanda'));
  const incomplete = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'P-INC', ImportoMensile: '' }) }, who);
  assert.is(incomplete.record!.status, 'da_completare');
  assert.is(incomplete.errors[0]!.field, 'ImportoMensile');
  const invalid = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'P-INV', Genere: 'X' }) }, who, { refuseInvalid: true });
  assert.is(invalid.outcome, 'refused');
  // Likely duplicate: same person and benefit, overlapping period, another protocollo.
  const dup = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: 'P-2026-001-BIS' }) }, who);
  assert.ok(dup.warnings.some((w) => w.kind === 'duplicato' && w.message.includes(r1.record!.id)));
  await siuss.register.remove(A, dup.record!.id, null, who);
  await siuss.register.remove(A, incomplete.record!.id, null, who);
});

test('flows: PS with insert (PS, PSA, SINA), update (C + I) and cancel, validated by xmllint; outcomes; ids with a daily progressive', async () => {
  const sina = await siuss.register.upsert(A, { tipo: 'PS_PSA_SINA', fields: withSina() }, who);
  assert.is(sina.record!.status, 'pronto', JSON.stringify(sina.errors));
  const check = await siuss.register.check(A);
  assert.ok(check.every((c) => c.errors.length === 0), JSON.stringify(check));

  // Insert, file mode: one document, two beneficiaries.
  const flows = await siuss.flows.generate(A, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
  assert.is(flows.length, 1);
  const day = '20260302';
  assert.is(flows[0]!.idFlusso, `${A}.PS.${day}.0000001`);
  assert.is(flows[0]!.records, 2);
  const { xml } = await siuss.flows.xml(A, flows[0]!.id);
  xmllint(xml, 'PS_PSA_SINA');
  assert.match(xml, /TipoOperazione="I"/);
  assert.match(xml, /<SINA [^>]*Mobilita="2"/);
  assert.match(xml, /<InvaliditaCivile><InvCiv>1<\/InvCiv><InvCiv>5<\/InvCiv><\/InvaliditaCivile>/);
  let rec = await siuss.register.mustGet(A, sina.record!.id);
  assert.is(rec.status, 'inviato');
  // Nothing left to send.
  assert.equal(await siuss.flows.generate(A, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who), []);

  // OK outcome: accepted with the acquisition id.
  const done = await siuss.flows.applyOutcome(A, flows[0]!.idFlusso, { codice: 'OK', idAcquisizione: '22738' });
  assert.is(done!.status, 'accettato');
  rec = await siuss.register.mustGet(A, sina.record!.id);
  assert.is(rec.status, 'accettato');
  assert.is(rec.idAcquisizione, '22738');
  assert.is(rec.operation, null);
  // The same outcome again changes nothing; another comune cannot answer this flow.
  assert.is((await siuss.flows.applyOutcome(A, flows[0]!.idFlusso, { codice: 'OK', idAcquisizione: '22738' }))!.status, 'accettato');
  assert.is(await siuss.flows.applyOutcome(B, flows[0]!.idFlusso, { codice: 'OK' }), null);

  // Update of an accepted record: C of the acquired version then I of the new one; WaaS: one benefit per flow.
  rec = await siuss.register.update(A, rec.id, { ...rec.data, ImportoPrestazione: '350' }, rec.version, who);
  assert.is(rec.status, 'pronto');
  assert.is(rec.operation, 'U');
  const upd = await siuss.flows.generate(A, { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: CF_OPERATORE }, who);
  assert.equal(upd.map((f) => f.idFlusso), [`${A}.PS.${day}.0000002`, `${A}.PS.${day}.0000003`]);
  assert.ok(upd[1]!.createdMs > upd[0]!.createdMs, 'strictly increasing createdMs');
  const cXml = (await siuss.flows.xml(A, upd[0]!.id)).xml;
  const iXml = (await siuss.flows.xml(A, upd[1]!.id)).xml;
  xmllint(cXml, 'PS_PSA_SINA');
  xmllint(iXml, 'PS_PSA_SINA');
  assert.match(cXml, /TipoOperazione="C"[^>]*ImportoPrestazione="300"|ImportoPrestazione="300"[^>]*TipoOperazione="C"|TipoOperazione="C"/);
  assert.ok(cXml.includes('ImportoPrestazione="300"'));
  assert.ok(iXml.includes('ImportoPrestazione="350"') && iXml.includes('TipoOperazione="I"'));
  assert.is((cXml.match(/<PrestazioniSociali/g) ?? []).length, 1);
  await siuss.flows.applyOutcome(A, upd[0]!.idFlusso, { codice: 'OK', idAcquisizione: 'c1' });
  assert.is((await siuss.register.mustGet(A, rec.id)).status, 'inviato', 'still carried by the I flow');
  // The I is refused: back to the work list with INPS's description.
  await siuss.flows.applyOutcome(A, upd[1]!.idFlusso, { codice: 'RICHIESTA_INVALIDA', descrizione: 'Importo non coerente' });
  rec = await siuss.register.mustGet(A, rec.id);
  assert.is(rec.status, 'scartato');
  assert.is(rec.esitoDescrizione, 'Importo non coerente');
  assert.is(rec.operation, 'I', 'INPS no longer holds it: insert again');
  const list = await siuss.register.list(A, { status: 'scartato' });
  assert.equal(list.items.map((r) => r.id), [rec.id]);
  // Correction then re-send, accepted.
  rec = await siuss.register.update(A, rec.id, { ...rec.data, ImportoPrestazione: '340' }, rec.version, who);
  assert.is(rec.status, 'pronto');
  const again = await siuss.flows.generate(A, { tipo: 'PS_PSA_SINA', modalita: 'waas', cfOperatore: CF_OPERATORE }, who);
  assert.is(again.length, 1);
  xmllint((await siuss.flows.xml(A, again[0]!.id)).xml, 'PS_PSA_SINA');
  await siuss.flows.applyOutcome(A, again[0]!.idFlusso, { codice: 'OK', idAcquisizione: 'i2' });
  assert.is((await siuss.register.mustGet(A, rec.id)).status, 'accettato');

  // Cancel: deleting an acquired record sends C.
  const del = await siuss.register.remove(A, rec.id, null, who);
  assert.is(del.removed, false);
  assert.is(del.record!.operation, 'C');
  const cancel = await siuss.flows.generate(A, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
  const canXml = (await siuss.flows.xml(A, cancel[0]!.id)).xml;
  xmllint(canXml, 'PS_PSA_SINA');
  assert.ok(canXml.includes('TipoOperazione="C"') && !canXml.includes('TipoOperazione="I"'));
  await siuss.flows.applyOutcome(A, cancel[0]!.idFlusso, { codice: 'OK' });
  const cancelled = await siuss.register.mustGet(A, rec.id);
  assert.ok(cancelled.cancelled);
  assert.is(cancelled.status, 'accettato');
  assert.is(cancelled.operation, null);

  // A periodic record alone (PS without SINA) in its own WaaS flow.
  const alone = await siuss.register.list(A, { codiceFiscale: CF_ROSSI });
  assert.ok(alone.items.length >= 1);
});

test('flows: SINBA insert and update validated by xmllint; a sent SINBA record cannot be cancelled', async () => {
  const r = await siuss.register.upsert(A, { tipo: 'SINBA', fields: sinba() }, who);
  assert.is(r.record!.status, 'pronto', JSON.stringify(r.errors));
  const flows = await siuss.flows.generate(A, { tipo: 'SINBA', modalita: 'waas', cfOperatore: CF_OPERATORE }, who);
  assert.is(flows.length, 1);
  assert.match(flows[0]!.idFlusso, new RegExp(`^${A}\\.SINBA\\.20260302\\.\\d{7}$`));
  const xml = (await siuss.flows.xml(A, flows[0]!.id)).xml;
  xmllint(xml, 'SINBA');
  assert.ok(xml.includes('DataPrimaSegnalazione="11/2025"'));
  await siuss.flows.applyOutcome(A, flows[0]!.idFlusso, { codice: 'OK', idAcquisizione: 's1' });
  let rec = await siuss.register.mustGet(A, r.record!.id);
  rec = await siuss.register.update(A, rec.id, { ...rec.data, LuogoVita: '3' }, rec.version, who);
  assert.is(rec.operation, 'U');
  const upd = await siuss.flows.generate(A, { tipo: 'SINBA', modalita: 'file', cfOperatore: CF_OPERATORE }, who);
  const updXml = (await siuss.flows.xml(A, upd[0]!.id)).xml;
  xmllint(updXml, 'SINBA');
  assert.ok(updXml.includes('LuogoVita="3"'));
  await siuss.flows.applyOutcome(A, upd[0]!.idFlusso, { codice: 'OK' });
  try {
    await siuss.register.remove(A, rec.id, null, who);
    assert.unreachable('SINBA cancel refused');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'SINBA_CANCEL_UNSUPPORTED');
  }
});

test('file mode splits flows within the size limit; the zip holds one file per flow', async () => {
  for (let i = 0; i < 6; i++) await siuss.register.upsert(B, { tipo: 'PS_PSA_SINA', fields: periodic({ ProtocolloDomanda: `SPLIT-${i}`, DataInizioPrestazione: `01/0${i + 1}/2025`, DataFinePrestazione: `28/0${i + 1}/2025` }) }, who);
  const flows = await siuss.flows.generate(B, { tipo: 'PS_PSA_SINA', modalita: 'file', cfOperatore: CF_OPERATORE, maxBytes: 2500 }, who);
  assert.ok(flows.length >= 2, `split into ${flows.length}`);
  assert.is(flows.reduce((n, f) => n + f.records, 0), 6);
  for (const f of flows) {
    assert.ok(f.sizeBytes <= 2500 || f.records === 1, `${f.sizeBytes}`);
    xmllint((await siuss.flows.xml(B, f.id)).xml, 'PS_PSA_SINA');
  }
  const { count, zip } = await siuss.flows.zip(B);
  assert.is(count, flows.length);
  assert.ok(zip.length > 100);
});

test('tenancy: another comune sees none of these records or flows', async () => {
  const mine = await siuss.register.list(A);
  assert.ok(mine.total > 0);
  const other = await siuss.register.list(B);
  assert.ok(other.items.every((r) => r.tenant === B));
  assert.is(await siuss.register.get(B, mine.items[0]!.id), null);
  const flowsA = await siuss.flows.list(A);
  try {
    await siuss.flows.get(B, flowsA.items[0]!.id);
    assert.unreachable('404');
  } catch (err) {
    assert.is((err as { status?: number }).status, 404);
  }
  assert.ok((await siuss.register.list(B, { codiceFiscale: CF_BIANCHI })).total === 0);
});

test.run();
