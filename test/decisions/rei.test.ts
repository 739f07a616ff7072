/**
 * The REI eligibility decision processes/rei-requisiti.dmn (REI.md §2),
 * evaluated through POST /decisions/rei-requisiti/evaluate and inside a
 * process: every failing requirement, every missing input (→ da_verificare,
 * never an error), the household rule before and after 1 June 2018, the
 * thresholds taken from the comune's parameters, and a comune's own DMN.
 */
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';

const REI_DMN = fs.readFileSync('processes/rei-requisiti.dmn', 'utf8');

let app: TestApp;
let tenant: string;
let operator: Client;
test.before(async () => {
  app = await startTestApp();
  const admin = await app.admin();
  const r = await deploy(admin, { 'rei-requisiti.dmn': REI_DMN }, null);
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.decisions.map((d: { key: string }) => d.key).sort(), ['rei-requisiti', 'rei-verifiche']);
  tenant = await app.tenant();
  operator = await app.user({ tenant, roles: ['operatore'] });
});
test.after(async () => app.close());

/** An applicant who meets every requirement (application after 1 June 2018). */
const eligible = {
  cittadinanza: 'IT',
  permessoLungoPeriodo: false,
  anniResidenza: 10,
  isee: 3000,
  isre: 1500,
  patrimonioImmobiliare: 0,
  patrimonioMobiliare: 2000,
  componentiNucleo: 3,
  veicoliUltimi24Mesi: false,
  naspi: false,
  dataDomanda: '2018-09-15',
};

interface Requisiti {
  esito: 'ammissibile' | 'non_ammissibile' | 'da_verificare';
  motivi: string[];
}

async function requisiti(variables: Record<string, unknown>, as: Client = operator): Promise<Requisiti> {
  const r = await as.post('/api/v1/decisions/rei-requisiti/evaluate', { variables });
  assert.is(r.status, 200, `${JSON.stringify(variables)} → ${JSON.stringify(r.body)}`);
  assert.is(r.body.decisionKey, 'rei-requisiti');
  return r.body.result as Requisiti;
}

test('an eligible applicant is ammissibile with no reasons; the household booleans are not needed from 2018-06-01', async () => {
  assert.equal(await requisiti(eligible), { esito: 'ammissibile', motivi: [] });
  assert.equal(await requisiti({ ...eligible, dataDomanda: '2018-06-01', nucleoConMinore: false, nucleoConDisabile: false, gravidanza: false, over55Disoccupato: false }), { esito: 'ammissibile', motivi: [] });
});

test('each failing requirement → non_ammissibile with its readable reason', async () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['extra UE senza permesso', { cittadinanza: 'extraUE', permessoLungoPeriodo: false }, 'Cittadino extra UE senza permesso di soggiorno UE per soggiornanti di lungo periodo'],
    ['cittadinanza non prevista', { cittadinanza: 'XX' }, 'Cittadinanza "XX" non prevista: servono la cittadinanza italiana o di uno Stato UE, o un permesso UE per soggiornanti di lungo periodo'],
    ['residenza', { anniResidenza: 1 }, 'Residenza continuativa in Italia da 1 anni, inferiore ai 2 anni richiesti'],
    ['ISEE', { isee: 7200 }, 'ISEE di 7200 € superiore alla soglia di 6000 €'],
    ['ISRE', { isre: 3000.5 }, 'ISRE di 3000.5 € superiore alla soglia di 3000 €'],
    ['immobili', { patrimonioImmobiliare: 25000 }, 'Patrimonio immobiliare (esclusa la casa di abitazione) di 25000 € superiore alla soglia di 20000 €'],
    ['mobili, 1 componente', { patrimonioMobiliare: 6500, componentiNucleo: 1 }, 'Patrimonio mobiliare di 6500 € superiore alla soglia di 6000 € per un nucleo di 1 componente'],
    ['mobili, 2 componenti', { patrimonioMobiliare: 8500, componentiNucleo: 2 }, 'Patrimonio mobiliare di 8500 € superiore alla soglia di 8000 € per un nucleo di 2 componenti'],
    ['mobili, 5 componenti (massimo)', { patrimonioMobiliare: 10001, componentiNucleo: 5 }, 'Patrimonio mobiliare di 10001 € superiore alla soglia di 10000 € per un nucleo di 5 componenti'],
    ['veicoli', { veicoliUltimi24Mesi: true }, 'Un componente del nucleo possiede autoveicoli o motoveicoli immatricolati per la prima volta negli ultimi 24 mesi'],
    ['NASpI', { naspi: true }, 'Un componente del nucleo percepisce la NASpI o altri ammortizzatori sociali per la disoccupazione'],
  ];
  for (const [what, change, motivo] of cases) {
    assert.equal(await requisiti({ ...eligible, ...change }), { esito: 'non_ammissibile', motivi: [motivo] }, what);
  }
});

