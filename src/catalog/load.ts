import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import { signatureOf } from '../algorithm/signature.js';
import { createCatalog } from './catalog.js';
import type { Catalog } from './catalog.js';
import { demoCatalogData } from './demo.js';
import { loadOrGenerateDemo } from './demo-cache.js';

type CatalogLoader = (conf: CatalogConf, logger: Logger) => Promise<Catalog>;

/** Catalog sources by `CatalogConf.Source`. */
const LOADERS: Record<CatalogConf['Source'], CatalogLoader> = {
  demo: async (conf, logger) => {
    const d = conf.Demo;
    const params = { items: d.Items, users: d.Users, dim: d.Dim, clusters: d.Clusters, categories: d.Categories, seed: d.Seed };
    const started = Date.now();
    const { columns, cached } = await loadOrGenerateDemo(cacheRoot(conf), params, logger, (done, total, phase) =>
      logger.info({ phase, done, total }, 'generating demo catalog'),
    );
    logger.info({ items: d.Items, users: d.Users, cached, ms: Date.now() - started }, 'demo catalog ready');
    return createCatalog(demoCatalogData(columns), catalogSignature(conf));
  },
};

export function cacheRoot(conf: CatalogConf): string | undefined {
  return conf.CacheDir === '' ? undefined : conf.CacheDir;
}

/**
 * What the catalog holds, from the parameters that decide its content only: CacheDir
 * says where files live, not what they hold, so moving the cache (or a reload that only
 * changes CacheDir) rebuilds nothing, and cached indexes keyed on it stay valid.
 */
export function catalogSignature(conf: CatalogConf | undefined): string {
  if (conf === undefined) return '';
  return signatureOf({ ...conf, CacheDir: undefined }); // stableStringify drops undefined keys
}

export function loadCatalog(conf: CatalogConf, logger: Logger): Promise<Catalog> {
  return LOADERS[conf.Source](conf, logger);
}
