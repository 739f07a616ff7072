/**
 * Deploys BPMN files: validates and compiles them all first (nothing is stored
 * if any file is refused), then stores a new version of each process whose
 * source changed, for a comune or for the shared default (tenant null).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../shared/clock.js';
import { ValidationError, type Problem } from '../shared/errors.js';
import { compileBpmn } from '../engine/definitions/compile.js';
import type { CompiledProcess } from '../engine/definitions/model.js';
import { Deployment, ProcessDefinition, Tenant } from '../db/entities/index.js';
import { mapConcurrencyError } from '../db/engine-store.js';

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
  createdAt: Date;
}

export interface DeployResult {
  deploymentId: string | null;
  definitions: Array<DefinitionView & { created: boolean }>;
  warnings: Problem[];
}

const BPMN_FILE = /\.(bpmn|bpmn2|bpmn20\.xml)$/i;

export class DeploymentService {
  constructor(
    private readonly em: EntityManager,
    private readonly opts: { handlerNames: ReadonlySet<string>; clock: Clock; maxBytes: number },
  ) {}

  async deploy(req: DeployRequest): Promise<DeployResult> {
    if (!req.files.length) throw new ValidationError('La deployment non contiene file', { errors: [{ message: 'Nessun file' }] }, 'DEPLOYMENT_EMPTY');
    const errors: Problem[] = [];
    const warnings: Problem[] = [];
    const compiled: Array<{ file: DeployFile; process: CompiledProcess }> = [];
    for (const file of req.files) {
      if (!BPMN_FILE.test(file.name)) {
        warnings.push({ file: file.name, rule: 'file-type', message: 'File ignorato: sono accettati solo modelli BPMN (.bpmn)' });
        continue;
      }
      const result = await compileBpmn(file.content, { handlerNames: this.opts.handlerNames, maxBytes: this.opts.maxBytes });
      errors.push(...result.errors.map((e) => ({ ...e, file: file.name })));
      warnings.push(...result.warnings.map((w) => ({ ...w, file: file.name })));
      for (const process of result.processes) compiled.push({ file, process });
    }
    const keys = compiled.map((c) => c.process.key);
    for (const dup of keys.filter((k, i) => keys.indexOf(k) !== i)) errors.push({ rule: 'duplicate-key', message: `Il processo "${dup}" compare in più file della stessa deployment` });
    if (!compiled.length && !errors.length) errors.push({ rule: 'no-bpmn', message: 'Nessun modello BPMN eseguibile nella deployment' });
    if (errors.length) throw new ValidationError('Deployment rifiutata: il modello non è valido', { errors, warnings }, 'DEPLOYMENT_INVALID');

    try {
      return await this.em.fork().transactional(async (em) => {
        if (req.tenant && !(await em.findOne(Tenant, { code: req.tenant }))) {
          throw new ValidationError(`Comune ${req.tenant} inesistente`, { field: 'tenant' }, 'UNKNOWN_TENANT');
        }
        const now = this.opts.clock.now();
        const deployment = Object.assign(new Deployment(), { id: randomUUID(), name: req.name, tenant: req.tenant, source: req.source, createdBy: req.createdBy, createdAt: now });
        const out: DeployResult['definitions'] = [];
        const fresh: ProcessDefinition[] = [];
        for (const { file, process } of compiled) {
          const hash = createHash('sha256').update(process.key).update('\0').update(file.content).digest('hex');
          const latest = await em.findOne(ProcessDefinition, { key: process.key, tenant: req.tenant }, { orderBy: { version: 'desc' } });
          if (latest && latest.sourceHash === hash) {
            out.push({ ...definitionView(latest), created: false });
            continue;
          }
          const def = Object.assign(new ProcessDefinition(), {
            id: randomUUID(),
            key: process.key,
            version: (latest?.version ?? 0) + 1,
            tenant: req.tenant,
            name: process.name ?? null,
            deploymentId: deployment.id,
            resourceName: file.name,
            sourceHash: hash,
            source: file.content,
            compiled: process.serializedContext,
            modelIndex: process.index,
            createdAt: now,
          });
          fresh.push(def);
          out.push({ ...definitionView(def), created: true });
        }
        if (fresh.length) {
          await em.persist(deployment).flush();
          em.persist(fresh);
        }
        return { deploymentId: fresh.length ? deployment.id : null, definitions: out, warnings };
      });
    } catch (err) {
      throw mapConcurrencyError(err);
    }
  }
}

export function definitionView(d: ProcessDefinition): DefinitionView {
  return { id: d.id, key: d.key, version: d.version, tenant: d.tenant, name: d.name, deploymentId: d.deploymentId, resourceName: d.resourceName, createdAt: d.createdAt };
}
