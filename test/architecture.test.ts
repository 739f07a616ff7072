/**
 * The layering of src/, checked on the import graph (type-only imports count:
 * a cycle through types is still a cycle of concepts):
 * - no import cycles anywhere in src/;
 * - nothing outside the HTTP layer (src/api, and src/web: the pages served by the
 *   same server) imports from src/api (services never depend on the HTTP layer),
 *   except the server's start (src/server.ts, run by the entry point src/main.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** Entry points that assemble the HTTP server: they may import src/api. */
const API_ENTRY_POINTS = new Set(['server.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Relative imports of a file resolved to files of src/ (keys relative to src/, with '/'). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => {
        const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
        const candidate = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => existsSync(c));
        if (!candidate) throw new Error(`${path.relative(SRC, file)}: import ${spec} does not resolve to a file of src/`);
        return key(candidate);
      });
    graph.set(key(file), [...new Set(targets)]);
  }
  return graph;
}

const key = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** Strongly connected components with more than one file (or a file importing itself): Tarjan. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('the walk sees the whole of src/', () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `only ${graph.size} files`);
  assert.ok(graph.get('app-context.ts')!.includes('tasks/external/external-task.service.ts'));
});

test('src/ has no import cycles', () => {
  const found = cycles(importGraph());
  assert.equal(found, [], `import cycles:\n${found.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}`);
});

test('the cycle detector finds a cycle when there is one', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  assert.equal(cycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
});

test('nothing outside the HTTP layer (src/api, src/web) imports from src/api (only the server entry point)', () => {
  const offenders = [...importGraph()]
    .filter(([from]) => !from.startsWith('api/') && !from.startsWith('web/') && !API_ENTRY_POINTS.has(from))
    .flatMap(([from, targets]) => targets.filter((t) => t.startsWith('api/')).map((t) => `${from} → ${t}`));
  assert.equal(offenders, []);
});

test.run();
