/**
 * Decisions through the HTTP API: deploying .dmn files (JSON, multipart,
 * Camunda Modeler's /engine-rest), versions, refusals (invalid DMN, XXE),
 * POST /decisions/{key}/evaluate with tenancy, listing and XML, and business
 * rule tasks running inside process commands.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { dmn, literal, simple, table } from '../helpers/dmn-models.js';
import { deployProcessesDir } from '../../src/seed/bootstrap.js';

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
});
test.after(async () => app.close());

let seq = 0;
const uniqueKey = (base: string) => `${base}-${++seq}-${Math.random().toString(36).slice(2, 6)}`;

/** A UNIQUE table on `fascia` (number) → {livello}. */
function fasce(key: string, soglia = 100): string {
  return simple(key, 'UNIQUE', [[`< ${soglia}`, '"basso"'], [`>= ${soglia}`, '"alto"']]).replace(/name="out"/, 'name="livello"').replace(/<text>x<\/text>/, '<text>fascia</text>');
}

async function comune() {
  const tenant = await app.tenant();
  const analyst = await app.user({ tenant, roles: ['analista'] });
  const operator = await app.user({ tenant, roles: ['operatore'], groups: ['dmn-g'] });
  return { tenant, analyst, operator };
}

test('a .dmn deploys (JSON): one version per decision; unchanged redeploy creates none; a change creates version 2', async () => {
  const key = uniqueKey('fasce');
  const first = await deploy(admin, { 'fasce.dmn': fasce(key) }, null);
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is(first.body.decisions.length, 1);
  assert.equal({ key: first.body.decisions[0].key, version: first.body.decisions[0].version, created: first.body.decisions[0].created, tenant: first.body.decisions[0].tenant }, { key, version: 1, created: true, tenant: null });
  assert.type(first.body.deploymentId, 'string');

  const again = await deploy(admin, { 'fasce.dmn': fasce(key) }, null);
  assert.is(again.status, 201);
  assert.is(again.body.deploymentId, null);
  assert.equal([again.body.decisions[0].version, again.body.decisions[0].created], [1, false]);

  const changed = await deploy(admin, { 'fasce.dmn': fasce(key, 200) }, null);
  assert.equal([changed.body.decisions[0].version, changed.body.decisions[0].created], [2, true]);
  const list = await admin.get(`/api/v1/decision-definitions?key=${key}`);
  assert.equal(list.body.items.map((d: { version: number }) => d.version), [2, 1]);
  const evaluated = await admin.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 150 } });
  assert.is(evaluated.status, 200, JSON.stringify(evaluated.body));
  assert.equal({ version: evaluated.body.version, result: evaluated.body.result }, { version: 2, result: { livello: 'basso' } });
});

test('a DMN file with two decisions stores both; a multipart upload works like JSON', async () => {
  const { tenant, analyst } = await comune();
  const a = uniqueKey('dmn-a');
  const b = uniqueKey('dmn-b');
  const form = new FormData();
  form.append('name', 'due decisioni');
  form.append('file', new Blob([dmn(literal(a, 'x + 1'), literal(b, `${a} * 10`, { requires: [a] }))], { type: 'text/xml' }), 'due.dmn');
  const r = await analyst.request('POST', '/api/v1/deployments', form);
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.decisions.map((d: { key: string; tenant: string }) => [d.key, d.tenant]).sort(), [[a, tenant], [b, tenant]].sort());
  const ev = await analyst.post(`/api/v1/decisions/${b}/evaluate`, { variables: { x: 2 } });
  assert.is(ev.status, 200, JSON.stringify(ev.body));
  assert.equal(ev.body.result, { [b]: 30 });
  assert.equal(ev.body.requiredDecisions[a].result, { [a]: 3 });
});

