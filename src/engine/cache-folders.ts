import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

/** The key of the catalog's own folder among the algorithms' (an algorithm name has no space). */
export const CATALOG_FOLDER = 'catalog embeddings';

/**
 * The cache folders of a new snapshot, by algorithm (and the catalog's, CATALOG_FOLDER): those its builds just reported, and
 * for algorithms kept from the previous snapshot (not rebuilt), the folder they had.
 */
export function keptFolders(
  config: Config,
  previous: ReadonlyMap<string, string> | undefined,
  built: ReadonlyMap<string, string>,
): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const catalog = built.get(CATALOG_FOLDER);
  if (catalog !== undefined) out.set(CATALOG_FOLDER, catalog);
  for (const { Name } of config.AlgoConfs) {
    const folder = built.get(Name) ?? previous?.get(Name);
    if (folder !== undefined) out.set(Name, folder);
  }
  return out;
}

/**
 * Removes the folders the previous snapshot used and the new one does not (an index of
 * the catalog's last version). Its algorithms keep serving in-flight requests from
 * memory, never from these files; a sibling process removing the same folder is harmless.
 */
export async function removeUnusedFolders(previous: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>, logger: Logger): Promise<void> {
  const inUse = new Set(current.values());
  for (const folder of new Set(previous.values())) {
    if (inUse.has(folder)) continue;
    try {
      await rm(folder, { recursive: true, force: true });
      logger.info({ folder }, 'removed the cache folder of a replaced catalog version');
    } catch (err) {
      logger.warn({ folder, err }, 'could not remove an unused cache folder');
    }
  }
}
