/**
 * The task inbox: queries over open and closed user tasks (always filtered by
 * the caller's comune) and the task actions — claim, unclaim, assign, complete —
 * with their permission rules and history. A task with a form (camunda:formKey)
 * shows it with the current values, and its completion is validated against it
 * before anything is written.
 */
import { raw, type EntityManager, type FilterQuery, type FindOptions } from '@mikro-orm/core';
import type { QBFilterQuery, QBQueryOrderMap, SqlEntityManager } from '@mikro-orm/knex';
import type { Clock } from '../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import { hasRole, tenantScope, type Principal } from '../auth/principal.js';
import type { EngineStore, EngineTx, TaskRecord } from '../engine/store.js';
import type { ProcessService } from '../engine/process-service.js';
import { entityManagerOf } from '../db/engine-store.js';
import { recordFromRow } from '../db/engine-rows.js';
import { ProcessInstance, Task, User } from '../db/entities/index.js';
import type { FormService } from '../tailoring/forms/form.service.js';
import { formIdFromKey, type FormSchema } from '../tailoring/forms/schema.js';
import { createCalendar } from '../engine/calendar/index.js';
import { completionRulesOf, enforceCompletionRules } from './rules/registry.js';
import { caseContextJoin, caseContextOf, type TaskCaseContext } from './task-context.js';
import { openTaskCount } from './sla/sla.service.js';
import { extractFormData, validateFormData } from '../tailoring/forms/validate.js';
import { formVariables } from '../tailoring/forms/schema.js';
import { checkVariablesAllowed } from '../engine/execution/variable-policy.js';

export interface TaskForm {
  formKey: string;
  formId: string;
  source: 'deployment' | 'file';
  /** The comune the form comes from; null for a shared form. */
  tenant: string | null;
  schema: FormSchema;
  /** Current values of the process variables bound by the form's fields. */
  data: Record<string, unknown>;
  /** The draft saved on the task (Salva bozza), if any: the values to show instead of `data`. */
  draft: TaskDraft | null;
}

/** Values of a task's form saved without completing it; one per task, discarded when the task completes. */
export interface TaskDraft {
  data: Record<string, unknown>;
  updatedBy: string;
  updatedAt: Date;
}

export interface TaskQuery {
  assignee?: string;
  candidateGroup?: string;
  mine?: boolean;
  processKey?: string;
  elementId?: string;
  businessKey?: string;
  processInstanceId?: string;
  status?: 'open' | 'completed' | 'cancelled' | 'all';
  dueBefore?: Date;
  dueAfter?: Date;
  /** Unassigned tasks the caller may claim (candidate user, or one of their groups). */
  claimable?: boolean;
  /** Text on the case: part of the protocollo, the applicant's codice fiscale, or their surname (and name). */
  text?: string;
  sort?: 'due' | 'created' | 'priority';
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** false: skip the total (the caller counts otherwise, e.g. the inbox tabs); total is then -1. */
  count?: boolean;
}

/** Open tasks per inbox tab: assigned to the caller, claimable by them, all they can see. */
export interface InboxCounts {
  mine: number;
  claimable: number;
  all: number;
}

const SORT_COLUMN = { due: 'dueAt', created: 'createdAt', priority: 'priority' } as const;

/**
 * `total` of a task list is exact up to this many tasks; past it the list says `totalExact: false` and `total` is
 * this number ("more than"), unless the caller asks for the full count (a scan of a large comune's backlog).
 */
export const TASK_TOTAL_CAP = 10_000;

/**
 * The scope of an exact count of open tasks that the SLA figures answer (openTaskCount): a filter on comune, process
 * and step only. null for any other filter (assignee, candidates, text, due dates, other statuses…).
 */
function countableFromFigures(where: FilterQuery<Task>): { tenant: string | null; processKey?: string; elementId?: string } | null {
  const w = where as Record<string, unknown>;
  if (w.status !== 'open' || Object.keys(w).some((k) => !['tenant', 'status', 'definitionKey', 'elementId'].includes(k))) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (['tenant', 'definitionKey', 'elementId'].some((k) => w[k] !== undefined && typeof w[k] !== 'string')) return null;
  return { tenant: text(w.tenant) ?? null, processKey: text(w.definitionKey), elementId: text(w.elementId) };
}

