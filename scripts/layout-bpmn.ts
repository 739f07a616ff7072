/**
 * Generates the diagram (BPMN DI) of hand-written BPMN files with
 * bpmn-auto-layout, so Camunda Modeler and bpmn-js render them:
 *
 *   npx tsx scripts/layout-bpmn.ts processes/rei.bpmn processes/F205/rei.bpmn
 *
 * The semantic model is the source: write or edit it (ids, flows, Camunda
 * attributes), then run this script, which rewrites each file in place with a
 * fresh layout. Sub-processes are laid out expanded, in the same plane as
 * their parent. Before layout the flow nodes' incoming/outgoing references are
 * filled in from the sequence flows (bpmn-auto-layout walks them; Modeler
 * writes them too). After layout the script checks that every flow node has a
 * shape and every sequence flow an edge, and fails otherwise.
 * Note: the moddle round trip drops XML comments; use bpmn:documentation.
 */
import fs from 'node:fs';
import { layoutBpmn } from '../src/engine/definitions/layout.js';

export { layoutBpmn, checkDiagram } from '../src/engine/definitions/layout.js';

async function main(files: string[]) {
  if (!files.length) {
    console.error('Uso: npx tsx scripts/layout-bpmn.ts <file.bpmn> [altri…]');
    process.exit(2);
  }
  let failed = false;
  for (const file of files) {
    const result = await layoutBpmn(fs.readFileSync(file, 'utf8'));
    if (result.problems.length) {
      failed = true;
      console.error(`${file}: layout incompleto\n  ${result.problems.join('\n  ')}`);
      continue;
    }
    fs.writeFileSync(file, result.xml.endsWith('\n') ? result.xml : `${result.xml}\n`);
    console.log(`${file}: ${result.shapes} forme, ${result.edges} archi`);
  }
  if (failed) process.exit(1);
}

if (process.argv[1] && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href) {
  await main(process.argv.slice(2));
}