test('thresholds are inclusive and the movable-assets threshold grows with the household', async () => {
  assert.is((await requisiti({ ...eligible, isee: 6000, isre: 3000, patrimonioImmobiliare: 20000, anniResidenza: 2 })).esito, 'ammissibile');
  assert.is((await requisiti({ ...eligible, patrimonioMobiliare: 6000, componentiNucleo: 1 })).esito, 'ammissibile');
  assert.is((await requisiti({ ...eligible, patrimonioMobiliare: 8000, componentiNucleo: 2 })).esito, 'ammissibile');
  assert.is((await requisiti({ ...eligible, patrimonioMobiliare: 10000, componentiNucleo: 3 })).esito, 'ammissibile');
  assert.is((await requisiti({ ...eligible, patrimonioMobiliare: 10500, componentiNucleo: 4 })).esito, 'non_ammissibile');
  assert.is((await requisiti({ ...eligible, cittadinanza: 'UE' })).esito, 'ammissibile');
  assert.is((await requisiti({ ...eligible, cittadinanza: 'extraUE', permessoLungoPeriodo: true })).esito, 'ammissibile');
});

test('several failures give every reason, in table order', async () => {
  const r = await requisiti({ ...eligible, isee: 9000, naspi: true, veicoliUltimi24Mesi: true });
  assert.is(r.esito, 'non_ammissibile');
  assert.equal(r.motivi, [
    'ISEE di 9000 € superiore alla soglia di 6000 €',
    'Un componente del nucleo possiede autoveicoli o motoveicoli immatricolati per la prima volta negli ultimi 24 mesi',
    'Un componente del nucleo percepisce la NASpI o altri ammortizzatori sociali per la disoccupazione',
  ]);
});

test('each missing (or null) input a rule needs → da_verificare with a reason naming it, never an error', async () => {
  const cases: Array<[string, string]> = [
    ['cittadinanza', 'Cittadinanza non indicata'],
    ['anniResidenza', 'Anni di residenza in Italia non indicati'],
    ['isee', 'ISEE non indicato'],
    ['isre', 'ISRE non indicato'],
    ['patrimonioImmobiliare', 'Patrimonio immobiliare non indicato'],
    ['patrimonioMobiliare', 'Patrimonio mobiliare non indicato'],
    ['componentiNucleo', 'Numero dei componenti del nucleo non indicato'],
    ['veicoliUltimi24Mesi', 'Dato sui veicoli immatricolati negli ultimi 24 mesi non indicato'],
    ['naspi', 'Dato su NASpI o altri ammortizzatori sociali per la disoccupazione non indicato'],
    ['dataDomanda', 'Data della domanda non indicata'],
  ];
  for (const [input, motivo] of cases) {
    const absent: Record<string, unknown> = { ...eligible };
    delete absent[input];
    assert.equal(await requisiti(absent), { esito: 'da_verificare', motivi: [motivo] }, `${input} absent`);
    assert.equal(await requisiti({ ...eligible, [input]: null }), { esito: 'da_verificare', motivi: [motivo] }, `${input} null`);
  }
  assert.equal(await requisiti({ ...eligible, cittadinanza: 'extraUE', permessoLungoPeriodo: null }), {
    esito: 'da_verificare',
    motivi: ['Permesso di soggiorno UE per soggiornanti di lungo periodo non indicato (richiedente extra UE)'],
  });
  assert.is((await requisiti({ ...eligible, permessoLungoPeriodo: null })).esito, 'ammissibile', 'the permit is needed only for extraUE');
  const none = await requisiti({});
  assert.is(none.esito, 'da_verificare');
  assert.is(none.motivi.length, 10);
});

