import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import { signatureOf } from '../algorithm/signature.js';
import { createCatalog, createCatalogInSlices } from './catalog.js';
import type { Catalog } from './catalog.js';
import { demoCatalogData } from './demo.js';
import { loadOrGenerateDemo } from './demo-cache.js';
import { fileIdentity } from './file-identity.js';
import { catalogDataInSlices } from './file-source.js';
import { readFileCatalogAside } from './read-aside.js';

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
  file: async (conf, logger) => {
    // Signed before reading: a file replaced while it loads gives a signature that no
    // longer matches at the next check, so it is read again rather than kept as current.
    const signature = catalogSignature(conf);
    return createCatalogInSlices(await catalogDataInSlices(await readFileCatalogAside(conf, logger)), signature);
  },
};

export function cacheRoot(conf: CatalogConf): string | undefined {
  return conf.CacheDir === '' ? undefined : conf.CacheDir;
}

/**
 * What the catalog holds, from the parameters that decide its content only: CacheDir
 * says where files live, not what they hold (nor does RefreshSeconds), so moving the cache (or a reload that only
 * changes CacheDir) rebuilds nothing, and cached indexes keyed on it stay valid.
 */
export function catalogSignature(conf: CatalogConf | undefined): string {
  if (conf === undefined) return '';
  if (conf.Source === 'file') {
    // A file's content identity (size, mtime, inode) is part of what the catalog holds:
    // indexes cached under this signature are never met by a changed file.
    const files = [conf.Items?.Path, conf.Users?.Path].map((p) => (p === undefined ? null : fileIdentity(p)));
    return signatureOf({ Source: 'file', Items: conf.Items, Users: conf.Users, MaxBadRows: conf.MaxBadRows ?? 0, files });
  }
  return signatureOf({ ...conf, CacheDir: undefined, RefreshSeconds: undefined, Items: undefined, Users: undefined, MaxBadRows: undefined }); // stableStringify drops undefined keys
}

export function loadCatalog(conf: CatalogConf, logger: Logger): Promise<Catalog> {
  return LOADERS[conf.Source](conf, logger);
}
