import type { Config } from '../config/schema.js';
import { PairecError } from '../errors.js';
import { formatOf } from './file-kind.js';

/**
 * Config-load checks of a file catalog: Source "file" names its Items, and every file has
 * an extension a reader exists for. (Whether the file exists and its rows are good is
 * known only when it is read, at the catalog load of the same apply.)
 */
export function checkCatalogFiles(config: Config, problems: PairecError[]): void {
  const conf = config.CatalogConf;
  if (!conf) return;
  if (conf.Source === 'file' && !conf.Items) {
    problems.push(new PairecError('ERR_CONFIG_INVALID', '$.CatalogConf.Items: Source "file" needs Items {Path, IdField, EmbeddingField}', { path: '$.CatalogConf.Items' }));
  }
  if (conf.Source !== 'file') return;
  for (const side of ['Items', 'Users'] as const) {
    const path = conf[side]?.Path;
    if (path === undefined) continue;
    try {
      formatOf(path);
    } catch (err) {
      problems.push(new PairecError('ERR_CONFIG_INVALID', `$.CatalogConf.${side}.Path: ${(err as Error).message}`, { path: `$.CatalogConf.${side}.Path` }));
    }
  }
}