/** Tasks the caller is a candidate for: named among the candidate users, or in one of the candidate groups. */
function candidateOf(p: Principal): { $or: Array<FilterQuery<Task>> } {
  return { $or: [{ candidateUsers: { $overlap: [p.username] } }, ...(p.groups.length ? [{ candidateGroups: { $overlap: p.groups } }] : [])] };
}

export class InboxService {
  constructor(
    private readonly em: EntityManager,
    private readonly store: EngineStore,
    private readonly processes: ProcessService,
    private readonly clock: Clock,
    private readonly forms?: FormService,
  ) {}


  /**
   * A page of the caller's tasks (criteria()) with each task's case context (protocollo, applicant, process name), read with the page in
   * one statement; the count runs side by side with it (exact, or up to `totalCap`: see TASK_TOTAL_CAP), so a page
   * costs the slower of the two round trips. An exact count of open tasks filtered by comune, process and step only
   * adds the SLA figures' open counts instead of counting the backlog (countableFromFigures).
   */
  async listWithContext(p: Principal, q: TaskQuery, opts: { totalCap?: number | null } = {}): Promise<{ items: Array<{ task: Task; context: TaskCaseContext }>; total: number; totalExact: boolean }> {
    const { where, options } = await this.criteria(p, q);
    const cap = opts.totalCap ?? null;
    if (q.count === false) return { items: await this.pageWithContext(where, options), total: -1, totalExact: false };
    const figures = cap === null ? countableFromFigures(where) : null;
    const count = figures ? openTaskCount(this.em.fork(), figures) : cap === null ? this.em.fork().count(Task, where) : this.countUpTo(where, cap);
    const [items, counted] = await Promise.all([this.pageWithContext(where, options), count]);
    return cap !== null && counted > cap ? { items, total: cap, totalExact: false } : { items, total: counted, totalExact: true };
  }

