/**
 * Issue 10, item 3 — "escalation tasks go stale": every escalation (sollecito)
 * of the REI model ends when the step it escalates ends. Each step and its
 * escalation live in a sub-process whose normal end is a terminate end event,
 * so finishing the step closes a sollecito still open. One scenario per
 * escalation on the default model, and a structural check of every model file
 * under processes/ (the per-comune variants too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { PROGETTO, addWorkingDaysEnd, advanceTo, complete, domanda, instance, message, openTasks, reiWorld, startRei, taskOf, work, type ReiWorld } from './rei-helpers.js';

let app: TestApp;
let w: ReiWorld;
test.before(async () => {
  app = await startTestApp();
  w = await reiWorld(app);
});
test.after(async () => app.close());
test.before.each(async () => {
  app.clock.set('2026-03-02T08:00:00.000Z');
  for (const u of w.users) await u.refresh();
});

const open = async (id: string) => (await openTasks(w, id)).map((t) => t.elementId);

/** The escalation task, once closed: cancelled (not completed), with the step's end. */
async function assertClosed(taskId: string) {
  const r = await w.resp.get(`/api/v1/tasks/${taskId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.status, 'cancelled', 'the escalation ended with its step');
  assert.is(r.body.completedBy, null);
}

test('checks and sending to INPS late → "Sollecito: controlli e invio a INPS oltre il termine"; the checks done → the sollecito closes', async () => {
  const { id } = await startRei(w, domanda('REI-ESC-1', { anniResidenza: null }));
  await advanceTo(w, '2026-03-24T08:00:00Z'); // 15 working days after 2 March: Mon 23 March
  const late = await taskOf(w, id, 'sollecitoIstruttoria');
  assert.equal(await open(id), ['sollecitoIstruttoria', 'verificaRequisiti']);
  await complete(w, w.op, id, 'verificaRequisiti', { esitoIstruttoria: 'ammissibile' });
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-ESC-1', dataInvioInps: '2026-03-24' });
  assert.not.ok((await open(id)).includes('sollecitoIstruttoria'), JSON.stringify(await open(id)));
  await assertClosed(late.id);
  assert.ok((await instance(w, id)).activeElements.includes('attesaEsitoInps'));
});

test('INPS outcome late → "Sollecito: esito INPS non ricevuto"; the outcome arrives → the sollecito closes, the case moves to the analysis', async () => {
  const { id } = await startRei(w, domanda('REI-ESC-2'));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-ESC-2', dataInvioInps: '2026-03-02' });
  await advanceTo(w, '2026-03-10T08:00:00Z'); // 5 working days after 2 March: Mon 9 March
  const late = await taskOf(w, id, 'sollecitoEsitoInps');
  const m = await message(w, 'esitoInps', 'REI-ESC-2', { esitoInps: 'positivo', motiviInps: [] });
  assert.is(m.status, 200, JSON.stringify(m.body));
  assert.equal(await open(id), ['analisiPreliminare']);
  await assertClosed(late.id);
});

test('analisi preliminare late → "Sollecito: analisi preliminare oltre il termine"; the analysis done → the sollecito closes', async () => {
  const { id } = await startRei(w, domanda('REI-ESC-3'));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-ESC-3', dataInvioInps: '2026-03-02' });
  await message(w, 'esitoInps', 'REI-ESC-3', { esitoInps: 'positivo', motiviInps: [] });
  await advanceTo(w, '2026-04-09T08:00:00Z'); // 25 working days after 2 March: Wed 8 April
  const late = await taskOf(w, id, 'sollecitoAnalisi');
  assert.equal(await open(id), ['analisiPreliminare', 'sollecitoAnalisi']);
  await complete(w, w.as, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-04-09', bisogni: 'semplici', sintesi: 'Analisi svolta oltre il termine.' });
  assert.equal(await open(id), ['progettoPersonalizzato']);
  await assertClosed(late.id);
});

test('signature of the project late → "Sollecito: firma del progetto oltre il termine"; the project signed → the sollecito closes', async () => {
  const { id } = await startRei(w, domanda('REI-ESC-4'));
  await work(w, id, 'inps-invio-domanda', { protocolloInps: 'INPS-ESC-4', dataInvioInps: '2026-03-02' });
  await message(w, 'esitoInps', 'REI-ESC-4', { esitoInps: 'positivo', motiviInps: [] });
  await complete(w, w.as, id, 'analisiPreliminare', { dataAnalisiPreliminare: '2026-03-03', bisogni: 'semplici', sintesi: 'Nucleo con un minore.' });
  await advanceTo(w, new Date(new Date(addWorkingDaysEnd('2026-03-03', 20)).getTime() + 3_600_000).toISOString());
  const late = await taskOf(w, id, 'sollecitoFirma');
  assert.equal(await open(id), ['progettoPersonalizzato', 'sollecitoFirma']);
  await complete(w, w.as, id, 'progettoPersonalizzato', { progetto: PROGETTO });
  await work(w, id, 'documento-progetto', { documentoProgettoId: 'doc-ESC-4' });
  assert.ok((await open(id)).includes('sollecitoFirma'), 'still open while the step (the project and its signature) goes on');
  await complete(w, w.as, id, 'firmaProgetto', { dataFirma: '2026-04-02', firmaNucleo: true });
  assert.not.ok((await open(id)).includes('sollecitoFirma'), JSON.stringify(await open(id)));
  await assertClosed(late.id);
});

test('every model under processes/ (and the per-comune variants): each escalation sits in a sub-process with its step, ended by a terminate end event', () => {
  const files = ['processes/rei.bpmn', ...fs.readdirSync('processes', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join('processes', d.name, 'rei.bpmn'))].filter((f) => fs.existsSync(f));
  assert.ok(files.includes('processes/F205/rei.bpmn'), JSON.stringify(files));
  for (const file of files) {
    const xml = fs.readFileSync(file, 'utf8');
    const escalations = [...xml.matchAll(/<bpmn:userTask id="(sollecito\w+)"/g)].map((m) => m[1]!);
    assert.equal(escalations.sort(), ['sollecitoAnalisi', 'sollecitoEsitoInps', 'sollecitoFirma', 'sollecitoIstruttoria'], file);
    for (const task of escalations) {
      const at = xml.indexOf(`<bpmn:userTask id="${task}"`);
      const { id: wrapper, body } = enclosingSubProcess(xml, at);
      assert.ok(wrapper.startsWith('fase'), `${file}: ${task} in ${wrapper}`);
      assert.match(body, /<bpmn:terminateEventDefinition/, `${file}: ${wrapper} ends with a terminate end event`);
      assert.match(body, /<bpmn:boundaryEvent id="\w+"[^>]*cancelActivity="false"/, `${file}: ${wrapper} holds the step's boundary timer`);
    }
  }
});

/** The innermost sub-process open at `at`, with its own content (nested sub-processes included). */
function enclosingSubProcess(xml: string, at: number): { id: string; body: string } {
  const stack: Array<{ id: string; start: number }> = [];
  const tags = /<bpmn:subProcess id="([^"]+)"|<\/bpmn:subProcess>/g;
  for (let m = tags.exec(xml); m && m.index < at; m = tags.exec(xml)) {
    if (m[1]) stack.push({ id: m[1], start: m.index });
    else stack.pop();
  }
  const inner = stack.at(-1);
  assert.ok(inner, 'the escalation is inside a sub-process');
  let depth = 0;
  const tail = /<bpmn:subProcess id="|<\/bpmn:subProcess>/g;
  tail.lastIndex = inner!.start;
  for (let m = tail.exec(xml); m; m = tail.exec(xml)) {
    depth += m[0].startsWith('</') ? -1 : 1;
    if (depth === 0) return { id: inner!.id, body: xml.slice(inner!.start, m.index) };
  }
  throw new Error('sub-process not closed');
}

test.run();
