/** Saved column mappings, per comune and name (table siuss_import_mapping). */
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import type { ImportMapping } from './mapping.js';

export interface SavedMapping {
  name: string;
  tenant: string;
  mapping: ImportMapping;
  updatedAt: string;
  updatedBy: string | null;
}

interface Row {
  tenant: string;
  name: string;
  mapping: ImportMapping;
  updated_at: Date | string;
  updated_by: string | null;
}

export class MappingStore {
  constructor(
    private readonly orm: Orm,
    private readonly clock: Clock,
  ) {}

  async get(tenant: string, name: string): Promise<SavedMapping> {
    const rows = (await this.orm.em.fork().getConnection().execute('select * from siuss_import_mapping where tenant = ? and name = ?', [tenant, name])) as Row[];
    if (!rows[0]) throw new NotFoundError('Mappatura', name, 'MAPPING_NOT_FOUND', 'f');
    return view(rows[0]);
  }

  /** Creates or replaces the comune's mapping; `created` tells which. */
  async put(tenant: string, name: string, mapping: ImportMapping, user: string | null): Promise<{ saved: SavedMapping; created: boolean }> {
    const rows = (await this.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into siuss_import_mapping (tenant, name, mapping, updated_at, updated_by) values (?, ?, ?, ?, ?)
         on conflict (tenant, name) do update set mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         returning *, (xmax = 0) as created`,
        [tenant, name, JSON.stringify(mapping), this.clock.now(), user],
      )) as Array<Row & { created: boolean }>;
    return { saved: view(rows[0]!), created: rows[0]!.created };
  }
}

function view(r: Row): SavedMapping {
  return { name: r.name, tenant: r.tenant, mapping: r.mapping, updatedAt: new Date(r.updated_at).toISOString(), updatedBy: r.updated_by };
}
