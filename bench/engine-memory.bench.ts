/**
 * What a live bpmn-engine costs in memory: the engine cache
 * (src/engine/execution/engine-cache.ts) weighs each kept engine by an
 * estimate (0.3 MB + 32 KB per model element), and this checks the estimate
 * against the heap measured here: N engines of a model are started and kept,
 * heap after GC before and after, divided by N. Two models: the timer-storm
 * case (7 elements) and the REI model (processes/rei.bpmn). No database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBpmn } from '../src/engine/definitions/compile.js';
import { runCommand, type EngineSession } from '../src/engine/execution/runtime.js';
import { estimatedEngineBytes } from '../src/engine/execution/engine-cache.js';
import { defaultHandlers } from '../src/tasks/handlers/index.js';
import { systemClock } from '../src/shared/clock.js';
import { calendarFunctions } from '../src/engine/calendar/functions.js';
import { createCalendar, normalizeSettings } from '../src/engine/calendar/index.js';
import { STORM_MODEL } from './timer-storm.bench.js';
import { benchLine, fullGc } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function runEngineMemoryBench(engines = 200): Promise<void> {
  console.log(`\n== engine-memory: heap per live bpmn-engine (${engines} kept per model) against the engine cache's estimate`);
  if (!fullGc) {
    console.log('   skipped: no way to trigger a full GC in this node');
    return;
  }
  const rei = {
    name: 'rei',
    xml: fs.readFileSync(path.join(ROOT, 'processes', 'rei.bpmn'), 'utf8'),
    params: JSON.parse(fs.readFileSync(path.join(ROOT, 'processes', 'rei.params.json'), 'utf8')) as Record<string, unknown>,
  };
  for (const model of [{ name: 'storm', xml: STORM_MODEL, params: {} }, rei]) {
    const handlers = defaultHandlers();
    const compiled = await compileBpmn(model.xml, { handlerNames: handlers.names() });
    const process = compiled.processes[0];
    if (!process) throw new Error(`engine-memory: ${model.name} does not compile: ${compiled.errors.map((e) => e.message).join('; ')}`);
    const elements = Object.keys(process.index.elements).length;
    const clock = systemClock();
    const functions = calendarFunctions(createCalendar(normalizeSettings({})), clock);
    const kept: EngineSession[] = [];
    fullGc.run();
    const before = globalThis.process.memoryUsage().heapUsed;
    for (let i = 0; i < engines; i++) {
      const r = await runCommand(
        {
          definitionId: `mem-${model.name}`,
          process,
          instanceId: `mem-${i}`,
          tenant: 'MEM',
          businessKey: `MEM-${i}`,
          params: model.params,
          handlers,
          clock,
          functions,
          // The eligibility decision's outcome, so that the REI case goes on to wait for INPS as a real one does.
          decisions: { run: async () => ({ requisiti: { esito: 'ammissibile' } }) },
        },
        null,
        { type: 'start', variables: { protocollo: `MEM-${i}`, dataDomanda: '2026-03-02', isee: 3200 } },
      );
      kept.push(r.session);
    }
    fullGc.run();
    const perEngine = (globalThis.process.memoryUsage().heapUsed - before) / kept.length;
    const estimate = estimatedEngineBytes(elements);
    console.log(`   ${model.name.padEnd(6)} ${elements} elements: ${(perEngine / 1024).toFixed(0)} KB per live engine; cache estimate ${(estimate / 1024).toFixed(0)} KB`);
    benchLine(`live-engine-${model.name}`, perEngine / 1024, 'KB', perEngine / estimate, 'engine-cache-estimate');
    kept.length = 0;
  }
}
