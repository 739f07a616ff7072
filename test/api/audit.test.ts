/**
 * Issue 11 item 7: the audit of reads (GDPR art. 30/32). Reads of a case, its
 * history/timeline/documents, a subject, a task form and the task page are
 * recorded with who, when (the injected clock), what (type, id, comune, the
 * subject) and from where (IP, user agent); a failed read records nothing.
 * GET /api/v1/audit filters by subject, user and period for the comune's
 * responsabile (own comune only) and admin; others 403. The table is
 * append-only at the database: UPDATE and DELETE fail.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestApp, deploy, type Client, type TestApp } from '../helpers/harness.js';
import { process as bpmn } from '../helpers/models.js';
import { application } from '../applications/fixtures.js';
import { SESSION_COOKIE } from '../../src/web/session.service.js';

const FORM = {
  id: 'audit-istruttoria',
  type: 'default',
  schemaVersion: 16,
  components: [{ type: 'textarea', id: 'note', key: 'note', label: 'Note interne', validate: { maxLength: 2000 } }],
};
const MODEL = bpmn(
  'rei',
  `    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="istruttoria" />
    <bpmn:userTask id="istruttoria" name="Istruttoria della domanda" camunda:candidateGroups="operatori-rei" camunda:formKey="audit-istruttoria" />
    <bpmn:sequenceFlow id="f2" sourceRef="istruttoria" targetRef="end" />
    <bpmn:endEvent id="end" />`,
);

interface Comune {
  tenant: string;
  op: Client;
  resp: Client;
  instanceId: string;
  soggettoId: string;
  taskId: string;
}

let app: TestApp;
let A: Comune;
let B: Comune;
let admin: Client;

async function comune(name: string, protocollo: string): Promise<Comune> {
  const tenant = await app.tenant(name);
  const dep = await deploy(admin, { 'rei.bpmn': MODEL, 'audit-istruttoria.form': JSON.stringify(FORM) }, tenant);
  assert.is(dep.status, 201, JSON.stringify(dep.body));
  const op = await app.user({ tenant, roles: ['operatore'], groups: ['operatori-rei'] });
  const resp = await app.user({ tenant, roles: ['responsabile'], groups: ['operatori-rei'] });
  const r = await op.post('/api/v1/applications', application(protocollo, { nucleo: [] }));
  assert.is(r.status, 201, JSON.stringify(r.body));
  const tasks = await op.get(`/api/v1/tasks?processInstanceId=${r.body.instanceId}`);
  assert.is(tasks.body.items.length, 1, JSON.stringify(tasks.body));
  return { tenant, op, resp, instanceId: r.body.instanceId, soggettoId: r.body.soggettoId, taskId: tasks.body.items[0].id };
}

async function userId(c: Client): Promise<string> {
  const r = await c.get('/api/v1/users/me');
  assert.is(r.status, 200);
  return r.body.id as string;
}

test.before(async () => {
  app = await startTestApp();
  app.clock.set(new Date('2026-03-10T08:50:00.000Z')); // tokens live an hour: every test below stays within it
  admin = await app.admin();
  A = await comune('Comune Audit A', 'AUD/0001');
  B = await comune('Comune Audit B', 'AUD/0002'); // the same person in another comune: another subject
});
test.after(async () => app.close());

test('reads of a case, its history, timeline and documents, a subject and a task form are recorded with who, when, what and where', async () => {
  app.clock.set(new Date('2026-03-10T09:00:00.000Z'));
  const when = app.clock.now().toISOString();
  const headers = { 'user-agent': 'AuditTest/1.0' };
  for (const path of [`/process-instances/${A.instanceId}`, `/process-instances/${A.instanceId}/history`, `/process-instances/${A.instanceId}/timeline`, `/process-instances/${A.instanceId}/documents`, `/subjects/${A.soggettoId}`, `/tasks/${A.taskId}/form`]) {
    const r = await A.op.request('GET', `/api/v1${path}`, undefined, headers);
    assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  const opId = await userId(A.op);
  const r = await A.resp.get(`/api/v1/audit?userId=${opId}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.total, 6);
  const seen = (r.body.items as Array<Record<string, string>>).map((i) => `${i.objectType}:${i.detail}`).sort();
  assert.equal(seen, ['case:detail', 'case:documents', 'case:history', 'case:timeline', 'subject:detail', 'task_form:form']);
  for (const item of r.body.items as Array<Record<string, unknown>>) {
    assert.is(item.userId, opId);
    assert.is(item.username, A.op.username);
    assert.is(item.tenant, A.tenant);
    assert.is(item.at, when, 'the injected clock');
    assert.is(item.subjectId, A.soggettoId, `${String(item.objectType)}: the case's subject`);
    assert.is(item.userAgent, 'AuditTest/1.0');
    assert.is(item.ip, '127.0.0.1');
    assert.is(item.channel, 'api');
    assert.is(item.action, 'read');
  }
  const caseRead = (r.body.items as Array<Record<string, unknown>>).find((i) => i.objectType === 'case' && i.detail === 'detail');
  assert.is(caseRead?.objectId, A.instanceId);
});

test('a failed read (404, another comune, malformed id) records nothing', async () => {
  const before = (await admin.get(`/api/v1/audit?tenant=${A.tenant}`)).body.total as number;
  assert.is((await B.op.get(`/api/v1/process-instances/${A.instanceId}`)).status, 404);
  assert.is((await B.op.get(`/api/v1/subjects/${A.soggettoId}`)).status, 404);
  assert.is((await A.op.get('/api/v1/documents/not-a-uuid')).status, 404);
  assert.is((await admin.get(`/api/v1/audit?tenant=${A.tenant}`)).body.total, before);
  assert.is((await admin.get(`/api/v1/audit?tenant=${B.tenant}`)).body.total, 0);
});

test('the task page records the form and the case it shows (channel web)', async () => {
  app.clock.set(new Date('2026-03-10T09:10:00.000Z'));
  const respId = await userId(A.resp);
  const { token } = await app.services.sessions.create(respId, A.tenant);
  const res = await fetch(`${app.baseUrl}/attivita/${A.taskId}`, { headers: { cookie: `${SESSION_COOKIE}=${token}`, 'user-agent': 'Browser/2.0' } });
  assert.is(res.status, 200, await res.text());
  const r = await A.resp.get(`/api/v1/audit?userId=${respId}&from=2026-03-10T09:05:00Z&to=2026-03-10T09:15:00%2B00:00`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const seen = (r.body.items as Array<Record<string, string>>).map((i) => `${i.objectType}:${i.objectId}:${i.channel}:${i.userAgent}:${i.subjectId}`).sort();
  assert.equal(seen, [`case:${A.instanceId}:web:Browser/2.0:${A.soggettoId}`, `task_form:${A.taskId}:web:Browser/2.0:${A.soggettoId}`]);
});

test('filters: subject, user and period; paging', async () => {
  app.clock.set(new Date('2026-03-10T09:20:00.000Z'));
  assert.is((await A.resp.get(`/api/v1/subjects/${A.soggettoId}`)).status, 200);
  const bySubject = await A.resp.get(`/api/v1/audit?subjectId=${A.soggettoId}`);
  assert.is(bySubject.body.total, 9);
  assert.ok((bySubject.body.items as Array<{ subjectId: string }>).every((i) => i.subjectId === A.soggettoId));
  assert.is(bySubject.body.items[0].at, '2026-03-10T09:20:00.000Z', 'newest first');
  const period = await A.resp.get('/api/v1/audit?from=2026-03-10T08:59:00Z&to=2026-03-10T09:01:00Z');
  assert.is(period.body.total, 6);
  const none = await A.resp.get('/api/v1/audit?from=2026-04-01');
  assert.is(none.body.total, 0);
  const paged = await A.resp.get(`/api/v1/audit?subjectId=${A.soggettoId}&limit=4&offset=8`);
  assert.is(paged.body.items.length, 1);
  assert.is(paged.body.total, 9);
  const other = await A.resp.get(`/api/v1/audit?subjectId=${B.soggettoId}`);
  assert.is(other.body.total, 0);
});

test('bad filters answer 422', async () => {
  for (const q of ['from=ieri', "to=' OR '1'='1", 'from=-271821-04-20T00:00:00Z', 'userId=abc', 'limit=0', 'offset=1e20', 'from=2026-03-12&to=2026-03-01']) {
    const r = await A.resp.get(`/api/v1/audit?${q}`);
    assert.is(r.status, 422, `${q}: ${JSON.stringify(r.body)}`);
    assert.type(r.body.error.code, 'string');
  }
});

test("another comune's records are invisible; operatore 403; admin sees every comune", async () => {
  assert.is((await B.op.get(`/api/v1/subjects/${B.soggettoId}`)).status, 200);
  const a = await A.resp.get('/api/v1/audit?limit=500');
  assert.ok(a.body.total > 0);
  assert.ok((a.body.items as Array<{ tenant: string }>).every((i) => i.tenant === A.tenant));
  const bySubjectB = await A.resp.get(`/api/v1/audit?subjectId=${B.soggettoId}`);
  assert.is(bySubjectB.body.total, 0);
  const mismatch = await A.resp.get(`/api/v1/audit?tenant=${B.tenant}`);
  assert.is(mismatch.status, 403);
  const b = await B.resp.get('/api/v1/audit');
  assert.is(b.body.total, 1);
  assert.is(b.body.items[0].subjectId, B.soggettoId);
  for (const c of [A.op, B.op]) {
    const r = await c.get('/api/v1/audit');
    assert.is(r.status, 403);
    assert.is(r.body.error.code, 'ROLE_REQUIRED');
  }
  const all = await admin.get('/api/v1/audit?limit=500');
  assert.is(all.status, 200);
  assert.equal(new Set((all.body.items as Array<{ tenant: string }>).map((i) => i.tenant)), new Set([A.tenant, B.tenant]));
  assert.is((await app.anonymous().get('/api/v1/audit')).status, 401);
});

test('documents: metadata read, PDF and HTML downloads are recorded with the case\'s subject; generating one is not a read', async () => {
  app.clock.set(new Date('2026-03-10T09:30:00.000Z'));
  const made = await A.op.post(`/api/v1/process-instances/${A.instanceId}/documents`, { type: 'progetto' });
  assert.is(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id as string;
  assert.is((await A.op.get(`/api/v1/documents/${id}`)).status, 200);
  assert.is((await A.op.get(`/api/v1/documents/${id}/pdf`)).status, 200);
  assert.is((await A.op.get(`/api/v1/documents/${id}/html`)).status, 200);
  const r = await A.resp.get('/api/v1/audit?from=2026-03-10T09:30:00Z');
  const seen = (r.body.items as Array<Record<string, string>>).map((i) => `${i.objectType}:${i.objectId}:${i.action}:${i.detail}:${i.subjectId}`).sort();
  assert.equal(seen, [`document:${id}:download:html:${A.soggettoId}`, `document:${id}:download:pdf:${A.soggettoId}`, `document:${id}:read:detail:${A.soggettoId}`]);
});

test('append-only: UPDATE, DELETE and TRUNCATE on audit_record fail at the database', async () => {
  const conn = app.services.orm.em.fork().getConnection();
  const [before] = (await conn.execute('select count(*)::int as n from audit_record')) as Array<{ n: number }>;
  for (const sql of ["update audit_record set username = 'altro'", 'delete from audit_record', 'truncate audit_record']) {
    let error: unknown = null;
    try {
      await conn.execute(sql, [], 'run');
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof Error, `${sql} must fail`);
    assert.match((error as Error).message, 'sola aggiunta');
  }
  const [after] = (await conn.execute('select count(*)::int as n from audit_record')) as Array<{ n: number }>;
  assert.is(after!.n, before!.n);
  const [changed] = (await conn.execute("select count(*)::int as n from audit_record where username = 'altro'")) as Array<{ n: number }>;
  assert.is(changed!.n, 0);
});

test.run();