test('invalid DMN upload → 422 DECISION_INVALID with file, element id and line; nothing stored', async () => {
  const key = uniqueKey('rotta');
  const r = await deploy(admin, { 'rotta.dmn': simple(key, 'UNIQUE', [['> 1', '"ok"'], ['[1..', '"ko"']]) }, null);
  assert.is(r.status, 422);
  assert.is(r.body.error.code, 'DECISION_INVALID');
  const p = r.body.error.details.errors[0];
  assert.equal([p.file, p.rule, p.elementId], ['rotta.dmn', 'feel-syntax', `${key}-r2`]);
  assert.type(p.line, 'number');
  assert.equal((await admin.get(`/api/v1/decision-definitions?key=${key}`)).body.items, []);

  const noDecision = await deploy(admin, { 'vuoto.dmn': dmn() }, null);
  assert.is(noDecision.status, 422);
  assert.is(noDecision.body.error.details.errors[0].rule, 'no-decision');
  const notXml = await deploy(admin, { 'x.dmn': 'questo non è XML' }, null);
  assert.is(notXml.status, 422);
  assert.is(notXml.body.error.code, 'DECISION_INVALID');
});

test('XXE in a DMN → 422 (DTD refused), nothing stored', async () => {
  const key = uniqueKey('xxe');
  const xml = dmn(literal(key, '"&xxe;"')).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>');
  const r = await deploy(admin, { 'xxe.dmn': xml }, null);
  assert.is(r.status, 422);
  assert.is(r.body.error.details.errors[0].rule, 'xml-dtd');
  assert.not.match(JSON.stringify(r.body), /root:/);
  assert.equal((await admin.get(`/api/v1/decision-definitions?key=${key}`)).body.items, []);
});

test('Camunda Modeler deploys a .dmn to /engine-rest/deployment/create: deployedDecisionDefinitions', async () => {
  const { tenant, analyst } = await comune();
  const key = uniqueKey('modeler');
  const form = new FormData();
  form.append('deployment-name', 'fasce');
  form.append('deployment-source', 'Camunda Modeler');
  form.append('deploy-changed-only', 'true');
  form.append('fasce.dmn', new Blob([fasce(key)], { type: 'text/xml' }), 'fasce.dmn');
  const res = await fetch(`${app.baseUrl}/engine-rest/deployment/create`, { method: 'POST', body: form, headers: { accept: 'application/json', authorization: `Bearer ${analyst.token}` } });
  const body = await res.json();
  assert.is(res.status, 200, JSON.stringify(body));
  const defs = Object.values(body.deployedDecisionDefinitions as Record<string, { key: string; version: number; tenantId: string; resource: string }>);
  assert.equal(defs.map((d) => [d.key, d.version, d.tenantId, d.resource]), [[key, 1, tenant, 'fasce.dmn']]);
  assert.is(body.deployedProcessDefinitions, null);
  assert.type(body.id, 'string');

  const bad = new FormData();
  bad.append('deployment-name', 'rotta');
  bad.append('rotta.dmn', new Blob([simple(uniqueKey('r'), 'UNIQUE', [['[1..', '1']])]), 'rotta.dmn');
  const refused = await fetch(`${app.baseUrl}/engine-rest/deployment/create`, { method: 'POST', body: bad, headers: { authorization: `Bearer ${analyst.token}` } });
  const refusal = await refused.json();
  assert.is(refused.status, 400);
  assert.is(refusal.type, 'ParseException');
  assert.ok(refusal.details['rotta.dmn'].errors[0].mainElementId);
});

test('evaluate: comune fallback to the shared default, comune override, other comune unaffected', async () => {
  const key = uniqueKey('livelli');
  assert.is((await deploy(admin, { 'l.dmn': fasce(key, 100) }, null)).status, 201);
  const a = await comune();
  const b = await comune();
  const shared = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 150 } });
  assert.is(shared.status, 200, JSON.stringify(shared.body));
  assert.equal({ tenant: shared.body.tenant, definitionTenant: shared.body.definitionTenant, result: shared.body.result, matchedRules: shared.body.matchedRules }, { tenant: a.tenant, definitionTenant: null, result: { livello: 'alto' }, matchedRules: [`${key}-r2`] });

  assert.is((await deploy(a.analyst, { 'l.dmn': fasce(key, 1000) })).status, 201);
  const own = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { tenant: a.tenant, variables: { fascia: 150 } });
  assert.equal({ definitionTenant: own.body.definitionTenant, version: own.body.version, result: own.body.result }, { definitionTenant: a.tenant, version: 1, result: { livello: 'basso' } });
  const other = await b.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 150 } });
  assert.equal(other.body.result, { livello: 'alto' });

  // Metropolitan users name the comune (or none: the shared default).
  const metro = await app.user({ tenant: null, roles: ['responsabile'] });
  assert.equal((await metro.post(`/api/v1/decisions/${key}/evaluate`, { tenant: a.tenant, variables: { fascia: 150 } })).body.result, { livello: 'basso' });
  const def = await metro.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 150 } });
  assert.equal([def.body.tenant, def.body.result], [null, { livello: 'alto' }]);
  assert.is((await metro.post(`/api/v1/decisions/${key}/evaluate`, { tenant: 'Z999', variables: {} })).status, 404);
});

