/**
 * The DMN TCK runner (used by `npm run tck`, scripts/tck.ts, and by the
 * regression test on the TCK models kept in test/fixtures/dmn-tck): deploys a
 * model folder's .dmn files with POST /api/v1/deployments and evaluates each
 * test case's result nodes with POST /api/v1/decisions/{key}/evaluate,
 * comparing the reply's `value` with the expected one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SaxesParser } from 'saxes';
import type { Client } from './harness.js';

interface TckValue {
  nil?: boolean;
  type?: string;
  text?: string;
  list?: TckValue[];
  components?: Array<{ name: string; value: TckValue }>;
}

interface TckCase {
  id: string;
  type?: string;
  /** For type decisionService: the decision service invoked (its result nodes are its output decisions). */
  invocableName?: string;
  inputs: Array<{ name: string; value: TckValue }>;
  results: Array<{ name: string; errorResult: boolean; expected: TckValue | null }>;
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** The XML as a tree of elements (local names). */
function tree(xml: string): Node {
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: Node[] = [root];
  const parser = new SaxesParser({ xmlns: false });
  const local = (n: string) => n.replace(/^.*:/, '');
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[local(k)] = String(v);
    const node: Node = { name: local(tag.name), attrs, children: [], text: '' };
    stack[stack.length - 1]!.children.push(node);
    stack.push(node);
  });
  parser.on('text', (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  return root;
}

/** A value holder (`value`, `list`, `component`s) as a TckValue. */
function valueOf(holder: Node): TckValue {
  const value = holder.children.find((c) => c.name === 'value');
  if (value) return { type: value.attrs.type, nil: value.attrs.nil === 'true', text: value.text };
  const list = holder.children.find((c) => c.name === 'list');
  if (list) return { list: list.children.filter((c) => c.name === 'item').map(valueOf) };
  const components = holder.children.filter((c) => c.name === 'component');
  if (components.length) return { components: components.map((c) => ({ name: c.attrs.name ?? '', value: valueOf(c) })) };
  return { nil: true };
}

/** Reads a `*-test-*.xml` file of the TCK. */
function readTests(xml: string): TckCase[] {
  const doc = tree(xml).children[0];
  return (doc?.children ?? [])
    .filter((c) => c.name === 'testCase')
    .map((tc, i) => ({
      id: tc.attrs.id ?? String(i + 1),
      type: tc.attrs.type,
      invocableName: tc.attrs.invocableName,
      inputs: tc.children.filter((c) => c.name === 'inputNode').map((n) => ({ name: n.attrs.name ?? '', value: valueOf(n) })),
      results: tc.children
        .filter((c) => c.name === 'resultNode')
        .map((n) => {
          const expected = n.children.find((c) => c.name === 'expected');
          return { name: n.attrs.name ?? '', errorResult: n.attrs.errorResult === 'true', expected: expected ? valueOf(expected) : null };
        }),
    }));
}

/** A TCK value as the JSON a user sends (dates, times and durations as ISO strings). */
function toJson(v: TckValue | null): unknown {
  if (!v || v.nil) return null;
  if (v.list) return v.list.map(toJson);
  if (v.components) return Object.fromEntries(v.components.map((c) => [c.name, toJson(c.value)]));
  const t = (v.text ?? '').trim();
  switch ((v.type ?? '').replace(/^.*:/, '')) {
    case 'decimal':
    case 'double':
    case 'integer':
    case 'int':
    case 'long':
      return Number(t);
    case 'boolean':
      return t === 'true';
    default:
      return v.text ?? '';
  }
}

/** Equality of a computed and an expected value: numbers to 1e-9 (relative), ISO dates/times/durations as written. */
function same(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return false;
    return actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => same(actual[i], e));
  if (typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    return Object.keys(e).every((k) => same(a[k], e[k])) && Object.keys(a).every((k) => k in e);
  }
  if (typeof expected === 'string' && typeof actual === 'string') return normalIso(actual) === normalIso(expected);
  return actual === expected;
}