  /** The page's tasks (the query find() would run, numbered in its order) joined with their case context. */
  private async pageWithContext(where: FilterQuery<Task>, options: FindOptions<Task>): Promise<Array<{ task: Task; context: TaskCaseContext }>> {
    const em = this.em.fork() as unknown as SqlEntityManager;
    const qb = em
      .createQueryBuilder(Task, 't')
      .select('t.*')
      .where(where as QBFilterQuery<Task>)
      .orderBy(options.orderBy as QBQueryOrderMap<Task>)
      .limit(options.limit!)
      .offset(options.offset ?? 0);
    const knex = em.getKnex();
    // The page keeps its order through the join by its row number (bindings stay bound: the subquery is a builder).
    const page = knex.select(knex.raw('p.*'), knex.raw('row_number() over () as page_row')).from(qb.getKnexQuery().as('p'));
    const result = (await knex.raw(`select t.*, ctx.* from (?) t ${caseContextJoin('t.instance_id')} order by t.page_row`, [page])) as { rows: Array<Record<string, unknown>> };
    return result.rows.map((r) => {
      const context = caseContextOf(r);
      const columns = Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'page_row' && !k.startsWith('ctx_')));
      return { task: recordFromRow(em, Task, columns), context };
    });
  }

  /** The matching tasks counted up to cap + 1 (an index scan that stops there, not the whole backlog). */
  private async countUpTo(where: FilterQuery<Task>, cap: number): Promise<number> {
    const em = this.em.fork() as unknown as SqlEntityManager;
    // criteria() builds an object filter (never a string or RegExp), which the query builder takes as it is.
    // A constant, not a column: the count can be an index-only scan of the narrow open-task indexes.
    const qb = em.createQueryBuilder(Task, 't').select(raw('1')).where(where as QBFilterQuery<Task>).limit(cap + 1);
    const knex = em.getKnex();
    const [row] = (await knex.select(knex.raw('count(*)::int as n')).from(qb.getKnexQuery().as('capped'))) as Array<{ n: number }>;
    return Number(row?.n ?? 0);
  }

  /** The filter and the order of a task list: always the caller's comune. */
  private async criteria(p: Principal, q: TaskQuery): Promise<{ where: FilterQuery<Task>; options: FindOptions<Task> }> {
    const where: FilterQuery<Task> & Record<string, unknown> = {};
    const scope = tenantScope(p);
    if (scope) where.tenant = scope;
    if (q.status !== 'all') where.status = q.status ?? 'open';
    if (q.assignee) where.assignee = q.assignee === 'me' ? p.username : q.assignee;
    if (q.candidateGroup) where.candidateGroups = { $overlap: [q.candidateGroup] };
    const and: Array<FilterQuery<Task>> = [];
    if (q.mine) {
      and.push({ $or: [{ assignee: p.username }, { assignee: null, candidateUsers: { $overlap: [p.username] } }, ...(p.groups.length ? [{ assignee: null, candidateGroups: { $overlap: p.groups } }] : [])] });
    }
    if (q.claimable) {
      where.assignee = null;
      and.push(candidateOf(p));
    }
    if (q.text?.trim()) {
      const text = q.text.trim();
      const instances = await this.instancesOfApplicant(scope, text);
      and.push({ $or: [{ businessKey: { $ilike: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } }, ...(instances.length ? [{ instanceId: { $in: instances } }] : [])] });
    }
    if (and.length) where.$and = and;
    if (q.processKey) where.definitionKey = q.processKey;
    if (q.elementId) where.elementId = q.elementId;
    if (q.businessKey) where.businessKey = q.businessKey;
    if (q.processInstanceId) where.instanceId = q.processInstanceId;
    if (q.dueBefore || q.dueAfter) where.dueAt = { ...(q.dueBefore ? { $lt: q.dueBefore } : {}), ...(q.dueAfter ? { $gt: q.dueAfter } : {}) };
    const column = SORT_COLUMN[q.sort ?? 'created'];
    const order = q.order ?? (q.sort === 'priority' ? 'desc' : 'asc');
    const options: FindOptions<Task> = {
      orderBy: [{ [column]: order === 'asc' ? 'asc nulls last' : 'desc nulls last' }, { createdAt: 'asc' }, { id: 'asc' }],
      limit: q.limit,
      offset: q.offset,
    };
    return { where, options };
  }

  /**
   * The open tasks of each inbox tab. `exact` names the tab whose count must be
   * exact (the one shown, for its pages) — up to `exactCap` when given; the
   * others stop counting past `cap` (a value of cap + 1 means "more than
   * cap"), so a badge never scans a comune's whole backlog. One statement per
   * tab, run side by side.
   */
  async counts(p: Principal, opts: { exact?: keyof InboxCounts | 'every'; cap?: number; exactCap?: number } = {}): Promise<InboxCounts> {
    const scope = tenantScope(p);
    const cap = opts.cap ?? 1000;
    const exact = opts.exact ?? 'every';
    const open = { status: 'open', ...(scope ? { tenant: scope } : {}) };
    const filters: Record<keyof InboxCounts, Record<string, unknown>> = {
      mine: { assignee: p.username },
      claimable: { assignee: null, ...candidateOf(p) },
      all: {},
    };
    const count = (tab: keyof InboxCounts) => {
      const limit = exact === 'every' || exact === tab ? opts.exactCap : cap;
      const where = { ...open, ...filters[tab] } as FilterQuery<Task>;
      return limit === undefined ? this.em.fork().count(Task, where) : this.countUpTo(where, limit);
    };
    const [mine, claimable, all] = await Promise.all([count('mine'), count('claimable'), count('all')]);
    return { mine, claimable, all };
  }

  /** Cases whose applicant matches the text: codice fiscale (exact), surname, "surname name" or "name surname" (prefix). */
  private async instancesOfApplicant(scope: string | null, text: string): Promise<string[]> {
    const like = `${text.toLowerCase().replace(/\s+/g, ' ').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = (await this.em.fork().getConnection().execute(
      `select sc.instance_id as id from subject_case sc join subject s on s.id = sc.subject_id
        where sc.role = 'richiedente'${scope ? ' and sc.tenant = ? and s.tenant = ?' : ''}
          and (s.codice_fiscale = ? or lower(s.cognome) like ? or lower(s.cognome || ' ' || s.nome) like ? or lower(s.nome || ' ' || s.cognome) like ?)
        limit 1000`,
      [...(scope ? [scope, scope] : []), text.toUpperCase(), like, like, like],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  async get(p: Principal, id: string): Promise<Task> {
    const task = await this.em.fork().findOne(Task, { id, ...(tenantScope(p) ? { tenant: tenantScope(p)! } : {}) });
    if (!task) throw new NotFoundError('Task', id, 'TASK_NOT_FOUND');
    return task;
  }

  claim(p: Principal, id: string): Promise<TaskRecord> {
    return this.onOpenTask(p, id, async (tx, task) => {
      if (task.assignee === p.username) return task;
      if (task.assignee) throw new ConflictError(`Il task è già assegnato a ${task.assignee}`, 'TASK_ALREADY_CLAIMED', { assignee: task.assignee });
      if (!isCandidate(p, task)) throw new ForbiddenError('Non fai parte dei gruppi candidati per questo task', 'NOT_A_CANDIDATE');
      return this.setAssignee(tx, task, p.username, p, 'task.claimed');
    });
  }

  unclaim(p: Principal, id: string): Promise<TaskRecord> {
    return this.onOpenTask(p, id, async (tx, task) => {
      if (task.assignee !== p.username && !canManage(p)) throw new ForbiddenError('Solo l\'assegnatario o un responsabile può rilasciare il task', 'NOT_ASSIGNEE');
      return this.setAssignee(tx, task, null, p, 'task.unclaimed');
    });
  }

  /**
   * Assignment goes only to an active user of the task's comune (or a
   * metropolitan one, tenant null) who may do the work: in one of the task's
   * candidate groups or a named candidate user (a task with neither is open
   * to anyone of the comune). Otherwise 422 UNKNOWN_USER / USER_INACTIVE /
   * ASSIGNEE_NOT_CANDIDATE; `user: null` releases the task.
   */
  async assign(p: Principal, id: string, username: string | null): Promise<TaskRecord> {
    // Looked up before the transaction opens: a second connection taken while the
    // transaction holds one deadlocks a single-connection pool (PGlite).
    const user = username ? await this.em.fork().findOne(User, { username }) : null;
    return this.onOpenTask(p, id, async (tx, task) => {
      const selfClaim = username === p.username && !task.assignee && isCandidate(p, task);
      if (!selfClaim && !canManage(p)) throw new ForbiddenError('Solo un responsabile può assegnare i task ad altri', 'ROLE_REQUIRED');
      if (username) checkAssignee(username, user, task);
      return this.setAssignee(tx, task, username, p, 'task.assigned');
    });
  }

  /**
   * One transaction: the task is read once, row-locked, together with its
   * instance and open tasks (one statement); then permission, then
   * the submission against the task's form (read on the transaction's own
   * connection, so a refused submission writes nothing and no second
   * connection is taken while the transaction holds one, as PGlite needs).
   */
  async complete(p: Principal, id: string, variables: Record<string, unknown>): Promise<TaskRecord> {
    return this.onOpenTask(
      p,
      id,
      async (tx, task) => {
        checkCanComplete(p, task);
        await this.validateAgainstForm(tx, task, variables);
        await this.checkBusinessRules(tx, task, variables);
        // The task's draft goes with the completion's write (engine-rows: a closed task's draft is deleted).
        await this.processes.completeTask(tx, task, variables, { username: p.username });
        return task;
      },
      { withInstance: true },
    );
  }

  /** The task's form with the current values; 404 FORM_NOT_FOUND when the task has none or it does not exist. */
  async form(p: Principal, id: string): Promise<TaskForm> {
    return (await this.formOf(p, id)).form;
  }

  /** The task's form and the task itself (its comune and case, for the audit of reads). */
  async formOf(p: Principal, id: string): Promise<{ form: TaskForm; task: Task }> {
    const em = this.em.fork();
    const task = await this.get(p, id);
    const form = this.forms && task.formKey ? await this.forms.resolveKey(task.formKey, task.tenant, em) : null;
    if (!form) {
      throw new NotFoundError(task.formKey ? `Modulo "${task.formKey}" del task` : 'Modulo del task', id, 'FORM_NOT_FOUND');
    }
    const instance = await em.findOne(ProcessInstance, { id: task.instanceId, tenant: task.tenant });
    const draft = task.status === 'open' ? await this.readDraft(task.id) : null;
    return { task, form: { formKey: task.formKey!, formId: form.formId, source: form.source, tenant: form.tenant, schema: form.schema, data: extractFormData(form.schema, instance?.variables ?? {}), draft } };
  }

  /** The task's draft (404 DRAFT_NOT_FOUND when there is none). */
  async getDraft(p: Principal, id: string): Promise<TaskDraft> {
    const task = await this.get(p, id);
    const draft = await this.readDraft(task.id);
    if (!draft) throw new NotFoundError('Bozza del task', id, 'DRAFT_NOT_FOUND', 'f');
    return draft;
  }

  /** Saves (replaces) the task's draft: the task must be open and the caller allowed to complete it. Not validated: a draft may be incomplete. */
  async saveDraft(p: Principal, id: string, data: Record<string, unknown>): Promise<TaskDraft> {
    const now = this.clock.now();
    await this.onOpenTask(p, id, async (tx, task) => {
      checkCanComplete(p, task);
      await inTx(
        tx,
        `insert into task_draft (task_id, tenant, data, updated_by, updated_at) values (?, ?, ?::jsonb, ?, ?)
           on conflict (task_id) do update set data = excluded.data, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
        [task.id, task.tenant, JSON.stringify(data), p.username, now],
      );
      return task;
    });
    return { data, updatedBy: p.username, updatedAt: now };
  }

  /** Discards the task's draft (idempotent for an open task the caller may complete). */
  async deleteDraft(p: Principal, id: string): Promise<void> {
    await this.onOpenTask(p, id, async (tx, task) => {
      checkCanComplete(p, task);
      await inTx(tx, 'delete from task_draft where task_id = ?', [task.id]);
      return task;
    });
  }

  private async readDraft(taskId: string): Promise<TaskDraft | null> {
    const [row] = (await this.em.fork().getConnection().execute('select data, updated_by as "updatedBy", updated_at as "updatedAt" from task_draft where task_id = ?', [taskId])) as Array<{ data: Record<string, unknown> | string; updatedBy: string; updatedAt: Date | string }>;
    if (!row) return null;
    return { data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data, updatedBy: row.updatedBy, updatedAt: new Date(row.updatedAt) };
  }

  /**
   * 422 VARIABLES_NOT_ALLOWED when the submission names a variable outside the
   * task's form (a task without a form: a protected variable), then 422
   * FORM_VALIDATION_FAILED when it does not fit the form.
   */
  private async validateAgainstForm(tx: EngineTx, task: TaskRecord, variables: Record<string, unknown>): Promise<void> {
    const form = this.forms && task.formKey ? await this.forms.resolveKey(task.formKey, task.tenant, entityManagerOf(tx)) : null;
    checkVariablesAllowed(variables, form ? formVariables(form.schema) : null, `il task ${task.elementId}${form ? ` (modulo ${form.formId})` : ''}`);
    if (!form) return;
    const fields = validateFormData(form.schema, variables);
    if (fields.length) {
      throw new ValidationError(`Dati del modulo "${form.formId}" non validi: ${fields.map((f) => `${f.field} (${f.message})`).join('; ')}`, { formId: form.formId, fields }, 'FORM_VALIDATION_FAILED');
    }
  }

  /** 422 BUSINESS_RULE_FAILED when the submission breaks a rule of the task's form (src/tasks/rules/); read on the transaction's connection. */
  private async checkBusinessRules(tx: EngineTx, task: TaskRecord, variables: Record<string, unknown>): Promise<void> {
    const formId = formIdFromKey(task.formKey);
    if (!formId || !completionRulesOf(formId).length) return;
    const instance = await tx.instance(task.instanceId, task.tenant);
    if (!instance) return;
    const calendar = createCalendar(await tx.tenantCalendar(task.tenant));
    enforceCompletionRules(formId, { variables: { ...instance.variables, ...variables }, params: instance.params, now: this.clock.now(), calendar });
  }

  private async onOpenTask(p: Principal, id: string, action: (tx: EngineTx, task: TaskRecord) => Promise<TaskRecord>, opts?: { withInstance?: boolean }): Promise<TaskRecord> {
    return this.store.transaction(async (tx) => {
      const task = await tx.task(id, tenantScope(p), opts);
      if (!task) throw new NotFoundError('Task', id, 'TASK_NOT_FOUND');
      if (task.status !== 'open') throw new ConflictError(`Il task è già ${task.status === 'completed' ? 'completato' : 'annullato'}`, 'TASK_NOT_OPEN', { status: task.status });
      return action(tx, task);
    });
  }

  private setAssignee(tx: EngineTx, task: TaskRecord, username: string | null, p: Principal, type: string): TaskRecord {
    const now = this.clock.now();
    const previous = task.assignee;
    Object.assign(task, { assignee: username, claimedAt: username ? now : null });
    tx.addHistory({ tenant: task.tenant, instanceId: task.instanceId, at: now, type, elementId: task.elementId, elementName: task.name, taskId: task.id, userName: p.username, details: { assignee: username, previous } });
    return task;
  }
}

