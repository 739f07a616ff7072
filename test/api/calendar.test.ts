/**
 * A comune's working-day calendar over HTTP (GET/PUT /tenants/{code}/calendar,
 * roles, 404 for another comune, 422 on bad settings) and end to end: a user
 * task's camunda:dueDate computed in working days on the comune's calendar.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type TestApp, type Client } from '../helpers/harness.js';
import { flow, process, userTask } from '../helpers/models.js';

const KEY = 'calendar-due';

/**
 * start → gateway: a request filed on a working day goes to "istruttoria"
 * (due in 15 working days, follow-up after 10), one filed on a holiday to
 * "festivo" (due 15 working days after the next working day).
 */
const model = process(
  KEY,
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="toFestivo" />
    <bpmn:sequenceFlow id="toIstruttoria" sourceRef="gw" targetRef="istruttoria">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${isWorkingDay(dataDomanda)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="toFestivo" sourceRef="gw" targetRef="festivo" />
    <bpmn:userTask id="istruttoria" name="Istruttoria" camunda:candidateGroups="cal-g" camunda:dueDate="\${addWorkingDays(dataDomanda, 15)}" camunda:followUpDate="\${addWorkingDays(dataDomanda, 10)}" />
    <bpmn:userTask id="festivo" name="Domanda in giorno festivo" camunda:candidateGroups="cal-g" camunda:dueDate="\${addWorkingDays(nextWorkingDay(dataDomanda), 15)}" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="festivo" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

let app: TestApp;
let admin: Client;
test.before(async () => {
  app = await startTestApp();
  admin = await app.admin();
  const dep = await deploy(admin, { 'calendar-due.bpmn': model });
  assert.is(dep.status, 201, JSON.stringify(dep.body));
});
test.after(async () => app.close());

const url = (code: string, year?: number) => `/api/v1/tenants/${code}/calendar${year ? `?year=${year}` : ''}`;

test('GET: defaults for a new comune, and the year\'s national holidays with ?year', async () => {
  const tenant = await app.tenant();
  const op = await app.user({ tenant, roles: ['operatore'] });
  const r = await op.get(url(tenant));
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { tenant, settings: { saturdayWorking: false, closures: [] } });
  const y = await op.get(url(tenant, 2026));
  assert.is(y.status, 200);
  assert.is(y.body.year, 2026);
  const dates = y.body.holidays.map((h: { date: string }) => h.date);
  for (const d of ['2026-01-01', '2026-01-06', '2026-04-06', '2026-04-25', '2026-05-01', '2026-06-02', '2026-08-15', '2026-10-04', '2026-11-01', '2026-12-08', '2026-12-25', '2026-12-26']) {
    assert.ok(dates.includes(d), `${d} missing`);
  }
  assert.equal(y.body.holidays.find((h: { date: string }) => h.date === '2026-04-06'), { date: '2026-04-06', name: 'Lunedì dell’Angelo', kind: 'national' });
  assert.not.ok(y.body.holidays.some((h: { kind: string }) => h.kind !== 'national'));
  const old = await op.get(url(tenant, 2018));
  assert.ok(old.body.holidays.some((h: { date: string }) => h.date === '2018-04-02'));
  assert.not.ok(old.body.holidays.some((h: { date: string }) => h.date === '2018-10-04'));
});

test('PUT by an admin stores the settings; the comune sees its patron day and closures in the year', async () => {
  const tenant = await app.tenant('Comune di Milano (prova)');
  const put = await admin.put(url(tenant, 2026), { patronDay: '12-07', patronName: "Sant'Ambrogio", saturdayWorking: false, closures: ['2026-12-24', '2026-08-14', '2026-12-24'] });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.settings, { patronDay: '12-07', patronName: "Sant'Ambrogio", saturdayWorking: false, closures: ['2026-08-14', '2026-12-24'] });
  const op = await app.user({ tenant, roles: ['assistente_sociale'] });
  const r = await op.get(url(tenant, 2026));
  assert.is(r.status, 200);
  assert.equal(r.body.settings, put.body.settings);
  const extra = r.body.holidays.filter((h: { kind: string }) => h.kind !== 'national');
  assert.equal(extra, [
    { date: '2026-08-14', name: 'Chiusura degli uffici', kind: 'closure' },
    { date: '2026-12-07', name: "Sant'Ambrogio", kind: 'patron' },
    { date: '2026-12-24', name: 'Chiusura degli uffici', kind: 'closure' },
  ]);
  // PUT replaces: omitted settings go back to their defaults
  const cleared = await admin.put(url(tenant), { saturdayWorking: true });
  assert.is(cleared.status, 200);
  assert.equal(cleared.body, { tenant, settings: { saturdayWorking: true, closures: [] } });
});

