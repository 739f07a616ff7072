/**
 * Deploys BPMN files and their task forms (`.form` files, form-js schemas, as
 * Camunda Modeler deploys them): validates and compiles them all first
 * (nothing is stored if any file is refused), then stores a new version of each
 * process and each form whose source changed, for a comune or for the shared
 * default (tenant null). Other files are ignored with a warning.
 *
 * The checks that depend on the target comune get a DeployContext, computed
 * before the transaction opens (PGlite has a single connection): the form ids
 * it can resolve (files, deployed forms, the forms of this deployment), its
 * candidate groups (its users' groups plus every process's params.gruppi;
 * undefined for the shared default) and its merged parameters by process key.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';
import { ValidationError, type Problem } from '../shared/errors.js';
import type { DeployContext } from '../engine/definitions/compile.js';
import { compileBpmnOffThread } from '../engine/definitions/compile-off-thread.js';
import type { CompiledProcess } from '../engine/definitions/model.js';
import { DecisionDefinition, DecisionFile, Deployment, FormDefinition, ProcessDefinition, Tenant, User } from '../db/entities/index.js';
import { mapConcurrencyError } from '../db/engine-store.js';
import { scheduleTimerStarts } from './timer-start.js';
import { originOf, versionedRow, type ResourceOrigin, type SkippedResource } from './resource-version.js';

export type { SkippedResource };
import type { FormService } from '../tailoring/forms/form.service.js';
import { formIdFromFileName, formVariables, parseFormSource, type FormSchema } from '../tailoring/forms/schema.js';
import type { ParameterCatalog } from '../tailoring/parameters/catalog.js';
import type { ParameterService } from '../tailoring/parameters/parameter.service.js';
import { DMN_FILE, decisionKeysOf, prepareDmnFiles, storeDecisions, visibleDecisionKeys, type DecisionView } from '../decisions/deploy.js';

export interface DeployFile {
  name: string;
  content: string;
}

export interface DeployRequest {
  name: string;
  tenant: string | null;
  files: DeployFile[];
  source: 'api' | 'startup' | 'modeler';
  createdBy: string | null;
}

export interface DefinitionView {
  id: string;
  key: string;
  version: number;
  tenant: string | null;
  name: string | null;
  deploymentId: string;
  resourceName: string;
  /** Where the version came from: file (processes/ at start-up), api or modeler. */
  origin: ResourceOrigin;
  createdAt: Date;
}

export interface FormView {
  id: string;
  formId: string;
  version: number;
  tenant: string | null;
  deploymentId: string;
  resourceName: string;
  origin: ResourceOrigin;
  createdAt: Date;
}

export interface DeployResult {
  deploymentId: string | null;
  definitions: Array<DefinitionView & { created: boolean }>;
  forms: Array<FormView & { created: boolean }>;
  /** DMN decisions of the deployment's .dmn files (src/decisions/deploy.ts). */
  decisions: Array<DecisionView & { created: boolean }>;
  warnings: Problem[];
  /** Files read at start-up that were not deployed: a newer version came through the API or Camunda Modeler. */
  skipped: SkippedResource[];
}

/** The outcome of a validation without deployment. */
export interface ValidationReport {
  valid: boolean;
  errors: Problem[];
  warnings: Problem[];
}

export interface DeploymentOptions {
  handlerNames: ReadonlySet<string>;
  /** Declared outputs of the handlers (HandlerRegistry.outputs()), for the deploy-time variable checks. */
  handlerOutputs?: ReadonlyMap<string, readonly string[]>;
  clock: Clock;
  maxBytes: number;
  /** Form resolution; without it `.form` files are ignored with a warning and no form ids are checked. */
  forms?: FormService;
  /** Parameters, for the comune's groups (params.gruppi) and the params of the DeployContext. */
  parameters?: { service: ParameterService; catalog: ParameterCatalog };
}

const BPMN_FILE = /\.(bpmn|bpmn2|bpmn20\.xml)$/i;
const FORM_FILE = /\.form$/i;

export class DeploymentService {
  constructor(
    private readonly em: EntityManager,
    private readonly opts: DeploymentOptions,
  ) {}

  /**
   * The deploy-time validation alone (same checks, same target comune), nothing stored:
   * what *Verifica* in the browser modeler and POST /deployments/validate report.
   */
  async validate(req: Omit<DeployRequest, 'source' | 'createdBy'>): Promise<ValidationReport> {
    const { errors, warnings } = await this.prepare(req);
    return { valid: errors.length === 0, errors, warnings };
  }