/** A raw statement on the engine transaction's own connection (a second connection would wait on the task's row lock). */
async function inTx(tx: EngineTx, sql: string, params: unknown[]): Promise<void> {
  const em = entityManagerOf(tx);
  await em.getConnection().execute(sql, params, 'run', em.getTransactionContext());
}

/** A PostgreSQL array literal for a raw-SQL parameter (`?::text[]`, `?::uuid[]`): the driver would inline a JS array as a list. */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function checkCanComplete(p: Principal, task: TaskRecord): void {
  const allowed = task.assignee ? task.assignee === p.username : isCandidate(p, task);
  if (!allowed) {
    throw new ForbiddenError(task.assignee ? `Il task è assegnato a ${task.assignee}` : 'Non fai parte dei gruppi candidati per questo task', task.assignee ? 'NOT_ASSIGNEE' : 'NOT_A_CANDIDATE');
  }
}

/** Who may be given a task (see InboxService.assign); throws the 422 that says why not. */
function checkAssignee(username: string, user: User | null, task: TaskRecord): void {
  if (!user || (user.tenant !== null && user.tenant !== task.tenant)) {
    throw new ValidationError(`Utente ${username} inesistente in questo comune`, { field: 'user', errors: [{ field: 'user', message: `Utente ${username} inesistente in questo comune` }] }, 'UNKNOWN_USER');
  }
  if (!user.active) {
    throw new ValidationError(`L'utente ${username} è disattivato e non può ricevere task`, { field: 'user', errors: [{ field: 'user', message: `L'utente ${username} è disattivato` }] }, 'USER_INACTIVE');
  }
  const open = !task.candidateGroups.length && !task.candidateUsers.length;
  if (!open && !task.candidateUsers.includes(username) && !task.candidateGroups.some((g) => user.groups.includes(g))) {
    const who = [task.candidateGroups.length ? `gruppi ${task.candidateGroups.join(', ')}` : '', task.candidateUsers.length ? `utenti ${task.candidateUsers.join(', ')}` : ''].filter(Boolean).join(' o ');
    const message = `L'utente ${username} non può lavorare questo task: è riservato a ${who}`;
    throw new ValidationError(message, { field: 'user', candidateGroups: task.candidateGroups, candidateUsers: task.candidateUsers, errors: [{ field: 'user', message }] }, 'ASSIGNEE_NOT_CANDIDATE');
  }
}

function isCandidate(p: Principal, task: TaskRecord): boolean {
  return task.candidateUsers.includes(p.username) || task.candidateGroups.some((g) => p.groups.includes(g)) || task.assignee === p.username;
}

function canManage(p: Principal): boolean {
  return hasRole(p, 'responsabile', 'admin');
}