test('PUT roles: admin, analista and the comune\'s responsabile; not operatori, nor a metropolitan responsabile', async () => {
  const tenant = await app.tenant();
  const other = await app.tenant();
  const body = { patronDay: '06-24' };
  const cases: Array<[string, Client, number]> = [
    ['operatore', await app.user({ tenant, roles: ['operatore'] }), 403],
    ['assistente sociale', await app.user({ tenant, roles: ['assistente_sociale'] }), 403],
    ['metropolitan responsabile', await app.user({ tenant: null, roles: ['responsabile'] }), 403],
    ['responsabile of another comune', await app.user({ tenant: other, roles: ['responsabile'] }), 404],
    ['analista of another comune', await app.user({ tenant: other, roles: ['analista'] }), 404],
    ['responsabile of the comune', await app.user({ tenant, roles: ['responsabile'] }), 200],
    ['analista of the comune', await app.user({ tenant, roles: ['analista'] }), 200],
    ['metropolitan analista', await app.user({ tenant: null, roles: ['analista'] }), 200],
  ];
  for (const [who, client, status] of cases) {
    const r = await client.put(url(tenant), body);
    assert.is(r.status, status, `${who}: ${JSON.stringify(r.body)}`);
    if (status === 403) assert.is(r.body.error.code, 'ROLE_REQUIRED', who);
    if (status === 404) assert.is(r.body.error.code, 'TENANT_NOT_FOUND', who);
    if (status === 200) assert.is(r.body.settings.patronDay, '06-24', who);
  }
  assert.is((await admin.put(url('Z999'), body)).status, 404, 'unknown comune');
  assert.is((await app.anonymous().put(url(tenant), body)).status, 401);
});

test('GET: any user of the comune or metropolitan; another comune answers 404', async () => {
  const tenant = await app.tenant();
  const other = await app.tenant();
  await admin.put(url(other), { patronDay: '01-20' });
  const mine = await app.user({ tenant, roles: ['operatore'] });
  const r = await mine.get(url(other));
  assert.is(r.status, 404);
  assert.is(r.body.error.code, 'TENANT_NOT_FOUND');
  assert.not.ok(JSON.stringify(r.body).includes('01-20'));
  const metro = await app.user({ tenant: null, roles: ['operatore'] });
  const m = await metro.get(url(other));
  assert.is(m.status, 200);
  assert.is(m.body.settings.patronDay, '01-20');
  assert.is((await admin.get(url('Z998'))).status, 404);
});

test('PUT with bad settings answers 422 with the fields at fault and stores nothing', async () => {
  const tenant = await app.tenant();
  await admin.put(url(tenant), { patronDay: '12-07' });
  const bad: Array<[unknown, string]> = [
    [{ patronDay: '12-32' }, 'patronDay'],
    [{ patronDay: '7 dicembre' }, 'patronDay'],
    [{ patronDay: '02-30' }, 'patronDay'],
    [{ closures: ['2026/08/14'] }, 'closures.0'],
    [{ closures: ['2026-08-14', '2026-02-29'] }, 'closures.1'],
    [{ closures: '2026-08-14' }, 'closures'],
    [{ saturdayWorking: 'no' }, 'saturdayWorking'],
    [{ patronDay: '12-07', holidays: [] }, 'holidays'], // an unknown key is named itself
  ];
  for (const [body, field] of bad) {
    const r = await admin.put(url(tenant), body);
    assert.is(r.status, 422, JSON.stringify(body));
    assert.is(r.body.error.code, 'VALIDATION_FAILED');
    assert.ok(r.body.error.details.fields.some((f: { field: string }) => f.field === field), `${JSON.stringify(body)} → ${JSON.stringify(r.body.error.details)}`);
  }
  const y = await admin.get(`/api/v1/tenants/${tenant}/calendar?year=duemila`);
  assert.is(y.status, 422);
  assert.is(y.body.error.details.fields[0].field, 'year');
  const arr = await admin.put(url(tenant), [{ patronDay: '12-07' }]);
  assert.is(arr.status, 400);
  const after = await admin.get(url(tenant));
  assert.equal(after.body.settings, { patronDay: '12-07', saturdayWorking: false, closures: [] });
});

