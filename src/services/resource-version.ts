/**
 * Versioning of deployed resources (process models, forms, decisions): a
 * resource is identified by its key and comune; redeploying the same content
 * is not a new version, anything else is the latest version + 1.
 *
 * Files read at start-up (origin `file`) never go on top of a version deployed
 * through the API or Camunda Modeler: the latest version then stays, and the
 * answer says it was skipped. A file is deployed again only when its content
 * differs from the latest version, which is then itself a file's.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';
import type { ResourceOrigin } from '../db/entities/origin.js';

export type { ResourceOrigin };

export interface VersionedRow {
  version: number;
  sourceHash: string;
  origin: ResourceOrigin;
  fileHash: string | null;
}

export interface VersionedOutcome<T> {
  row: T;
  created: boolean;
  /** Set when a file was not deployed because `row`, the latest version, came from the API or Modeler. */
  skipped?: { origin: ResourceOrigin };
}

/**
 * The row for `content` under `key` (rows found by `where`): the latest one
 * when its content is the same (`created: false`) or when a file meets a newer
 * API/Modeler version (`skipped`), else a new one made by `build` with the
 * next version, the content hash, the origin and the file's hash
 * (`created: true`; the caller persists it).
 */
export async function versionedRow<T extends VersionedRow>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  key: string,
  content: string,
  origin: ResourceOrigin,
  build: (next: VersionedRow) => T,
): Promise<VersionedOutcome<T>> {
  const sourceHash = createHash('sha256').update(key).update('\0').update(content).digest('hex');
  const latest = (await em.findOne(entity, where, { orderBy: { version: 'desc' } as never })) as T | null;
  if (latest && latest.sourceHash === sourceHash) return { row: latest, created: false };
  if (latest && origin === 'file' && latest.origin !== 'file') return { row: latest, created: false, skipped: { origin: latest.origin } };
  const fileHash = createHash('sha256').update(content).digest('hex');
  return { row: build({ version: (latest?.version ?? 0) + 1, sourceHash, origin, fileHash }), created: true };
}

/** A file read at start-up that was not deployed (see versionedRow). */
export interface SkippedResource {
  kind: 'process' | 'form' | 'decision';
  key: string;
  tenant: string | null;
  resourceName: string;
  /** The latest version, which stays the one in use. */
  latest: { version: number; origin: ResourceOrigin };
}

/** The origin of a deployment's versions, from the deployment's source. */
export function originOf(source: 'api' | 'startup' | 'modeler'): ResourceOrigin {
  return source === 'startup' ? 'file' : source;
}
