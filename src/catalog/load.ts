import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import { signatureOf } from '../algorithm/signature.js';
import { PairecError } from '../errors.js';
import { createCatalog, createCatalogInSlices } from './catalog.js';
import type { Catalog } from './catalog.js';
import { demoCatalogData } from './demo.js';
import { loadOrGenerateDemo } from './demo-cache.js';
import { fileIdentity } from './file-identity.js';
import { catalogDataOf } from './file-source.js';
import { readFileCatalogAside, readTableCatalogAside } from './read-aside.js';
import { shareEmbeddings } from './shared-embeddings.js';
import { tablesVersion } from './sql-source.js';
import { catalogTables, isTableSource } from './sql-tables.js';
import type { CatalogDatabases, CatalogTables } from './sql-tables.js';

/** What a table catalog's load needs beyond its CatalogConf. */
export interface CatalogLoadOptions {
  /** The config's HologresConfs and MysqlConfs (Source "hologres" | "mysql"). */
  readonly databases?: CatalogDatabases | undefined;
  /** The signature taken before the read (currentCatalogSignature); else taken now. */
  readonly signature?: string | undefined;
}

type CatalogLoader = (conf: CatalogConf, logger: Logger, opts: CatalogLoadOptions) => Promise<Catalog>;

const tableLoader: CatalogLoader = async (conf, logger, opts) => {
  const tables = catalogTables(conf, opts.databases);
  // Signed before reading, as a file is: rows changed during the read are read again at the next poll.
  const signature = opts.signature ?? tableSignature(tables, await tablesVersion(tables));
  return createCatalogInSlices(await shareEmbeddings(catalogDataOf(await readTableCatalogAside(tables, logger)), cacheRoot(conf), logger), signature);
};

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
    return createCatalogInSlices(await shareEmbeddings(catalogDataOf(await readFileCatalogAside(conf, logger)), cacheRoot(conf), logger), signature);
  },
  hologres: tableLoader,
  mysql: tableLoader,
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

/**
 * A table catalog's signature: 8 hex digits of what it reads (databases, tables, keys),
 * then 8 of the tables' version. The first half alone tells that a serving catalog reads
 * the same tables (sameTables), when the version cannot be read.
 */
export function tableSignature(tables: CatalogTables, version: string): string {
  return `${whatIsRead(tables)}${signatureOf(version).slice(0, 8)}`;
}

/** True when `signature` is of a catalog read from these tables (any version). */
export function sameTables(signature: string | undefined, tables: CatalogTables): boolean {
  return signature !== undefined && signature.startsWith(whatIsRead(tables));
}

/** What decides the content: not how long a connection may take to open. */
function whatIsRead(tables: CatalogTables): string {
  const strip = (t: CatalogTables['items'] | undefined): unknown => (t === undefined ? undefined : { ...t, connectTimeout: undefined });
  return signatureOf({ items: strip(tables.items), users: strip(tables.users), maxBadRows: tables.maxBadRows }).slice(0, 8);
}

/**
 * The signature of what the catalog's source holds now: catalogSignature() for generated
 * and file catalogs; a table catalog's version is asked of its database (one short
 * query per table), and fails with ERR_BACKEND_UNAVAILABLE when it cannot be reached.
 */
export async function currentCatalogSignature(conf: CatalogConf, databases: CatalogDatabases | undefined): Promise<string> {
  if (!isTableSource(conf.Source)) return catalogSignature(conf);
  const tables = catalogTables(conf, databases);
  return tableSignature(tables, await tablesVersion(tables));
}

/**
 * The catalog signature a config's apply loads: a table catalog's asks its database for
 * the tables' version. Unreachable, the serving catalog of the same tables is kept (a
 * reload while the database is down still applies); with none, the apply fails with
 * the reason: a catalog is what every scene serves from, and there is none to serve.
 */
export async function signatureToApply(
  config: { CatalogConf?: CatalogConf | undefined } & CatalogDatabases,
  serving: string | undefined,
  logger: Logger,
): Promise<string> {
  const conf = config.CatalogConf;
  if (!conf) return '';
  try {
    return await currentCatalogSignature(conf, config);
  } catch (err) {
    if (!isTableSource(conf.Source) || !(err instanceof PairecError) || err.code !== 'ERR_BACKEND_UNAVAILABLE') throw err;
    if (sameTables(serving, catalogTables(conf, config))) {
      logger.warn({ err: err.message }, 'catalog database unreachable: the serving catalog is kept');
      return serving ?? '';
    }
    throw new PairecError(
      'ERR_BACKEND_UNAVAILABLE',
      `CatalogConf (Source "${conf.Source}"): cannot read the catalog's version, so there is no catalog to serve: ${err.message}`,
      { cause: err },
    );
  }
}

export function loadCatalog(conf: CatalogConf, logger: Logger, opts: CatalogLoadOptions = {}): Promise<Catalog> {
  return LOADERS[conf.Source](conf, logger, opts);
}