test('evaluate: 404 unknown key or another comune\'s decision, 403 another comune in the body, 400/422 bad bodies, 422 failing evaluation', async () => {
  const a = await comune();
  const b = await comune();
  const key = uniqueKey('privata');
  assert.is((await deploy(a.analyst, { 'p.dmn': fasce(key) })).status, 201);

  const unknown = await a.operator.post('/api/v1/decisions/non-esiste/evaluate', { variables: {} });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'DECISION_NOT_FOUND');
  const hidden = await b.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 1 } });
  assert.is(hidden.status, 404, "another comune's decision is not visible");
  const mismatch = await b.operator.post(`/api/v1/decisions/${key}/evaluate`, { tenant: a.tenant, variables: { fascia: 1 } });
  assert.is(mismatch.status, 403);
  assert.is(mismatch.body.error.code, 'TENANT_MISMATCH');

  assert.is((await a.operator.post(`/api/v1/decisions/${key}/evaluate`, [1, 2])).status, 400);
  assert.is((await a.operator.post(`/api/v1/decisions/${key}/evaluate`, '{"variables":')).status, 400);
  const extra = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: {}, altro: 1 });
  assert.is(extra.status, 422);
  const notObject = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: [1] });
  assert.is(notObject.status, 422);
  const badTenant = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { tenant: 'milano', variables: {} });
  assert.is(badTenant.status, 422);
  assert.is(badTenant.body.error.details.fields[0].field, 'tenant');

  const wrongType = await a.operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 'tanta' } });
  assert.is(wrongType.status, 422);
  assert.is(wrongType.body.error.code, 'DECISION_EVALUATION_FAILED');
  assert.is((await app.anonymous().post(`/api/v1/decisions/${key}/evaluate`, { variables: {} })).status, 401);
});

test('GET /decision-definitions (tenancy, latest) and /decision-definitions/{id}/xml', async () => {
  const a = await comune();
  const b = await comune();
  const key = uniqueKey('elenco');
  await deploy(admin, { 'e.dmn': fasce(key) }, null);
  await deploy(a.analyst, { 'e.dmn': fasce(key, 5) });
  await deploy(a.analyst, { 'e.dmn': fasce(key, 6) });
  await deploy(b.analyst, { 'e.dmn': fasce(key, 7) });

  const mine = await a.operator.get(`/api/v1/decision-definitions?key=${key}`);
  assert.equal(mine.body.items.map((d: { tenant: string | null; version: number }) => [d.tenant, d.version]), [[null, 1], [a.tenant, 2], [a.tenant, 1]]);
  const latest = await a.operator.get(`/api/v1/decision-definitions?key=${key}&latest=true`);
  assert.equal(latest.body.items.map((d: { tenant: string | null; version: number }) => [d.tenant, d.version]), [[null, 1], [a.tenant, 2]]);
  const shared = await a.operator.get(`/api/v1/decision-definitions?key=${key}&tenant=default`);
  assert.equal(shared.body.total, 1);
  assert.is((await a.operator.get(`/api/v1/decision-definitions?tenant=${b.tenant}`)).status, 403);
  const all = await admin.get(`/api/v1/decision-definitions?key=${key}`);
  assert.is(all.body.total, 4);

  const id = mine.body.items[1].id;
  const xml = await a.operator.get(`/api/v1/decision-definitions/${id}/xml`);
  assert.is(xml.status, 200);
  assert.match(xml.body as string, /&lt; 6/);
  assert.is((await b.operator.get(`/api/v1/decision-definitions/${id}/xml`)).status, 404);
  assert.is((await b.operator.get(`/api/v1/decision-definitions/${id}`)).status, 404);
  assert.is((await a.operator.get(`/api/v1/decision-definitions/${id}`)).body.key, key);
  assert.is((await a.operator.get('/api/v1/decision-definitions/non-un-uuid/xml')).status, 404);
});

