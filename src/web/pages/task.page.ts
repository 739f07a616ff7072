/**
 * The task page: the task's form (form-js viewer island, same .form schema
 * the engine validates against) prefilled with the case's values or the saved
 * draft; claim/release/assign; beside it the case summary (applicant,
 * household, ISEE, current phase and its legal deadline), the case's documents
 * and its history. Completion and drafts go through the API
 * (/api/v1/tasks/{id}/complete, /draft) with the session's CSRF token.
 */
import type Router from '@koa/router';
import { hasRole } from '../../auth/principal.js';
import { ProcessDefinition, ProcessInstance, User } from '../../db/entities/index.js';
import type { ModelIndex } from '../../engine/definitions/model.js';
import { DomainError } from '../../shared/errors.js';
import { uuidOrNone } from '../../api/validation.js';
import type { Services } from '../../api/context.js';
import type { TaskForm } from '../../tasks/inbox.service.js';
import { caseContexts, NO_CONTEXT } from '../../tasks/task-context.js';
import { instanceTimeline } from '../../tasks/sla/sla.service.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { CASE_ROLES, layoutFor, requirePageRole, requireUser } from '../shell.js';
import type { WebContext } from '../web-context.js';
import { taskRows } from './inbox.page.js';
import { requestOrigin, type AuditRead } from '../../audit/audit.service.js';

const HISTORY_LABELS: Record<string, string> = {
  'process.started': 'Pratica avviata',
  'process.cancelled': 'Pratica annullata',
  'process.migrated': 'Pratica migrata a una nuova versione del procedimento',
  'task.created': 'Attività aperta',
  'task.claimed': 'Presa in carico',
  'task.unclaimed': 'Rilasciata',
  'task.assigned': 'Assegnata',
  'task.completed': 'Attività completata',
  'task.cancelled': 'Attività annullata',
  'message.received': 'Comunicazione ricevuta',
  'timer.fired': 'Scadenza raggiunta',
  'decision.evaluated': 'Regola applicata',
  'external.created': 'Invio a servizio esterno',
  'external.completed': 'Risposta del servizio esterno',
  'external.failed': 'Errore del servizio esterno',
  'external.cancelled': 'Invio a servizio esterno annullato',
  'incident.created': 'Problema tecnico segnalato',
  'incident.resolved': 'Problema tecnico risolto',
  'incident.retried': 'Nuovo tentativo dopo un problema tecnico',
};
const RELAZIONI: Record<string, string> = { richiedente: 'Richiedente', coniuge: 'Coniuge', figlio: 'Figlio/a', genitore: 'Genitore', altro: 'Altro' };

export function taskPages(router: Router, web: WebContext) {
  const { services, renderer } = web;

  router.get('/attivita/:id', async (ctx) => {
    const s = await requireUser(services, ctx);
    requirePageRole(s.principal, CASE_ROLES);
    const p = s.principal;
    const task = await services.inbox.get(p, uuidOrNone(ctx.params.id));
    const em = services.orm.em.fork();
    const [form, instance, [row], documents, history, users] = await Promise.all([
      task.formKey ? services.inbox.form(p, task.id).catch((err) => (err instanceof DomainError && err.code === 'FORM_NOT_FOUND' ? null : Promise.reject(err instanceof Error ? err : new Error(String(err))))) : Promise.resolve(null),
      em.findOne(ProcessInstance, { id: task.instanceId, tenant: task.tenant }),
      caseContexts(em, [task.instanceId]).then((c) => taskRows(services, p, [{ task, context: c.get(task.instanceId) ?? NO_CONTEXT }])),
      services.documents.list(task.tenant, task.instanceId),
      caseHistory(services, task.instanceId),
      hasRole(p, 'responsabile', 'admin') ? em.find(User, { tenant: task.tenant, active: true }, { orderBy: { username: 'asc' } }) : Promise.resolve([]),
    ]);
    const summary = instance ? await caseSummary(services, instance) : null;
    // The page shows the task's form and the case (summary, documents, history): one audit insert for both.
    const reads: AuditRead[] = [];
    if (form) reads.push({ tenant: task.tenant, objectType: 'task_form', objectId: task.id, caseId: task.instanceId, detail: 'page' });
    if (instance) reads.push({ tenant: instance.tenant, objectType: 'case', objectId: instance.id, caseId: instance.id, detail: 'page' });
    await services.audit.record(p, requestOrigin(ctx, 'web'), reads);
    const open = task.status === 'open';
    const candidate = task.candidateUsers.includes(p.username) || task.candidateGroups.some((g) => p.groups.includes(g));
    const canComplete = open && (task.assignee ? task.assignee === p.username : candidate);
    const title = task.name ?? task.elementId;
    const layout = await layoutFor(services, ctx, s, { title, breadcrumbs: [{ href: '/attivita', label: 'Le mie attività' }, { label: title }] });
    ctx.type = 'html';
    ctx.body = renderer.render('attivita-dettaglio', layout, {
      task: { ...row, open, status: task.status, endedAt: formatDateTime(task.endedAt), completedBy: task.completedBy, completed: task.status === 'completed' },
      form: form ? formView(form) : null,
      island: open ? { taskId: task.id, schema: form?.schema ?? null, data: form?.draft?.data ?? form?.data ?? {}, draft: form?.draft ? { updatedAt: formatDateTime(form.draft.updatedAt), updatedBy: form.draft.updatedBy } : null, canComplete, csrf: s.session.csrfToken } : null,
      canComplete,
      summary,
      documents: documents.map((d) => ({ title: d.title, created: formatDateTime(d.createdAt), pdf: `/api/v1/documents/${d.id}/pdf`, fileName: d.fileName })),
      history,
      manager: hasRole(p, 'responsabile', 'admin') && open,
      users: users.map((u) => ({ username: u.username, selected: u.username === task.assignee })),
      returnTo: `/attivita/${task.id}`,
      csrf: s.session.csrfToken,
    });
  });
}

