/**
 * The metropolitan data generator's plan (bench/generate): the comuni of the
 * Città Metropolitana di Milano with Milano first and a third of the cases,
 * and a REI template whose ids are the deployed model's.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metroComuni, shareCases, scaled, METRO } from '../../bench/generate/metro-data.js';
import { REI, EXTRA_TASKS } from '../../bench/generate/rei-template.js';

test('the 133 comuni of the Città Metropolitana, Milano (F205) first', () => {
  const all = metroComuni(200);
  assert.is(all.length, 133);
  assert.is(all[0]!.code, 'F205');
  assert.ok(all.every((c) => /^[A-Z]\d{3}$/.test(c.code)));
  assert.equal(metroComuni(3).map((c) => c.code), all.slice(0, 3).map((c) => c.code));
});

test('Milano holds a third of the cases, the shares add up', () => {
  const shares = shareCases(metroComuni(133), 300_000);
  assert.is(shares.reduce((a, b) => a + b, 0), 300_000);
  assert.is(shares[0], 100_000);
  assert.equal(shareCases(metroComuni(1), 42), [42]);
  assert.equal(scaled(0.1), { comuni: 133, cases: 30_000, openTasks: 100_000, historyRows: 1_000_000 });
  assert.is(METRO.cases, 300_000);
});

test('every element of the REI template is in the deployed model; the waits cover every case', () => {
  const model = fs.readFileSync(new URL('../../processes/rei.bpmn', import.meta.url), 'utf8');
  const ids = new Set([...REI.main, ...REI.loop, ...REI.tail].map((e) => e.elementId).filter((id): id is string => id !== null));
  for (const id of [...ids, ...EXTRA_TASKS.map((x) => x.elementId)]) assert.ok(model.includes(`id="${id}"`), `${id} is in processes/rei.bpmn`);
  assert.is(REI.waits.reduce((a, w) => a + w.perMille, 0), 1000);
  // A case's events are in order: each left/discarded element was entered before.
  const entered = new Set<string>();
  for (const e of REI.main) {
    if (e.type === 'element.entered') entered.add(e.elementId!);
    if (e.type === 'element.left') assert.ok(entered.has(e.elementId!), `${e.elementId} left after it was entered`);
  }
});

test.run();
