/** Small DMN 1.3 files for the decision tests, written the way Camunda Modeler writes them. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface TableSpec {
  name?: string;
  hitPolicy?: string;
  aggregation?: string;
  requires?: string[];
  inputs: Array<{ expr: string; typeRef?: string; label?: string }>;
  outputs: Array<{ name: string; typeRef?: string; values?: string; default?: string }>;
  /** [input cells, output cells] per rule; rule ids are `<decision>-r<n>`. */
  rules: Array<[string[], string[]]>;
}

export function table(id: string, t: TableSpec): string {
  const attrs = `${t.hitPolicy ? ` hitPolicy="${t.hitPolicy}"` : ''}${t.aggregation ? ` aggregation="${t.aggregation}"` : ''}`;
  return `  <decision id="${id}" name="${esc(t.name ?? id)}">
${requirements(id, t.requires)}    <decisionTable id="${id}-table"${attrs}>
${t.inputs.map((i, n) => `      <input id="${id}-in${n + 1}"${i.label ? ` label="${esc(i.label)}"` : ''}>
        <inputExpression id="${id}-ie${n + 1}"${i.typeRef ? ` typeRef="${i.typeRef}"` : ''}><text>${esc(i.expr)}</text></inputExpression>
      </input>`).join('\n')}
${t.outputs.map((o, n) => `      <output id="${id}-out${n + 1}" name="${o.name}"${o.typeRef ? ` typeRef="${o.typeRef}"` : ''}>${o.values ? `<outputValues><text>${esc(o.values)}</text></outputValues>` : ''}${o.default ? `<defaultOutputEntry><text>${esc(o.default)}</text></defaultOutputEntry>` : ''}</output>`).join('\n')}
${t.rules.map(([ins, outs], n) => `      <rule id="${id}-r${n + 1}">
${ins.map((c, k) => `        <inputEntry id="${id}-r${n + 1}-i${k + 1}"><text>${esc(c)}</text></inputEntry>`).join('\n')}
${outs.map((c, k) => `        <outputEntry id="${id}-r${n + 1}-o${k + 1}"><text>${esc(c)}</text></outputEntry>`).join('\n')}
      </rule>`).join('\n')}
    </decisionTable>
  </decision>`;
}

export function literal(id: string, expr: string, opts: { name?: string; variable?: string; typeRef?: string; requires?: string[] } = {}): string {
  return `  <decision id="${id}" name="${esc(opts.name ?? id)}">
${opts.variable ? `    <variable id="${id}-var" name="${opts.variable}"${opts.typeRef ? ` typeRef="${opts.typeRef}"` : ''} />\n` : ''}${requirements(id, opts.requires)}    <literalExpression id="${id}-expr"><text>${esc(expr)}</text></literalExpression>
  </decision>`;
}

export function dmn(...decisions: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="defs-${/decision id="([^"]+)"/.exec(decisions[0] ?? '')?.[1] ?? 'vuoto'}" name="Test" namespace="http://camunda.org/schema/1.0/dmn">
${decisions.join('\n')}
</definitions>`;
}

function requirements(id: string, requires: string[] = []): string {
  return requires.map((r, n) => `    <informationRequirement id="${id}-req${n + 1}"><requiredDecision href="#${r}" /></informationRequirement>\n`).join('');
}

/** One-input, one-output table: handy for hit-policy tests. */
export function simple(id: string, hitPolicy: string, rules: Array<[string, string]>, opts: { aggregation?: string; typeRef?: string; values?: string } = {}): string {
  return dmn(table(id, { hitPolicy, aggregation: opts.aggregation, inputs: [{ expr: 'x', typeRef: opts.typeRef ?? 'number' }], outputs: [{ name: 'out', values: opts.values }], rules: rules.map(([i, o]) => [[i], [o]]) }));
}