/** start → businessRuleTask → gateway on ${esito…} → user task ok | ko. */
function ruleProcess(id: string, decisionRef: string, attrs: string, condition: string): string {
  return bpmn(
    id,
    `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="regole" />
    <bpmn:businessRuleTask id="regole" name="Valuta regole" camunda:decisionRef="${decisionRef}" ${attrs} />
    <bpmn:sequenceFlow id="f2" sourceRef="regole" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="toKo" />
    <bpmn:sequenceFlow id="toOk" sourceRef="gw" targetRef="ok">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toKo" sourceRef="gw" targetRef="ko" />
    <bpmn:userTask id="ok" name="Ok" camunda:candidateGroups="dmn-g" />
    <bpmn:userTask id="ko" name="Ko" camunda:candidateGroups="dmn-g" />
    <bpmn:sequenceFlow id="f3" sourceRef="ok" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="ko" targetRef="end" />
    <bpmn:endEvent id="end" />`,
  );
}

test('business rule task end to end: the decision runs inside the start command, result in resultVariable, history event', async () => {
  const { tenant, analyst, operator } = await comune();
  const key = uniqueKey('idoneita');
  const proc = `brt_${seq}`;
  const decision = dmn(
    table(key, {
      hitPolicy: 'FIRST',
      inputs: [{ expr: 'punteggio', typeRef: 'number' }],
      outputs: [{ name: 'esito', typeRef: 'string' }, { name: 'motivi' }],
      rules: [[['>= 60'], ['"idoneo"', '[]']], [['-'], ['"non_idoneo"', '["punteggio di " + string(punteggio) + " sotto 60"]']]],
    }),
  );
  const r = await deploy(analyst, { 'i.dmn': decision, 'p.bpmn': ruleProcess(proc, key, 'camunda:resultVariable="valutazione" camunda:mapDecisionResult="singleResult"', "${valutazione.esito == 'idoneo'}") });
  assert.is(r.status, 201, JSON.stringify(r.body));

  const ok = await operator.post(`/api/v1/process-definitions/${proc}/start`, { variables: { punteggio: 75 } });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.variables.valutazione, { esito: 'idoneo', motivi: [] });
  assert.equal(ok.body.activeElements, ['ok']);

  const ko = await operator.post(`/api/v1/process-definitions/${proc}/start`, { variables: { punteggio: 40 } });
  assert.equal(ko.body.variables.valutazione, { esito: 'non_idoneo', motivi: ['punteggio di 40 sotto 60'] });
  assert.equal(ko.body.activeElements, ['ko']);

  const history = await operator.get(`/api/v1/process-instances/${ko.body.id}/history`);
  const evaluated = history.body.items.find((e: { type: string }) => e.type === 'decision.evaluated');
  assert.ok(evaluated, JSON.stringify(history.body.items.map((e: { type: string }) => e.type)));
  assert.equal({ elementId: evaluated.elementId, key: evaluated.details.decisionKey, version: evaluated.details.version, rules: evaluated.details.matchedRules }, { elementId: 'regole', key, version: 1, rules: [`${key}-r2`] });
  assert.equal(ko.body.tenant, tenant);
});