  async deploy(req: DeployRequest): Promise<DeployResult> {
    const { errors, warnings, compiled, forms, dmn } = await this.prepare(req);
    if (errors.length && errors.every((e) => e.file && DMN_FILE.test(e.file))) throw new ValidationError('Deployment rifiutata: la decisione DMN non è valida', { errors, warnings }, 'DECISION_INVALID');
    if (errors.length) throw new ValidationError('Deployment rifiutata: il modello non è valido', { errors, warnings }, 'DEPLOYMENT_INVALID');
    return this.store(req, compiled, forms, dmn, warnings);
  }

  /** Reads, validates and compiles every file of a deployment; stores nothing. */
  private async prepare(req: Omit<DeployRequest, 'source' | 'createdBy'>) {
    if (!req.files.length) throw new ValidationError('La deployment non contiene file', { errors: [{ message: 'Nessun file' }] }, 'DEPLOYMENT_EMPTY');
    if (req.tenant && !(await this.em.fork().findOne(Tenant, { code: req.tenant }))) {
      throw new ValidationError(`Comune ${req.tenant} inesistente`, { field: 'tenant' }, 'UNKNOWN_TENANT');
    }
    const errors: Problem[] = [];
    const warnings: Problem[] = [];
    const forms: Array<{ file: DeployFile; formId: string; schema: FormSchema }> = [];
    const models: DeployFile[] = [];
    const dmnFiles: DeployFile[] = [];
    for (const file of req.files) {
      if (BPMN_FILE.test(file.name)) {
        models.push(file);
      } else if (DMN_FILE.test(file.name)) {
        dmnFiles.push(file);
      } else if (FORM_FILE.test(file.name) && this.opts.forms) {
        const formId = formIdFromFileName(file.name);
        const parsed = formId ? parseFormSource(file.content) : { schema: null, problems: ['nome di file non valido: lettere, cifre, _ . - seguiti da .form'] };
        errors.push(...parsed.problems.map((message) => ({ file: file.name, rule: 'form-invalid', message: `Modulo non valido: ${message}` })));
        if (formId && parsed.schema) forms.push({ file, formId, schema: parsed.schema });
      } else {
        warnings.push({ file: file.name, rule: 'file-type', message: 'File ignorato: sono accettati solo modelli BPMN (.bpmn), decisioni DMN (.dmn) e moduli (.form)' });
      }
    }
    const formIds = forms.map((f) => f.formId);
    for (const dup of new Set(formIds.filter((k, i) => formIds.indexOf(k) !== i))) errors.push({ rule: 'duplicate-form', message: `Il modulo "${dup}" compare in più file della stessa deployment` });

    const dmn = await prepareDmnFiles(dmnFiles, this.opts.maxBytes);
    errors.push(...dmn.errors);
    warnings.push(...dmn.warnings);

    const compiled: Array<{ file: DeployFile; process: CompiledProcess }> = [];
    const context = models.length ? await this.deployContext(req.tenant, formIds, decisionKeysOf(dmn.prepared), forms) : undefined;
    for (const file of models) {
      const result = await compileBpmnOffThread(file.content, { handlerNames: this.opts.handlerNames, handlerOutputs: this.opts.handlerOutputs, maxBytes: this.opts.maxBytes, context });
      errors.push(...result.errors.map((e) => ({ ...e, file: file.name })));
      warnings.push(...result.warnings.map((w) => ({ ...w, file: file.name })));
      for (const process of result.processes) compiled.push({ file, process });
    }
    const keys = compiled.map((c) => c.process.key);
    for (const dup of keys.filter((k, i) => keys.indexOf(k) !== i)) errors.push({ rule: 'duplicate-key', message: `Il processo "${dup}" compare in più file della stessa deployment` });
    if (!compiled.length && !forms.length && !dmn.prepared.length && !errors.length) errors.push({ rule: 'no-bpmn', message: 'Nessun modello BPMN eseguibile nella deployment' });
    return { errors, warnings, compiled, forms, dmn };
  }