test('a failing requirement wins over missing data: non_ammissibile with only the failing reasons', async () => {
  assert.equal(await requisiti({ ...eligible, isee: 7200, isre: null, naspi: undefined }), { esito: 'non_ammissibile', motivi: ['ISEE di 7200 € superiore alla soglia di 6000 €'] });
});

test('before 2018-06-01 at least one household condition must hold; missing ones → da_verificare', async () => {
  const before = { ...eligible, dataDomanda: '2018-05-31' };
  const none = { nucleoConMinore: false, nucleoConDisabile: false, gravidanza: false, over55Disoccupato: false };
  const noHousehold = await requisiti({ ...before, ...none });
  assert.is(noHousehold.esito, 'non_ammissibile');
  assert.match(noHousehold.motivi[0]!, /^Nessun requisito familiare: per le domande presentate prima del 1\/6\/2018/);
  for (const flag of Object.keys(none)) {
    assert.equal(await requisiti({ ...before, ...none, [flag]: true }), { esito: 'ammissibile', motivi: [] }, flag);
  }
  const missing = await requisiti(before);
  assert.is(missing.esito, 'da_verificare');
  assert.match(missing.motivi[0]!, /^Requisiti familiari non indicati/);
  assert.is((await requisiti({ ...before, nucleoConMinore: false, gravidanza: null })).esito, 'da_verificare', 'some false, others unknown');
  assert.is((await requisiti({ ...before, gravidanza: true })).esito, 'ammissibile', 'one true is enough even if the others are unknown');
  assert.is((await requisiti({ ...eligible, dataDomanda: '2018-06-01', ...none })).esito, 'ammissibile', 'from 1 June 2018 not required');
});

test('a malformed value is an evaluation error (422), not a missing value', async () => {
  const r = await operator.post('/api/v1/decisions/rei-requisiti/evaluate', { variables: { ...eligible, dataDomanda: '31/05/2018' } });
  assert.is(r.status, 422);
  assert.is(r.body.error.code, 'DECISION_EVALUATION_FAILED');
  assert.match(r.body.error.message, /Data della domanda/);
});

test("thresholds come from the comune's parameters: an override changes the outcome for that comune only", async () => {
  const own = await app.tenant();
  const analyst = await app.user({ tenant: own, roles: ['analista'] });
  const ownOperator = await app.user({ tenant: own, roles: ['operatore'] });
  const applicant = { ...eligible, isee: 7200, patrimonioMobiliare: 9000, componentiNucleo: 2, anniResidenza: 1 };
  assert.is((await requisiti(applicant, ownOperator)).motivi.length, 3);

  const put = await analyst.put(`/api/v1/tenants/${own}/parameters/rei`, { values: { iseeMax: 7500, patrimonioMobiliarePerComponente: 3000, anniResidenzaMin: 1 }, comment: 'soglie comunali' });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.equal(await requisiti(applicant, ownOperator), { esito: 'ammissibile', motivi: [] });
  assert.equal(await requisiti({ ...applicant, isee: 8000 }, ownOperator), { esito: 'non_ammissibile', motivi: ['ISEE di 8000 € superiore alla soglia di 7500 €'] });
  assert.is((await requisiti(applicant)).esito, 'non_ammissibile', 'other comuni keep the defaults');

  await analyst.put(`/api/v1/tenants/${own}/parameters/rei`, { values: { iseeMax: 7500, requisitoNucleoAbolitoDal: '2019-01-01' } });
  assert.is((await requisiti({ ...eligible, dataDomanda: '2018-09-15' }, ownOperator)).esito, 'da_verificare', 'the household rule date is a parameter too');
});