function formView(form: TaskForm) {
  return { id: form.formId };
}

/** Applicant, household, ISEE, current phase and its legal deadline, from the case's variables and the model's SLA phases. */
export async function caseSummary(services: Services, instance: ProcessInstance) {
  const v = instance.variables as Record<string, unknown>;
  const r = (v.richiedente ?? {}) as Record<string, unknown>;
  const nucleo = Array.isArray(v.nucleo) ? (v.nucleo as Array<Record<string, unknown>>) : [];
  const em = services.orm.em.fork();
  const def = await em.findOne(ProcessDefinition, { id: instance.definitionId });
  const phases = (def?.modelIndex as ModelIndex | undefined)?.slaPhases ?? [];
  const timeline = phases.length ? await instanceTimeline(em, instance.id, phases, services.clock.now()) : null;
  const current = timeline?.phases.find((ph) => ph.startedAt && !ph.endedAt) ?? null;
  return {
    id: instance.id,
    protocollo: instance.businessKey,
    processo: def?.name ?? instance.definitionKey,
    stato: instance.status === 'active' ? 'In corso' : instance.status === 'completed' ? 'Conclusa' : 'Annullata',
    richiedente: r.cognome || r.nome ? `${String(r.cognome ?? '')} ${String(r.nome ?? '')}`.trim() : null,
    codiceFiscale: typeof r.codiceFiscale === 'string' ? r.codiceFiscale.toUpperCase() : null,
    nucleo: nucleo.map((m) => ({ nome: `${String(m.cognome ?? '')} ${String(m.nome ?? '')}`.trim(), relazione: RELAZIONI[String(m.relazione)] ?? String(m.relazione ?? ''), nascita: formatDate(m.dataNascita) })),
    isee: v.isee === null || v.isee === undefined ? null : formatMoney(v.isee),
    dataDomanda: formatDate(v.dataDomanda),
    fase: current ? { name: current.name, deadline: current.plannedEnd ? formatDate(current.plannedEnd) : null, late: current.onTime === false } : null,
    avviata: formatDate(instance.startedAt),
  };
}

export async function caseHistory(services: Services, instanceId: string) {
  const rows = (await services.orm.em.fork().getConnection().execute(
    `select type, at, element_name as "elementName", user_name as "userName" from history_event
      where instance_id = ? and type <> all(array['element.entered', 'element.left', 'element.discarded'])
      order by id desc limit 40`,
    [instanceId],
  )) as Array<{ type: string; at: Date | string; elementName: string | null; userName: string | null }>;
  return rows.map((r) => ({ label: HISTORY_LABELS[r.type] ?? r.type, at: formatDateTime(r.at), element: r.elementName, user: r.userName }));
}