  private async store(
    req: DeployRequest,
    compiled: Array<{ file: DeployFile; process: CompiledProcess }>,
    forms: Array<{ file: DeployFile; formId: string; schema: FormSchema }>,
    dmn: Awaited<ReturnType<typeof prepareDmnFiles>>,
    warnings: Problem[],
  ): Promise<DeployResult> {
    try {
      return await this.em.fork().transactional(async (em) => {
        const now = this.opts.clock.now();
        const deployment = Object.assign(new Deployment(), { id: randomUUID(), name: req.name, tenant: req.tenant, source: req.source, createdBy: req.createdBy, createdAt: now });
        const origin = originOf(req.source);
        const out: DeployResult['definitions'] = [];
        const skipped: SkippedResource[] = [];
        const fresh: Array<ProcessDefinition | FormDefinition | DecisionDefinition | DecisionFile> = [];
        const decisions = await storeDecisions(em, dmn.prepared, { deploymentId: deployment.id, tenant: req.tenant, now, origin });
        fresh.push(...decisions.fresh);
        skipped.push(...decisions.skipped);
        for (const { file, process } of compiled) {
          const { row: def, created, skipped: skip } = await versionedRow(em, ProcessDefinition, { key: process.key, tenant: req.tenant }, process.key, file.content, origin, (v) =>
            Object.assign(new ProcessDefinition(), {
              id: randomUUID(),
              key: process.key,
              ...v,
              tenant: req.tenant,
              name: process.name ?? null,
              deploymentId: deployment.id,
              resourceName: file.name,
              source: file.content,
              compiled: process.serializedContext,
              modelIndex: process.index,
              createdAt: now,
            }),
          );
          if (skip) skipped.push({ kind: 'process', key: process.key, tenant: req.tenant, resourceName: file.name, latest: { version: def.version, origin: def.origin } });
          else if (created) fresh.push(def);
          if (!skip) out.push({ ...definitionView(def), created });
        }
        const formsOut: DeployResult['forms'] = [];
        for (const { file, formId, schema } of forms) {
          const { row: form, created, skipped: skip } = await versionedRow(em, FormDefinition, { formId, tenant: req.tenant }, formId, file.content, origin, (v) =>
            Object.assign(new FormDefinition(), {
              id: randomUUID(),
              formId,
              tenant: req.tenant,
              ...v,
              deploymentId: deployment.id,
              resourceName: file.name,
              formSchema: schema,
              createdAt: now,
            }),
          );
          if (skip) skipped.push({ kind: 'form', key: formId, tenant: req.tenant, resourceName: file.name, latest: { version: form.version, origin: form.origin } });
          else if (created) fresh.push(form);
          if (!skip) formsOut.push({ ...formView(form), created });
        }
        if (fresh.length) {
          await em.persist(deployment).flush();
          await em.persist(fresh).flush();
          for (const def of fresh) if (def instanceof ProcessDefinition) await scheduleTimerStarts(em, def, now);
        }
        return { deploymentId: fresh.length ? deployment.id : null, definitions: out, forms: formsOut, decisions: decisions.views, warnings, skipped };
      });
    } catch (err) {
      throw mapConcurrencyError(err);
    }
  }

  /**
   * What the target of a deployment offers, for the checks that depend on it.
   * Reads only (outside any transaction). `deployedFormIds`: the forms of the
   * deployment being made, visible to its models.
   */
  async deployContext(
    tenant: string | null,
    deployedFormIds: readonly string[] = [],
    deployedDecisionKeys: readonly string[] = [],
    deployedForms: ReadonlyArray<{ formId: string; schema: FormSchema }> = [],
  ): Promise<DeployContext> {
    const em = this.em.fork();
    const context: DeployContext = { tenant };
    context.decisionKeys = new Set([...(await visibleDecisionKeys(em, tenant)), ...deployedDecisionKeys]);
    if (this.opts.forms) {
      const forms = this.opts.forms;
      context.formIds = new Set([...(await forms.visibleIds(tenant, em)), ...deployedFormIds]);
      // The variables each visible form writes, so a variable set by a form is known (no warning listing every form).
      const formFields: Record<string, readonly string[]> = {};
      for (const f of deployedForms) formFields[f.formId] = formVariables(f.schema);
      for (const id of context.formIds) {
        if (formFields[id]) continue;
        const resolved = await forms.resolve(id, tenant, em);
        if (resolved) formFields[id] = formVariables(resolved.schema);
      }
      context.formVariables = formFields;
    }
    const params: Record<string, Record<string, unknown>> = {};
    if (this.opts.parameters) {
      const { service, catalog } = this.opts.parameters;
      for (const key of catalog.keys()) params[key] = tenant ? (await service.resolve(em, key, tenant)).values : catalog.get(key)!.defaults;
      context.params = params;
    }
    if (tenant) {
      const groups = new Set<string>();
      for (const user of await em.find(User, { tenant, active: true }, { fields: ['groups'] })) for (const g of user.groups) groups.add(g);
      for (const values of Object.values(params)) {
        const gruppi = values.gruppi;
        if (gruppi && typeof gruppi === 'object' && !Array.isArray(gruppi)) {
          for (const g of Object.values(gruppi)) if (typeof g === 'string' && g.trim()) groups.add(g.trim());
        }
      }
      context.groups = groups;
    }
    return context;
  }
}

export function formView(f: FormDefinition): FormView {
  return { id: f.id, formId: f.formId, version: f.version, tenant: f.tenant, deploymentId: f.deploymentId, resourceName: f.resourceName, origin: f.origin, createdAt: f.createdAt };
}

export function definitionView(d: ProcessDefinition): DefinitionView {
  return { id: d.id, key: d.key, version: d.version, tenant: d.tenant, name: d.name, deploymentId: d.deploymentId, resourceName: d.resourceName, origin: d.origin, createdAt: d.createdAt };
}
