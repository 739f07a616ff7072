/**
 * Real-world BPMN from other modelling tools (MIWG exports, vendored in
 * test/fixtures/miwg/other-tools) made executable: constructs the serializer
 * of bpmn-elements cannot take (root itemDefinition and globalUserTask, an
 * empty laneSet, performers without an assignment expression) never surface
 * as library exceptions; unresolved references are reported in Italian with
 * the element and the missing id.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileBpmn } from '../../src/engine/definitions/compile.js';

const DIR = fileURLToPath(new URL('../fixtures/miwg/other-tools/', import.meta.url));

/** The file with every process marked executable, as an analyst would before deploying it. */
function executable(name: string): string {
  return readFileSync(DIR + name, 'utf8').replace(/<((?:\w+:)?process)\b([^>]*?)(\/?)>/g, (_m, tag: string, attrs: string, close: string) => `<${tag}${attrs.replace(/\sisExecutable="[^"]*"/, '')} isExecutable="true"${close}>`);
}

const compile = (xml: string) => compileBpmn(xml, { handlerNames: new Set() });
const libraryException = (messages: string[]) => messages.filter((m) => /non sa eseguire|not iterable|Cannot read|Unknown activity type/.test(m));

test('root itemDefinitions (Trisotech) are set aside: the processes compile', async () => {
  const r = await compile(executable('trisotech-workflow-12.6.3-C.9.1-roundtrip.bpmn'));
  assert.equal(libraryException(r.errors.map((e) => e.message)), []);
  assert.equal(r.errors, [], JSON.stringify(r.errors));
  assert.ok(r.processes.length >= 1);
});

test('an empty laneSet (IBM BlueWorks, Bizagi) is a lane set without lanes', async () => {
  const xml = executable('ibm-blueworks-2014-A.2.0-export.bpmn');
  assert.match(xml, /<laneSet id="[^"]+"\/>/);
  const r = await compile(xml);
  assert.equal(libraryException(r.errors.map((e) => e.message)), []);
  // What is left is the model's own gap, said in Italian (a split without conditions).
  assert.ok(r.errors.every((e) => e.rule === 'gateway-missing-condition'), JSON.stringify(r.errors));
  const minimal = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
<process id="conCorsie" isExecutable="true"><laneSet id="ls"/><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/><endEvent id="e"/></process></definitions>`;
  const ok = await compile(minimal);
  assert.equal(ok.errors, []);
  assert.is(ok.processes[0]?.key, 'conCorsie');
});

test('performers without an assignment expression (Aeneis) are dropped with an Italian warning', async () => {
  const r = await compile(executable('aeneis-5.7-A.4.0-export.bpmn'));
  assert.equal(libraryException(r.errors.map((e) => e.message)), []);
  const dropped = r.warnings.filter((w) => w.rule === 'performer-without-expression');
  assert.ok(dropped.length >= 1);
  assert.match(dropped[0]!.message, /esecutore \(performer\) senza espressione di assegnazione/);
  assert.ok(dropped[0]!.elementId);
});

test('a globalUserTask (Trisotech Visio) is ignored with a warning naming it; no library exception', async () => {
  const r = await compile(executable('trisotech-visio-5.0.1-B.2.0-roundtrip.bpmn'));
  assert.equal(libraryException(r.errors.map((e) => e.message)), []);
  const global = r.warnings.find((w) => w.rule === 'global-task-ignored');
  assert.ok(global);
  assert.match(global!.message, /Call Activity calling a Global User Task/);
});

test('an unresolved reference is an Italian error naming the element, the property and the missing id', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
<process id="p" isExecutable="true"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="manca"/><endEvent id="e"/></process></definitions>`;
  const r = await compile(xml);
  const e = r.errors.find((p) => p.rule === 'bpmn-schema');
  assert.ok(e, JSON.stringify(r.errors));
  assert.match(e!.message, /Riferimento non risolto: "f1" \(bpmn:SequenceFlow\), proprietà bpmn:targetRef, rimanda a "manca"/);
  assert.is(e!.elementId, 'f1');
});

test.run();
