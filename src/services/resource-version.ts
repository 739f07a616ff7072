/**
 * Versioning of deployed resources (process models, forms, decisions): a
 * resource is identified by its key and comune; redeploying the same content
 * is not a new version, anything else is the latest version + 1.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';

export interface VersionedRow {
  version: number;
  sourceHash: string;
}

export type NextVersion<T> = { unchanged: T; hash: string } | { unchanged: null; hash: string; version: number };

/** The latest row for `where` when `content` under `key` is unchanged, else the hash and number of the new version. */
export async function nextVersion<T extends VersionedRow>(em: EntityManager, entity: EntityName<T>, where: FilterQuery<T>, key: string, content: string): Promise<NextVersion<T>> {
  const hash = createHash('sha256').update(key).update('\0').update(content).digest('hex');
  const latest = (await em.findOne(entity, where, { orderBy: { version: 'desc' } as never })) as T | null;
  if (latest && latest.sourceHash === hash) return { unchanged: latest, hash };
  return { unchanged: null, hash, version: (latest?.version ?? 0) + 1 };
}
