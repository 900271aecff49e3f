/**
 * CatalogConf.Source "file": items (and optionally users) from JSON Lines, CSV or Parquet
 * files, by extension. Ids are strings; the embedding field fills the embedding matrix;
 * every other field becomes a typed item column (typed-columns.ts) that conditions,
 * sorts, RankScore, LOOKUP and model features name like the demo's `category`.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CatalogConf, FileSideConf } from '../config/schema.js';
import { PairecError } from '../errors.js';
import type { CatalogData } from './catalog.js';
import { ColumnsBuilder } from './file-columns.js';
import type { SideColumns } from './file-columns.js';
import { readInto } from './file-formats.js';
import { formatOf } from './file-kind.js';
import type { FieldColumn } from './typed-columns.js';

/** A file side's Path (the config check makes Source "file" name one). */
export function sidePath(side: FileSideConf): string {
  if (side.Path === undefined)
    throw new PairecError('ERR_CONFIG_INVALID', 'CatalogConf: Source "file" needs Items.Path (and Users.Path)', { path: '$.CatalogConf.Items.Path' });
  return side.Path;
}

export async function readSide(side: FileSideConf, maxBadRows: number, dim: number | undefined): Promise<SideColumns> {
  const path = sidePath(side);
  const format = formatOf(path);
  await stat(path).catch((err: unknown) => {
    throw new PairecError('ERR_DATA_INVALID', `${path}: cannot read the catalog file: ${(err as Error).message}`, { cause: err });
  });
  const builder = new ColumnsBuilder({
    file: path,
    idField: side.IdField,
    embeddingField: side.EmbeddingField,
    textual: format === 'csv',
    maxBadRows,
    dim,
  });
  await readInto(path, format, builder);
  return builder.finish();
}

/** A file catalog as read: columns and typed arrays only, so it crosses threads by transfer. */
export interface FileCatalogColumns {
  readonly dim: number;
  readonly itemIds: string[];
  readonly itemEmbeddings: Float32Array;
  readonly itemColumns: ReadonlyMap<string, FieldColumn>;
  readonly userIds: string[];
  readonly userEmbeddings: Float32Array;
}

/** Reads and checks the files of a `Source: "file"` catalog (on a worker thread: catalog/read-aside.ts). */
export async function readFileCatalog(conf: CatalogConf, logger: Logger): Promise<FileCatalogColumns> {
  const items = conf.Items;
  if (!items)
    throw new PairecError('ERR_CONFIG_INVALID', 'CatalogConf.Items: Source "file" needs Items {Path, IdField, EmbeddingField}', { path: 'CatalogConf.Items' });
  const started = Date.now();
  const itemSide = await readSide(items, conf.MaxBadRows ?? 0, undefined);
  const userSide = conf.Users ? await readSide(conf.Users, conf.MaxBadRows ?? 0, itemSide.dim) : undefined;
  return catalogColumnsOf(
    { name: sidePath(items), side: itemSide, embeddingField: items.EmbeddingField },
    conf.Users && userSide ? { name: sidePath(conf.Users), side: userSide } : undefined,
    { logger, what: 'file catalog loaded', started },
  );
}

/**
 * The catalog columns of read sides (files or tables): the item side must not hold a
 * field named `embedding`, skipped rows are logged, the load is logged once.
 */
export function catalogColumnsOf(
  items: { name: string; side: SideColumns; embeddingField: string },
  users: { name: string; side: SideColumns } | undefined,
  log: { logger: Logger; what: string; started: number },
): FileCatalogColumns {
  const itemSide = items.side;
  // Models read an item's vector as `embedding`: a field of that name would be hidden by it.
  if (itemSide.fields.has('embedding')) {
    throw new PairecError(
      'ERR_DATA_INVALID',
      `${items.name}: field "embedding" is not the EmbeddingField ("${items.embeddingField}"): models read the item vector under that name; rename the column`,
      { path: 'embedding' },
    );
  }
  logSkipped(log.logger, items.name, itemSide);
  if (users) logSkipped(log.logger, users.name, users.side);
  log.logger.info(
    { items: itemSide.ids.length, users: users?.side.ids.length ?? 0, dim: itemSide.dim, fields: [...itemSide.fields.keys()], ms: Date.now() - log.started },
    log.what,
  );
  return {
    dim: itemSide.dim,
    itemIds: itemSide.ids,
    itemEmbeddings: itemSide.embeddings,
    itemColumns: itemSide.fields,
    userIds: users?.side.ids ?? [],
    userEmbeddings: users?.side.embeddings ?? new Float32Array(0),
  };
}

/** The catalog data of read columns: the fields stay typed columns, read by row through Catalog.itemField. */
export function catalogDataOf(read: FileCatalogColumns): CatalogData {
  return { ...read };
}

/** Reads a file catalog on the calling thread. */
export async function loadFileCatalog(conf: CatalogConf, logger: Logger): Promise<CatalogData> {
  return catalogDataOf(await readFileCatalog(conf, logger));
}

function logSkipped(logger: Logger, path: string, side: SideColumns): void {
  if (side.skipped > 0) logger.warn({ file: path, skipped: side.skipped, first: side.skippedReasons }, 'catalog rows skipped (CatalogConf.MaxBadRows)');
}