test("a comune can deploy its own rei-requisiti.dmn; the others keep the shared one", async () => {
  const own = await app.tenant();
  const analyst = await app.user({ tenant: own, roles: ['analista'] });
  const ownOperator = await app.user({ tenant: own, roles: ['operatore'] });
  // This comune does not check vehicles.
  const variant = REI_DMN.replace('<text>true</text>\n        </inputEntry>', '<text>"mai"</text>\n        </inputEntry>');
  assert.ok(variant !== REI_DMN);
  const r = await deploy(analyst, { 'rei-requisiti.dmn': variant });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const withCar = { ...eligible, veicoliUltimi24Mesi: true };
  const mine = await ownOperator.post('/api/v1/decisions/rei-requisiti/evaluate', { variables: withCar });
  assert.equal([mine.body.definitionTenant, mine.body.result.esito], [own, 'ammissibile']);
  assert.is((await requisiti(withCar)).esito, 'non_ammissibile');
});

/** The municipal-checks step of the REI contract, alone: businessRuleTask → gateway on requisiti.esito. */
const controlli = bpmn(
  'rei',
  `    <bpmn:startEvent id="domandaPresentata" />
    <bpmn:sequenceFlow id="f1" sourceRef="domandaPresentata" targetRef="controlliComunali" />
    <bpmn:businessRuleTask id="controlliComunali" name="Controlli comunali" camunda:decisionRef="rei-requisiti" camunda:resultVariable="requisiti" camunda:mapDecisionResult="singleResult" />
    <bpmn:sequenceFlow id="f2" sourceRef="controlliComunali" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="toVerifica" />
    <bpmn:sequenceFlow id="toInvio" sourceRef="gw" targetRef="invio">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${requisiti.esito == 'ammissibile'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toRigetto" sourceRef="gw" targetRef="rigetto">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${requisiti.esito == 'non_ammissibile'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toVerifica" sourceRef="gw" targetRef="verifica" />
    <bpmn:userTask id="invio" name="Invio" camunda:candidateGroups="\${params.gruppi.operatori}" />
    <bpmn:userTask id="rigetto" name="Rigetto" camunda:candidateGroups="\${params.gruppi.operatori}" />
    <bpmn:userTask id="verifica" name="Verifica manuale" camunda:candidateGroups="\${params.gruppi.operatori}" />
    <bpmn:sequenceFlow id="f3" sourceRef="invio" targetRef="fine" />
    <bpmn:sequenceFlow id="f4" sourceRef="rigetto" targetRef="fine" />
    <bpmn:sequenceFlow id="f5" sourceRef="verifica" targetRef="fine" />
    <bpmn:endEvent id="fine" />`,
);

test('inside a process: the businessRuleTask sets requisiti {esito, motivi} with the instance parameter snapshot', async () => {
  const own = await app.tenant();
  const analyst = await app.user({ tenant: own, roles: ['analista'] });
  const ownOperator = await app.user({ tenant: own, roles: ['operatore'], groups: ['operatori-rei'] });
  const dep = await deploy(analyst, { 'rei.bpmn': controlli });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  const start = (variables: Record<string, unknown>, businessKey: string) => ownOperator.post('/api/v1/process-definitions/rei/start', { businessKey, variables });

  const ok = await start(eligible, 'P-1');
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.equal([ok.body.variables.requisiti, ok.body.activeElements], [{ esito: 'ammissibile', motivi: [] }, ['invio']]);
  const ko = await start({ ...eligible, isee: 7200 }, 'P-2');
  assert.equal([ko.body.variables.requisiti, ko.body.activeElements], [{ esito: 'non_ammissibile', motivi: ['ISEE di 7200 € superiore alla soglia di 6000 €'] }, ['rigetto']]);
  const missing = await start({ ...eligible, isre: null }, 'P-3');
  assert.equal([missing.body.variables.requisiti.esito, missing.body.activeElements], ['da_verificare', ['verifica']]);

  await analyst.put(`/api/v1/tenants/${own}/parameters/rei`, { values: { iseeMax: 8000 } });
  const after = await start({ ...eligible, isee: 7200 }, 'P-4');
  assert.equal(after.body.variables.requisiti, { esito: 'ammissibile', motivi: [] }, 'new instances snapshot the new parameters');
});

test.run();
