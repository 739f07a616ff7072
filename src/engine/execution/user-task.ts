/**
 * Resolves a user task's Camunda attributes (assignee, candidate groups and
 * users, form, due and follow-up dates, priority) against the process
 * variables at the moment the task is created.
 */
import type { Clock } from '../../shared/clock.js';
import { parseIsoDuration } from '../../shared/clock.js';
import type { UserTaskSpec } from '../definitions/model.js';
import { evaluateExpression } from '../expressions/index.js';
import { expressionScope, type ScopeExtras } from './engine-expressions.js';

export interface ResolvedUserTask {
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  formKey: string | null;
  dueAt: Date | null;
  followUpAt: Date | null;
  priority: number;
  problems: string[];
}

export function resolveUserTask(spec: UserTaskSpec | undefined, variables: Record<string, unknown>, extras: ScopeExtras): ResolvedUserTask {
  const problems: string[] = [];
  const scope = expressionScope(variables, extras);
  const value = (attr: keyof UserTaskSpec): unknown => {
    const src = spec?.[attr];
    if (!src) return null;
    try {
      return evaluateExpression(src, scope);
    } catch (err) {
      problems.push(`camunda:${attr}: ${(err as Error).message}`);
      return null;
    }
  };
  const assignee = value('assignee');
  const priority = Number(value('priority') ?? 50);
  // A priority outside a 32-bit integer (e.g. 1e20) cannot be stored: the default, with a problem recorded.
  const storable = Number.isFinite(priority) && Math.abs(priority) <= 2_147_483_647;
  if (!storable && spec?.priority) problems.push(`camunda:priority: ${String(priority)} non è un intero a 32 bit`);
  return {
    assignee: assignee == null || assignee === '' ? null : String(assignee),
    candidateGroups: toList(value('candidateGroups')),
    candidateUsers: toList(value('candidateUsers')),
    formKey: (value('formKey') as string | null) || null,
    dueAt: toDate(value('dueDate'), extras.clock, problems, 'dueDate'),
    followUpAt: toDate(value('followUpDate'), extras.clock, problems, 'followUpDate'),
    priority: storable ? Math.trunc(priority) : 50,
    problems,
  };
}

function toList(v: unknown): string[] {
  if (v == null) return [];
  const items = Array.isArray(v) ? v : String(v).split(',');
  return [...new Set(items.map((s) => String(s).trim()).filter(Boolean))];
}

function toDate(v: unknown, clock: Clock, problems: string[], attr: string): Date | null {
  if (v == null || v === '') return null;
  if (v instanceof Date) return v;
  const s = String(v).trim();
  if (/^-?P/.test(s)) {
    try {
      return new Date(clock.now().getTime() + parseIsoDuration(s));
    } catch {
      /* falls through to the problem below */
    }
  }
  const d = new Date(s);
  if (!Number.isNaN(d.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(s)) return d;
  problems.push(`camunda:${attr}: "${s}" non è una data ISO-8601 né una durata`);
  return null;
}
