/**
 * Persistent entities (MikroORM EntitySchema, no decorators). Every row that
 * belongs to a comune carries `tenant`; shared defaults have tenant null.
 * The tables themselves are created by the committed migrations.
 */
import { ArrayType, EntitySchema } from '@mikro-orm/core';
import type { ResourceOrigin } from './origin.js';

export class Tenant {
  code!: string;
  name!: string;
  /** Working-day calendar settings (see src/engine/calendar). */
  calendar: Record<string, unknown> = {};
  createdAt: Date = new Date();
}

export class User {
  id!: string;
  username!: string;
  passwordHash!: string;
  tenant: string | null = null;
  roles: string[] = [];
  groups: string[] = [];
  active = true;
  /** The person's codice fiscale: how a SPID/CIE (OpenID Connect) sign-in finds the user; null for service accounts. */
  codiceFiscale: string | null = null;
  createdAt: Date = new Date();
}

export class Deployment {
  id!: string;
  name!: string;
  tenant: string | null = null;
  source!: string;
  createdBy: string | null = null;
  createdAt: Date = new Date();
}

export class ProcessDefinition {
  id!: string;
  key!: string;
  version!: number;
  tenant: string | null = null;
  name: string | null = null;
  deploymentId!: string;
  resourceName!: string;
  sourceHash!: string;
  /** Where this version came from: a file of processes/ at start-up, the REST API or Camunda Modeler. */
  origin: ResourceOrigin = 'api';
  /** SHA-256 of the deployed file's content. */
  fileHash: string | null = null;
  source!: string;
  compiled!: string;
  modelIndex!: unknown;
  createdAt: Date = new Date();
}

export class ProcessInstance {
  id!: string;
  tenant!: string;
  definitionId!: string;
  definitionKey!: string;
  definitionVersion!: number;
  businessKey: string | null = null;
  status!: 'active' | 'completed' | 'cancelled';
  state: unknown = null;
  variables: Record<string, unknown> = {};
  params: Record<string, unknown> = {};
  activeElements: string[] = [];
  version = 1;
  startedBy: string | null = null;
  startedAt!: Date;
  updatedAt!: Date;
  endedAt: Date | null = null;
}

export class Task {
  id!: string;
  tenant!: string;
  instanceId!: string;
  definitionKey!: string;
  businessKey: string | null = null;
  elementId!: string;
  executionId!: string;
  name: string | null = null;
  assignee: string | null = null;
  candidateGroups: string[] = [];
  candidateUsers: string[] = [];
  formKey: string | null = null;
  priority = 50;
  dueAt: Date | null = null;
  followUpAt: Date | null = null;
  status!: 'open' | 'completed' | 'cancelled';
  createdAt!: Date;
  claimedAt: Date | null = null;
  endedAt: Date | null = null;
  completedBy: string | null = null;
  version = 1;
}

export class ExternalTask {
  id!: string;
  tenant!: string;
  instanceId!: string;
  definitionKey!: string;
  businessKey: string | null = null;
  elementId!: string;
  executionId!: string;
  topic!: string;
  status!: 'open' | 'completed' | 'cancelled';
  workerId: string | null = null;
  lockExpiresAt: Date | null = null;
  retries: number | null = null;
  errorMessage: string | null = null;
  errorDetails: string | null = null;
  retryAt: Date | null = null;
  priority = 0;
  createdAt!: Date;
  endedAt: Date | null = null;
}

export class EventSubscription {
  id!: string;
  tenant!: string;
  instanceId!: string;
  kind!: 'message';
  name!: string;
  elementId!: string;
  executionId!: string;
  businessKey: string | null = null;
  createdAt!: Date;
}

export class HistoryEvent {
  id?: string;
  tenant!: string;
  instanceId!: string;
  at!: Date;
  type!: string;
  elementId: string | null = null;
  elementType: string | null = null;
  elementName: string | null = null;
  taskId: string | null = null;
  userName: string | null = null;
  details: unknown = null;
}

export class ParameterSet {
  id!: string;
  tenant!: string;
  key!: string;
  version!: number;
  values!: Record<string, unknown>;
  comment: string | null = null;
  createdBy!: string;
  createdAt!: Date;
}

export class AppSetting {
  key!: string;
  value!: string;
}

const ts = { type: 'Date', columnType: 'timestamptz' } as const;
const tsNull = { ...ts, nullable: true } as const;
const str = { type: 'string' } as const;
const strNull = { type: 'string', nullable: true } as const;
const json = { type: 'json' } as const;
const textArray = { type: ArrayType } as const;

export const TenantSchema = new EntitySchema<Tenant>({
  class: Tenant,
  tableName: 'tenant',
  properties: { code: { ...str, primary: true }, name: str, calendar: json, createdAt: ts },
});

export const UserSchema = new EntitySchema<User>({
  class: User,
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true },
    username: str,
    passwordHash: str,
    tenant: strNull,
    roles: textArray,
    groups: textArray,
    active: { type: 'boolean' },
    codiceFiscale: strNull,
    createdAt: ts,
  },
});

export const DeploymentSchema = new EntitySchema<Deployment>({
  class: Deployment,
  tableName: 'deployment',
  properties: { id: { type: 'uuid', primary: true }, name: str, tenant: strNull, source: str, createdBy: strNull, createdAt: ts },
});