/** ISO durations and times compared in a canonical form (`PT0S` = `P0D`, `P1Y0M` = `P1Y`, `12:00:00Z` = `12:00:00+00:00`). */
function normalIso(s: string): string {
  return s
    .replace(/\+00:00$/, 'Z')
    .replace(/^(-?P\d+Y)0M$/, '$1')
    .replace(/^-?P(T)?0[DSMH]$|^-?P0Y$|^PT0S$/, 'P0D');
}

export interface Outcome {
  passed: number;
  failed: number;
  failures: Array<{ model: string; test: string; why: string }>;
}

export async function runLevel(client: Client, dir: string, only: RegExp | null): Promise<Outcome> {
  const out: Outcome = { passed: 0, failed: 0, failures: [] };
  for (const model of fs.readdirSync(dir).sort()) {
    if (only && !only.test(model)) continue;
    const folder = path.join(dir, model);
    if (!fs.statSync(folder).isDirectory()) continue;
    const files = fs.readdirSync(folder);
    const dmnFiles = files.filter((f) => f.endsWith('.dmn'));
    const tests = files.filter((f) => /-test-\d+\.xml$/.test(f)).flatMap((f) => readTests(fs.readFileSync(path.join(folder, f), 'utf8')));
    const fail = (test: string, why: string) => {
      out.failed++;
      out.failures.push({ model, test, why });
    };
    if (process.env.TCK_PROGRESS) process.stderr.write(`${model}\n`);
    const deployed = await client.post('/api/v1/deployments', { name: `tck ${model}`, tenant: null, files: dmnFiles.map((f) => ({ name: f, content: fs.readFileSync(path.join(folder, f), 'utf8') })) });
    if (deployed.status !== 201) {
      const errors = (deployed.body as { error?: { message?: string; details?: { errors?: Array<{ message: string }> } } }).error;
      const why = `deploy ${deployed.status}: ${errors?.details?.errors?.[0]?.message ?? errors?.message ?? ''}`.slice(0, 300);
      for (const t of tests) fail(t.id, why);
      continue;
    }
    // Decision names → keys (ids), from the deployed versions.
    const keyByName = new Map<string, string>();
    for (const d of (deployed.body as { decisions: Array<{ key: string; name: string | null }> }).decisions) {
      keyByName.set(d.key, d.key);
      if (d.name) keyByName.set(d.name, d.key);
    }
    for (const t of tests) {
      const service = t.type === 'decisionService' ? t.invocableName : undefined;
      if (t.type === 'bkm' || (t.type === 'decisionService' && !service)) {
        fail(t.id, `tipo di test ${t.type} non supportato`);
        continue;
      }
      const variables = Object.fromEntries(t.inputs.map((i) => [i.name, toJson(i.value)]));
      let why: string | null = null;
      for (const r of t.results) {
        const key = keyByName.get(service ?? r.name);
        if (!key) {
          why = `decisione "${service ?? r.name}" non distribuita`;
          break;
        }
        const reply = await client.post(`/api/v1/decisions/${encodeURIComponent(key)}/evaluate`, { variables });
        const body = reply.body as { value?: unknown; result?: Record<string, unknown> | null; error?: { message: string } };
        // A decision service's result holds its output decisions by name.
        if (service && reply.status === 200) body.value = body.result?.[r.name] ?? null;
        if (r.errorResult) {
          if (reply.status === 200 && body.value !== null) why = `${r.name}: atteso un errore, ottenuto ${JSON.stringify(body.value)}`;
        } else if (reply.status !== 200) {
          why = `${r.name}: ${reply.status} ${body.error?.message ?? ''}`;
        } else if (!same(body.value, toJson(r.expected))) {
          why = `${r.name}: atteso ${JSON.stringify(toJson(r.expected))}, ottenuto ${JSON.stringify(body.value)}`;
        }
        if (why) break;
      }
      if (why) fail(t.id, why.slice(0, 400));
      else out.passed++;
    }
  }
  return out;
}

