import { join } from 'node:path';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import { checkFolder, FolderWriter } from '../cache/cache-folder.js';
import { removeStaleTemps } from '../cache/temp-folders.js';
import { buildHnswlib, readHnswlib } from './hnswlib-index.js';
import { buildIvf, readIvf } from './ivf-index.js';
import { nonFiniteRow } from './finite.js';

export type { IndexHits, IndexKind, IndexSpec, Space, VectorIndex } from './index-types.js';
import type { IndexKind, IndexSpec, VectorIndex } from './index-types.js';

/** How one kind builds an index and reads its cached file (undefined: the file does not fit). */
interface IndexKindDef {
  build(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex>;
  read(file: string, spec: IndexSpec, vectors: Float32Array, dim: number): Promise<VectorIndex | undefined>;
}

const KINDS: Record<IndexKind, IndexKindDef> = {
  hnsw: { build: buildHnswlib, read: readHnswlib },
  flat: { build: buildHnswlib, read: readHnswlib },
  ivf: { build: buildIvf, read: readIvf },
};

export const INDEX_KINDS = Object.keys(KINDS) as readonly IndexKind[];

/** The file inside an index cache folder. */
export const INDEX_FILE = 'index.bin';

export function buildIndex(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  // NaN or ±Infinity reaching a native library gives a graph that answers garbage, or nothing.
  const bad = nonFiniteRow(vectors, dim);
  if (bad) return Promise.reject(new PairecError('ERR_DATA_INVALID', `the vectors to index: ${bad}`));
  return KINDS[spec.kind].build(spec, vectors, dim, logger, signal);
}

/**
 * The cache folder of an index: `key` says what it was built from (the catalog's
 * content and the spec, never where the cache lives), so a moved cache still hits.
 */
export function indexCacheDir(cache: { dir: string; key: string }, kind: IndexKind): string {
  return join(cache.dir, `index-${kind}-${cache.key}`);
}

type Loaded = { index: VectorIndex } | { missing: true } | { file: string; reason: string };

/** Checks the folder's checksums before the native reader sees a byte of it (hnswlib trusts its file: a damaged one segfaults at search). */
async function readCached(dir: string, key: string, spec: IndexSpec, vectors: Float32Array, dim: number): Promise<Loaded> {
  const check = await checkFolder(dir, key, [INDEX_FILE]);
  if (check.status === 'missing') return { missing: true };
  if (check.status === 'corrupt') return check;
  const file = join(dir, INDEX_FILE);
  try {
    const index = await KINDS[spec.kind].read(file, spec, vectors, dim);
    return index ? { index } : { file, reason: 'built over other rows' };
  } catch (err) {
    return { file, reason: `unreadable: ${String(err)}` };
  }
}

/** Loads a cached index if a valid one matches, or builds the index and caches it (a folder written aside, then renamed). */
export async function loadOrBuildIndex(
  spec: IndexSpec,
  vectors: Float32Array,
  dim: number,
  cache: { dir: string; key: string } | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<VectorIndex> {
  if (!cache) return buildIndex(spec, vectors, dim, logger, signal);
  const dir = indexCacheDir(cache, spec.kind);
  const key = `${spec.kind}:${cache.key}`;
  for (const { path, reason } of await removeStaleTemps(dir)) logger.info({ path, reason }, 'removed a stale cache temp folder');
  const hit = await readCached(dir, key, spec, vectors, dim);
  if ('index' in hit) {
    logger.info({ dir }, 'vector index loaded from cache');
    return hit.index;
  }
  if ('file' in hit) logger.warn({ file: hit.file, reason: hit.reason }, 'cache file corrupt; rebuilding the vector index');
  const index = await buildIndex(spec, vectors, dim, logger, signal);
  let writer: FolderWriter | undefined;
  try {
    writer = await FolderWriter.open(dir);
    await index.write(writer.path(INDEX_FILE));
    await writer.record(INDEX_FILE);
    const result = await writer.publish(key, async () => {
      const theirs = await readCached(dir, key, spec, vectors, dim);
      if ('index' in theirs) return theirs.index;
      if ('file' in theirs) logger.warn({ file: theirs.file, reason: theirs.reason }, 'replacing a corrupt cache folder');
      return undefined;
    });
    if (result.published) {
      logger.info({ dir }, 'vector index cached');
      return index;
    }
    // Every process then serves one copy, the one on disk.
    logger.info({ dir }, 'another process cached the vector index first; using its copy');
    return result.existing;
  } catch (err) {
    await writer?.discard();
    logger.warn({ dir, err }, 'could not cache the vector index; it will be rebuilt next start');
    return index;
  }
}