test('business rule task: singleEntry, collectEntries, resultList; the latest decision version is used by later commands', async () => {
  const { analyst, operator } = await comune();
  const key = uniqueKey('misure');
  const collect = (extra: string) =>
    dmn(table(key, { hitPolicy: 'COLLECT', inputs: [{ expr: 'eta', typeRef: 'number' }], outputs: [{ name: 'misura' }], rules: [[['< 18'], ['"minore"']], [['< 30'], ['"giovane"']], [['-'], [extra]]] }));
  const procs = { single: `se_${seq}`, collect: `ce_${seq}`, list: `rl_${seq}` };
  const single = dmn(literal(`${key}-n`, 'eta * 2'));
  const r = await deploy(analyst, {
    'm.dmn': collect('"tutti"'),
    'n.dmn': single,
    's.bpmn': ruleProcess(procs.single, `${key}-n`, 'camunda:resultVariable="doppio" camunda:mapDecisionResult="singleEntry"', '${doppio == 20}'),
    'c.bpmn': ruleProcess(procs.collect, key, 'camunda:resultVariable="misure" camunda:mapDecisionResult="collectEntries"', '${misure.length == 3}'),
    'l.bpmn': ruleProcess(procs.list, key, 'camunda:resultVariable="righe"', '${righe.length == 3}'),
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const s = await operator.post(`/api/v1/process-definitions/${procs.single}/start`, { variables: { eta: 10 } });
  assert.equal([s.body.variables.doppio, s.body.activeElements], [20, ['ok']]);
  const c = await operator.post(`/api/v1/process-definitions/${procs.collect}/start`, { variables: { eta: 10 } });
  assert.equal(c.body.variables.misure, ['minore', 'giovane', 'tutti']);
  const l = await operator.post(`/api/v1/process-definitions/${procs.list}/start`, { variables: { eta: 10 } });
  assert.equal(l.body.variables.righe, [{ misura: 'minore' }, { misura: 'giovane' }, { misura: 'tutti' }], 'resultList is the default');

  assert.is((await deploy(analyst, { 'm.dmn': collect('"aggiornato"') })).status, 201);
  const again = await operator.post(`/api/v1/process-definitions/${procs.collect}/start`, { variables: { eta: 10 } });
  assert.equal(again.body.variables.misure, ['minore', 'giovane', 'aggiornato']);
});

test('business rule task: a failing evaluation fails the command with 422 and starts nothing', async () => {
  const { analyst, operator } = await comune();
  const key = uniqueKey('unica');
  const proc = `fail_${seq}`;
  const r = await deploy(analyst, {
    'u.dmn': simple(key, 'UNIQUE', [['> 0', '"a"'], ['> 10', '"b"']]),
    'p.bpmn': ruleProcess(proc, key, 'camunda:resultVariable="out" camunda:mapDecisionResult="singleEntry"', "${out == 'a'}"),
  });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const failed = await operator.post(`/api/v1/process-definitions/${proc}/start`, { variables: { x: 50 } });
  assert.is(failed.status, 422, JSON.stringify(failed.body));
  assert.is(failed.body.error.code, 'DECISION_EVALUATION_FAILED');
  const list = await operator.get(`/api/v1/process-instances?key=${proc}`);
  assert.is(list.body.total, 0);
  assert.is((await operator.post(`/api/v1/process-definitions/${proc}/start`, { variables: { x: 5 } })).status, 201);
});

test('deploy-time checks of business rule tasks: unknown decisionRef → 422 with elementId; bad mapDecisionResult; other comune\'s decision not visible', async () => {
  const a = await comune();
  const b = await comune();
  const key = uniqueKey('solo-a');
  assert.is((await deploy(a.analyst, { 'a.dmn': fasce(key) })).status, 201);

  const unknown = await deploy(a.analyst, { 'p.bpmn': ruleProcess(`unk_${seq}`, 'non-distribuita', 'camunda:resultVariable="r"', '${r != null}') });
  assert.is(unknown.status, 422);
  const problem = unknown.body.error.details.errors.find((e: { rule: string }) => e.rule === 'decision-unknown');
  assert.ok(problem, JSON.stringify(unknown.body));
  assert.equal([problem.elementId, problem.file], ['regole', 'p.bpmn']);
  assert.is(unknown.body.error.code, 'DEPLOYMENT_INVALID');

  const otherComune = await deploy(b.analyst, { 'p.bpmn': ruleProcess(`oth_${seq}`, key, 'camunda:resultVariable="r"', '${r != null}') });
  assert.is(otherComune.status, 422, "comune B cannot reference comune A's decision");
  assert.ok(otherComune.body.error.details.errors.some((e: { rule: string }) => e.rule === 'decision-unknown'));
  const sharedTarget = await deploy(admin, { 'p.bpmn': ruleProcess(`shd_${seq}`, key, 'camunda:resultVariable="r"', '${r != null}') }, null);
  assert.is(sharedTarget.status, 422, "the shared default cannot reference a comune's decision");

  const badMap = await deploy(a.analyst, { 'p.bpmn': ruleProcess(`map_${seq}`, key, 'camunda:resultVariable="r" camunda:mapDecisionResult="tutto"', '${r != null}') });
  assert.is(badMap.status, 422);
  assert.ok(badMap.body.error.details.errors.some((e: { rule: string; elementId: string }) => e.rule === 'decision-map-result' && e.elementId === 'regole'));
  const binding = await deploy(a.analyst, { 'p.bpmn': ruleProcess(`bnd_${seq}`, key, 'camunda:resultVariable="r" camunda:decisionRefBinding="deployment"', '${r != null}') });
  assert.is(binding.status, 422);

  const mixed = await deploy(a.analyst, { 'p.bpmn': ruleProcess(`mix_${seq}`, key, 'camunda:resultVariable="r"', '${r != null}'), 'rotta.dmn': simple(uniqueKey('x'), 'UNIQUE', [['[1..', '1']]) });
  assert.is(mixed.status, 422, 'a broken .dmn refuses the whole deployment');
  assert.is((await a.operator.get(`/api/v1/process-definitions?key=mix_${seq}`)).body.total, 0);
});

test('resultVariable counts as a defined variable for strict expression checks', async () => {
  const { analyst } = await comune();
  const key = uniqueKey('def');
  const declared = (id: string) =>
    ruleProcess(id, key, 'camunda:resultVariable="valutazione" camunda:mapDecisionResult="singleResult"', "${valutazione.livello == 'alto'}").replace(
      `<bpmn:process id="${id}" name="${id}" isExecutable="true">`,
      `<bpmn:process id="${id}" name="${id}" isExecutable="true"><bpmn:extensionElements><camunda:properties><camunda:property name="variables" value="fascia" /></camunda:properties></bpmn:extensionElements>`,
    );
  const r = await deploy(analyst, { 'd.dmn': fasce(key), 'p.bpmn': declared(`strict_${seq}`) });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.not.ok(r.body.warnings.some((w: { rule: string }) => w.rule === 'expression-undefined-variable'), JSON.stringify(r.body.warnings));
});

test('startup deploy: processes/*.dmn as shared defaults, processes/<BELFIORE>/*.dmn as the comune override, with the models that use them', async () => {
  const { tenant, operator } = await comune();
  const key = uniqueKey('avvio');
  const proc = `startup_${seq}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmn-startup-'));
  try {
    fs.writeFileSync(path.join(dir, `${key}.dmn`), fasce(key, 100));
    fs.writeFileSync(path.join(dir, `${proc}.bpmn`), ruleProcess(proc, key, 'camunda:resultVariable="v" camunda:mapDecisionResult="singleEntry"', "${v == 'alto'}"));
    fs.mkdirSync(path.join(dir, tenant));
    fs.writeFileSync(path.join(dir, tenant, `${key}.dmn`), fasce(key, 1000));
    const report = await deployProcessesDir(app.services, dir);
    assert.ok(report.some((r) => r.tenant === null && r.key === proc && r.created), JSON.stringify(report));
    assert.ok(report.some((r) => r.tenant === tenant && r.key.startsWith(key) && r.created), JSON.stringify(report));
    const again = await deployProcessesDir(app.services, dir);
    assert.ok(again.every((r) => !r.created), 'a restart deploys nothing new');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mine = await operator.post(`/api/v1/decisions/${key}/evaluate`, { variables: { fascia: 500 } });
  assert.equal([mine.body.definitionTenant, mine.body.result], [tenant, { livello: 'basso' }]);
  const started = await operator.post(`/api/v1/process-definitions/${proc}/start`, { variables: { fascia: 500 } });
  assert.is(started.status, 201, JSON.stringify(started.body));
  assert.equal([started.body.variables.v, started.body.activeElements], ['basso', ['ko']], "the shared model uses the comune's decision");
});

test.run();