export const ProcessDefinitionSchema = new EntitySchema<ProcessDefinition>({
  class: ProcessDefinition,
  tableName: 'process_definition',
  properties: {
    id: { type: 'uuid', primary: true },
    key: str,
    version: { type: 'integer' },
    tenant: strNull,
    name: strNull,
    deploymentId: { type: 'uuid' },
    resourceName: str,
    sourceHash: str,
    origin: str,
    fileHash: strNull,
    source: { type: 'text', lazy: true },
    compiled: { type: 'text', lazy: true },
    modelIndex: json,
    createdAt: ts,
  },
});

export const ProcessInstanceSchema = new EntitySchema<ProcessInstance>({
  class: ProcessInstance,
  tableName: 'process_instance',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    definitionId: { type: 'uuid' },
    definitionKey: str,
    definitionVersion: { type: 'integer' },
    businessKey: strNull,
    status: str,
    // `json`, not `jsonb`: nothing queries inside the engine state; its text is stored and read back as is.
    state: { ...json, columnType: 'json', nullable: true, lazy: true },
    variables: json,
    params: json,
    activeElements: textArray,
    version: { type: 'integer', version: true },
    startedBy: strNull,
    startedAt: ts,
    updatedAt: ts,
    endedAt: tsNull,
  },
});

export const TaskSchema = new EntitySchema<Task>({
  class: Task,
  tableName: 'task',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    instanceId: { type: 'uuid' },
    definitionKey: str,
    businessKey: strNull,
    elementId: str,
    executionId: str,
    name: strNull,
    assignee: strNull,
    candidateGroups: textArray,
    candidateUsers: textArray,
    formKey: strNull,
    priority: { type: 'integer' },
    dueAt: tsNull,
    followUpAt: tsNull,
    status: str,
    createdAt: ts,
    claimedAt: tsNull,
    endedAt: tsNull,
    completedBy: strNull,
    version: { type: 'integer', version: true },
  },
});

export const ExternalTaskSchema = new EntitySchema<ExternalTask>({
  class: ExternalTask,
  tableName: 'external_task',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    instanceId: { type: 'uuid' },
    definitionKey: str,
    businessKey: strNull,
    elementId: str,
    executionId: str,
    topic: str,
    status: str,
    workerId: strNull,
    lockExpiresAt: tsNull,
    retries: { type: 'integer', nullable: true },
    errorMessage: { type: 'text', nullable: true },
    errorDetails: { type: 'text', nullable: true },
    retryAt: tsNull,
    priority: { type: 'integer' },
    createdAt: ts,
    endedAt: tsNull,
  },
});

export const EventSubscriptionSchema = new EntitySchema<EventSubscription>({
  class: EventSubscription,
  tableName: 'event_subscription',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    instanceId: { type: 'uuid' },
    kind: str,
    name: str,
    elementId: str,
    executionId: str,
    businessKey: strNull,
    createdAt: ts,
  },
});

export const HistoryEventSchema = new EntitySchema<HistoryEvent>({
  class: HistoryEvent,
  tableName: 'history_event',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    tenant: str,
    instanceId: { type: 'uuid' },
    at: ts,
    type: str,
    elementId: strNull,
    elementType: strNull,
    elementName: strNull,
    taskId: { type: 'uuid', nullable: true },
    userName: strNull,
    details: { ...json, nullable: true },
  },
});

export const ParameterSetSchema = new EntitySchema<ParameterSet>({
  class: ParameterSet,
  tableName: 'parameter_set',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: str,
    key: str,
    version: { type: 'integer' },
    values: json,
    comment: { type: 'text', nullable: true },
    createdBy: str,
    createdAt: ts,
  },
});

export const AppSettingSchema = new EntitySchema<AppSetting>({
  class: AppSetting,
  tableName: 'app_setting',
  properties: { key: { ...str, primary: true }, value: { type: 'text' } },
});

/** A task form (form-js schema) deployed with a BPMN: versioned per form id and comune (null = shared default). */
export class FormDefinition {
  id!: string;
  formId!: string;
  tenant: string | null = null;
  version!: number;
  deploymentId!: string;
  resourceName!: string;
  sourceHash!: string;
  origin: ResourceOrigin = 'api';
  fileHash: string | null = null;
  formSchema!: Record<string, unknown>;
  createdAt: Date = new Date();
}

export const FormDefinitionSchema = new EntitySchema<FormDefinition>({
  class: FormDefinition,
  tableName: 'form_definition',
  properties: {
    id: { type: 'uuid', primary: true },
    formId: str,
    tenant: strNull,
    version: { type: 'integer' },
    deploymentId: { type: 'uuid' },
    resourceName: str,
    sourceHash: str,
    origin: str,
    fileHash: strNull,
    formSchema: { ...json, fieldName: 'schema' },
    createdAt: ts,
  },
});

export { Job, Incident } from './time.entities.js';
import { JobSchema, IncidentSchema } from './time.entities.js';
export { CaseDocument, TenantOffice } from './document.entities.js';
import { CaseDocumentSchema, TenantOfficeSchema } from './document.entities.js';
export { DecisionDefinition, DecisionFile } from './decisions.entities.js';
import { DecisionDefinitionSchema, DecisionFileSchema } from './decisions.entities.js';
import { subjectEntities } from './subjects.entities.js';

export const allEntities = [
  JobSchema,
  IncidentSchema,
  TenantSchema,
  UserSchema,
  DeploymentSchema,
  ProcessDefinitionSchema,
  ProcessInstanceSchema,
  TaskSchema,
  ExternalTaskSchema,
  EventSubscriptionSchema,
  HistoryEventSchema,
  AppSettingSchema,
  ParameterSetSchema,
  FormDefinitionSchema,
  CaseDocumentSchema,
  TenantOfficeSchema,
  DecisionDefinitionSchema,
  DecisionFileSchema,
  ...subjectEntities,
];
