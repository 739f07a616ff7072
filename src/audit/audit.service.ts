/**
 * The audit of reads (issue 11, item 7; GDPR art. 30/32): who read which
 * case, subject, task form or document, when (the injected clock), of which
 * comune, about which person (the subject, when known) and from where (IP,
 * user agent). The API routes and the web pages call the same `record`,
 * after the read succeeded and before the reply leaves: one INSERT per
 * request (the case's subject is looked up inside that statement). A read
 * that fails (404, 403, bad id) records nothing: the record lists personal
 * data that was shown, not attempts. Rows are only ever inserted; the
 * database refuses UPDATE, DELETE and TRUNCATE on `audit_record`.
 * Changes are not repeated here: they are in the case history.
 */
import { randomUUID } from 'node:crypto';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../shared/clock.js';
import type { Principal } from '../auth/principal.js';

export const AUDIT_OBJECT_TYPES = ['case', 'subject', 'task_form', 'document'] as const;
export type AuditObjectType = (typeof AUDIT_OBJECT_TYPES)[number];
/** `read`: shown on screen or as JSON; `download`: a file (PDF, HTML) handed out. */
export type AuditAction = 'read' | 'download';
/** Which view of the object: the case itself, its history, timeline, documents list; a document's pdf/html. */
export type AuditDetail = 'detail' | 'history' | 'timeline' | 'documents' | 'form' | 'pdf' | 'html' | 'page';

export interface AuditRead {
  /** The comune the object belongs to. */
  tenant: string;
  objectType: AuditObjectType;
  objectId: string;
  action?: AuditAction;
  detail?: AuditDetail;
  /** The person the data is about, when the caller knows it (a subject read). */
  subjectId?: string | null;
  /** The case the object belongs to: its `soggettoId` (or applicant) becomes the subject when none is given. */
  caseId?: string | null;
}

/** Where the request came from: the web layer and the API both pass koa's ctx. */
export interface AuditOrigin {
  ip: string | null;
  userAgent: string | null;
  channel: 'api' | 'web';
}

export function requestOrigin(ctx: { ip: string; get(field: string): string }, channel: 'api' | 'web' = 'api'): AuditOrigin {
  return { ip: ctx.ip ? ctx.ip.slice(0, 64) : null, userAgent: ctx.get('user-agent').slice(0, 512) || null, channel };
}

export interface AuditFilter {
  /** null: every comune (admin, metropolitan responsabile). */
  tenant: string | null;
  subjectId?: string;
  userId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export interface AuditRecordView {
  id: string;
  at: Date;
  tenant: string;
  userId: string;
  username: string;
  action: string;
  objectType: string;
  objectId: string;
  detail: string | null;
  subjectId: string | null;
  channel: string;
  ip: string | null;
  userAgent: string | null;
}

interface Row {
  id: string;
  at: Date | string;
  tenant: string;
  user_id: string;
  username: string;
  action: string;
  object_type: string;
  object_id: string;
  detail: string | null;
  subject_id: string | null;
  channel: string;
  ip: string | null;
  user_agent: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AuditService {
  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
  ) {}

  /** Records the reads of one request in one INSERT. */
  async record(who: Pick<Principal, 'id' | 'username'>, origin: AuditOrigin, reads: AuditRead[]): Promise<void> {
    if (!reads.length) return;
    const at = this.clock.now();
    const values: string[] = [];
    const args: unknown[] = [];
    for (const r of reads) {
      const caseId = r.caseId && UUID.test(r.caseId) ? r.caseId : null;
      values.push(
        `(?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, (select left(pi.variables->>'soggettoId', 64) from process_instance pi where pi.id = ?), (select sc.subject_id::text from subject_case sc where sc.instance_id = ? and sc.role = 'richiedente' limit 1)), ?, ?, ?)`,
      );
      args.push(randomUUID(), at, r.tenant, who.id, who.username.slice(0, 100), r.action ?? 'read', r.objectType, r.objectId.slice(0, 64), r.detail ?? null, r.subjectId ?? null, caseId, caseId, origin.channel, origin.ip, origin.userAgent);
    }
    await this.orm.em
      .fork()
      .getConnection()
      .execute(`insert into audit_record (id, at, tenant, user_id, username, action, object_type, object_id, detail, subject_id, channel, ip, user_agent) values ${values.join(', ')}`, args, 'run');
  }

  /** Records, newest first, with the total matching the filter. */
  async search(f: AuditFilter): Promise<{ items: AuditRecordView[]; total: number }> {
    const conditions: Array<[string, unknown]> = [];
    if (f.tenant) conditions.push(['tenant = ?', f.tenant]);
    if (f.subjectId) conditions.push(['subject_id = ?', f.subjectId]);
    if (f.userId) conditions.push(['user_id = ?', f.userId]);
    if (f.from) conditions.push(['at >= ?', f.from]);
    if (f.to) conditions.push(['at <= ?', f.to]);
    const where = conditions.map(([sql]) => sql);
    const args = conditions.map(([, value]) => value);
    const clause = where.length ? `where ${where.join(' and ')}` : '';
    const conn = this.orm.em.fork().getConnection();
    const [count] = (await conn.execute(`select count(*)::int as n from audit_record ${clause}`, args)) as Array<{ n: number | string }>;
    const rows = (await conn.execute(`select * from audit_record ${clause} order by at desc, id desc limit ? offset ?`, [...args, f.limit, f.offset])) as Row[];
    return { items: rows.map(view), total: Number(count?.n ?? 0) };
  }
}

function view(r: Row): AuditRecordView {
  return {
    id: r.id,
    at: new Date(r.at),
    tenant: r.tenant,
    userId: r.user_id,
    username: r.username,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    detail: r.detail,
    subjectId: r.subject_id,
    channel: r.channel,
    ip: r.ip,
    userAgent: r.user_agent,
  };
}