async function startCase(client: Client, dataDomanda: string, businessKey: string) {
  const r = await client.post(`/api/v1/process-definitions/${KEY}/start`, { businessKey, variables: { dataDomanda } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function taskOf(client: Client, businessKey: string) {
  const r = await client.get(`/api/v1/tasks?processKey=${KEY}&businessKey=${businessKey}`);
  assert.is(r.status, 200);
  assert.is(r.body.total, 1, JSON.stringify(r.body));
  return r.body.items[0];
}

test('camunda:dueDate="${addWorkingDays(dataDomanda, 15)}" follows the comune\'s calendar', async () => {
  const milano = await app.tenant('Milano (calendario)');
  const altro = await app.tenant('Altro comune (calendario)');
  assert.is((await admin.put(url(milano), { patronDay: '12-07' })).status, 200);
  const opMi = await app.user({ tenant: milano, roles: ['operatore'], groups: ['cal-g'] });
  const opAl = await app.user({ tenant: altro, roles: ['operatore'], groups: ['cal-g'] });

  // Request filed Tue 1 Dec 2026. Working days after it:
  //   Milano (Mon 7 Dec Sant'Ambrogio and Tue 8 Dec Immacolata off):
  //     Wed 2 (1), Thu 3 (2), Fri 4 (3), Wed 9 (4), Thu 10 (5), Fri 11 (6), Mon 14 (7), Tue 15 (8), Wed 16 (9),
  //     Thu 17 (10), Fri 18 (11), Mon 21 (12), Tue 22 (13), Wed 23 (14), Thu 24 (15) → due end of Thu 24 Dec
  //     (23:59:59 Rome = 22:59:59Z), follow-up end of Thu 17 Dec;
  //   other comune (only 8 Dec off): Mon 7 is day 4, so day 15 is Wed 23 Dec.
  await startCase(opMi, '2026-12-01', 'CAL-MI-1');
  await startCase(opAl, '2026-12-01', 'CAL-AL-1');
  const mi = await taskOf(opMi, 'CAL-MI-1');
  const al = await taskOf(opAl, 'CAL-AL-1');
  assert.is(mi.elementId, 'istruttoria');
  assert.is(mi.dueAt, '2026-12-24T22:59:59.000Z');
  assert.is(mi.followUpAt, '2026-12-17T22:59:59.000Z');
  assert.is(al.dueAt, '2026-12-23T22:59:59.000Z');
  assert.is(al.followUpAt, '2026-12-16T22:59:59.000Z');

  // Fri 20 Nov 2026 in Milano: 23-27 Nov (1-5), 30 Nov (6), 1-4 Dec (7-10), 9 (11), 10 (12), 11 (13), 14 (14), 15 (15) → 15 Dec.
  await startCase(opMi, '2026-11-20', 'CAL-MI-2');
  assert.is((await taskOf(opMi, 'CAL-MI-2')).dueAt, '2026-12-15T22:59:59.000Z');
  // The inbox sorts and filters on the computed due dates.
  const sorted = await opMi.get(`/api/v1/tasks?processKey=${KEY}&sort=due`);
  assert.equal(sorted.body.items.map((t: { businessKey: string }) => t.businessKey), ['CAL-MI-2', 'CAL-MI-1']);
  const dueSoon = await opMi.get(`/api/v1/tasks?processKey=${KEY}&dueBefore=2026-12-20T00:00:00Z`);
  assert.equal(dueSoon.body.items.map((t: { businessKey: string }) => t.businessKey), ['CAL-MI-2']);

  // A request filed on a holiday (Tue 8 Dec) takes the other branch: isWorkingDay() in a condition.
  // Milano: next working day Wed 9 Dec, + 15 → 10,11,14,15,16,17,18,21,22,23,24 (11), 28,29,30,31 (15) → Thu 31 Dec
  // (25 and 26 Dec are holidays, 27 a Sunday).
  await startCase(opMi, '2026-12-08', 'CAL-MI-3');
  const festivo = await taskOf(opMi, 'CAL-MI-3');
  assert.is(festivo.elementId, 'festivo');
  assert.is(festivo.dueAt, '2026-12-31T22:59:59.000Z');
  // 7 Dec is a working day elsewhere, a holiday in Milano
  await startCase(opMi, '2026-12-07', 'CAL-MI-4');
  await startCase(opAl, '2026-12-07', 'CAL-AL-4');
  assert.is((await taskOf(opMi, 'CAL-MI-4')).elementId, 'festivo');
  assert.is((await taskOf(opAl, 'CAL-AL-4')).elementId, 'istruttoria');

  // Changing the calendar applies to the tasks created afterwards.
  assert.is((await admin.put(url(altro), { patronDay: '12-07' })).status, 200);
  await startCase(opAl, '2026-12-01', 'CAL-AL-5');
  assert.is((await taskOf(opAl, 'CAL-AL-5')).dueAt, '2026-12-24T22:59:59.000Z');
});

test('deploy validation accepts the calendar functions and refuses unknown ones', async () => {
  const bad = flow('calendar-bad', [userTask('t', 'T', { group: 'cal-g', due: '${addWorkDays(dataDomanda, 15)}' })]);
  const r = await deploy(admin, { 'calendar-bad.bpmn': bad });
  assert.is(r.status, 422, JSON.stringify(r.body));
  const text = JSON.stringify(r.body);
  assert.ok(text.includes('expression-unknown-function'), text);
  assert.ok(text.includes('addWorkingDays'), 'the message lists the available functions');
});

test.run();
