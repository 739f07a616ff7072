/**
 * The start-up check of the parameter files: shipped defaults and comuni's
 * files against their JSON Schemas (a broken file is a configuration error
 * and stops the start). Skipped when the files are byte for byte those of the
 * last start that found them valid (table startup_layer, layer `#params`):
 * compiling the schemas was the largest part of a restart's CPU after loading
 * the modules.
 */
import type { Orm } from '../../db/orm.js';
import { APP_VERSION } from '../../shared/project-root.js';
import type { ParameterCatalog } from './catalog.js';
import type { ParameterService } from './parameter.service.js';

const LAYER = '#params';

/** The problems found (empty: valid, or unchanged since they were found valid). */
export async function verifyParameterFiles(orm: Orm, catalog: ParameterCatalog, parameters: ParameterService, now: Date): Promise<string[]> {
  const digest = catalog.digest(APP_VERSION);
  const conn = orm.em.fork().getConnection();
  const [last] = (await conn.execute('select digest from startup_layer where layer = ?', [LAYER])) as Array<{ digest: string }>;
  if (last?.digest === digest) return [];
  const problems = parameters.verifyFiles();
  if (!problems.length) {
    await conn.execute(
      'insert into startup_layer (layer, digest, deployments, recorded_at) values (?, ?, 0, ?) on conflict (layer) do update set digest = excluded.digest, recorded_at = excluded.recorded_at',
      [LAYER, digest, now],
    );
  }
  return problems;
}
