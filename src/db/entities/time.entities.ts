/** Jobs (durable timers, continuations, retries) and incidents. */
import { EntitySchema } from '@mikro-orm/core';
import type { JobKind } from '../../engine/store.js';

export class Job {
  id!: string;
  tenant!: string;
  /** Null for timer-start jobs, which belong to a definition. */
  instanceId!: string;
  definitionId: string | null = null;
  kind!: JobKind;
  elementId!: string;
  executionId!: string;
  dueAt!: Date;
  lockedBy: string | null = null;
  lockedUntil: Date | null = null;
  retries = 3;
  attempts = 0;
  lastError: string | null = null;
  payload: unknown = null;
  createdAt!: Date;
}

export class Incident {
  id!: string;
  tenant!: string;
  instanceId!: string;
  kind!: 'job-failed' | 'external-task-failed';
  jobId: string | null = null;
  externalTaskId: string | null = null;
  elementId: string | null = null;
  message!: string;
  status!: 'open' | 'resolved';
  createdAt!: Date;
  resolvedAt: Date | null = null;
  resolvedBy: string | null = null;
}

const ts = { type: 'Date', columnType: 'timestamptz' } as const;
const tsNull = { ...ts, nullable: true } as const;

export const JobSchema = new EntitySchema<Job>({
  class: Job,
  tableName: 'job',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { type: 'string' },
    instanceId: { type: 'uuid', nullable: true },
    definitionId: { type: 'uuid', nullable: true },
    kind: { type: 'string' },
    elementId: { type: 'string' },
    executionId: { type: 'string' },
    dueAt: ts,
    lockedBy: { type: 'string', nullable: true },
    lockedUntil: tsNull,
    retries: { type: 'integer' },
    attempts: { type: 'integer' },
    lastError: { type: 'text', nullable: true },
    payload: { type: 'json', nullable: true },
    createdAt: ts,
  },
});

export const IncidentSchema = new EntitySchema<Incident>({
  class: Incident,
  tableName: 'incident',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { type: 'string' },
    instanceId: { type: 'uuid' },
    kind: { type: 'string' },
    jobId: { type: 'uuid', nullable: true },
    externalTaskId: { type: 'uuid', nullable: true },
    elementId: { type: 'string', nullable: true },
    message: { type: 'text' },
    status: { type: 'string' },
    createdAt: ts,
    resolvedAt: tsNull,
    resolvedBy: { type: 'string', nullable: true },
  },
});
