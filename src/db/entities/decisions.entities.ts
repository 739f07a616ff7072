/** Deployed DMN decisions: one row per decision and version, per comune (tenant null = shared default). */
import { EntitySchema } from '@mikro-orm/core';
import type { ResourceOrigin } from './origin.js';

export class DecisionDefinition {
  id!: string;
  /** The decision's id in the DMN file. */
  key!: string;
  version!: number;
  tenant: string | null = null;
  name: string | null = null;
  deploymentId!: string;
  resourceName!: string;
  sourceHash!: string;
  /** Where this version came from (file at start-up, REST API, Camunda Modeler). */
  origin: ResourceOrigin = 'api';
  /** SHA-256 of the deployed file's content. */
  fileHash: string | null = null;
  /** The whole DMN file, for versions deployed before decision_file (newer ones: null, see fileId). */
  xml: string | null = null;
  /** The DMN file (decision_file), stored once for all the decisions it holds. */
  fileId: string | null = null;
  createdAt: Date = new Date();
}

export const DecisionDefinitionSchema = new EntitySchema<DecisionDefinition>({
  class: DecisionDefinition,
  tableName: 'decision_definition',
  properties: {
    id: { type: 'uuid', primary: true },
    key: { type: 'string' },
    version: { type: 'integer' },
    tenant: { type: 'string', nullable: true },
    name: { type: 'string', nullable: true },
    deploymentId: { type: 'uuid' },
    resourceName: { type: 'string' },
    sourceHash: { type: 'string' },
    origin: { type: 'string' },
    fileHash: { type: 'string', nullable: true },
    xml: { type: 'text', lazy: true, nullable: true },
    fileId: { type: 'uuid', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
  },
});

/** A deployed DMN file, once per comune and content (its decisions' requirements graph). */
export class DecisionFile {
  id!: string;
  tenant: string | null = null;
  /** SHA-256 of the content. */
  fileHash!: string;
  xml!: string;
  createdAt: Date = new Date();
}

export const DecisionFileSchema = new EntitySchema<DecisionFile>({
  class: DecisionFile,
  tableName: 'decision_file',
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { type: 'string', nullable: true },
    fileHash: { type: 'string' },
    xml: { type: 'text', lazy: true },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
  },
});
