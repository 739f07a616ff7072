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

/**
 * The row for `content` under `key` (rows found by `where`): the latest one
 * when its content is the same (`created: false`), else a new one made by
 * `build` with the next version and the content hash (`created: true`; the
 * caller persists it).
 */
export async function versionedRow<T extends VersionedRow>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  key: string,
  content: string,
  build: (next: { version: number; sourceHash: string }) => T,
): Promise<{ row: T; created: boolean }> {
  const sourceHash = createHash('sha256').update(key).update('\0').update(content).digest('hex');
  const latest = (await em.findOne(entity, where, { orderBy: { version: 'desc' } as never })) as T | null;
  if (latest && latest.sourceHash === sourceHash) return { row: latest, created: false };
  return { row: build({ version: (latest?.version ?? 0) + 1, sourceHash }), created: true };
}
