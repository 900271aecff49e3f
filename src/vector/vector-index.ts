import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import { checkFolder, FolderWriter } from '../cache/cache-folder.js';
import { removeStaleTemps } from '../cache/temp-folders.js';
import { buildOnce } from '../cache/build-lock.js';
import { buildIndexAside } from './build-aside.js';
import { buildHnswlib, readHnswlib } from './hnswlib-index.js';
import { buildIvf, readIvf } from './ivf-index.js';
import { nonFiniteRow } from './finite.js';
import type { SharedCache } from './ivf-lists.js';

export type { IndexHits, IndexKind, IndexSpec, Space, VectorIndex } from './index-types.js';
import type { IndexKind, IndexSpec, VectorIndex } from './index-types.js';

/** How one kind builds an index and reads its cached file (undefined: the file does not fit). */
interface IndexKindDef {
  build(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex>;
  /** `shared`: the file lies in a cache folder, where a kind may keep what every process maps (IVF: its lists). */
  read(file: string, spec: IndexSpec, vectors: Float32Array, dim: number, shared?: SharedCache): Promise<VectorIndex | undefined>;
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
async function readCached(dir: string, key: string, spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<Loaded> {
  const check = await checkFolder(dir, key, [INDEX_FILE]);
  if (check.status === 'missing') return { missing: true };
  if (check.status === 'corrupt') return check;
  const file = join(dir, INDEX_FILE);
  try {
    const index = await KINDS[spec.kind].read(file, spec, vectors, dim, { key, logger, signal });
    return index ? { index } : { file, reason: 'built over other rows' };
  } catch (err) {
    return { file, reason: `unreadable: ${String(err)}` };
  }
}

/**
 * Builds in a worker thread (build-aside.ts) into `file`, then reads the file here: the
 * event loop that answers requests only pays for the read.
 */
async function buildThroughFile(spec: IndexSpec, vectors: Float32Array, dim: number, file: string, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  const bad = nonFiniteRow(vectors, dim);
  if (bad) throw new PairecError('ERR_DATA_INVALID', `the vectors to index: ${bad}`);
  await buildIndexAside(spec, vectors, dim, file, logger, signal);
  const index = await KINDS[spec.kind].read(file, spec, vectors, dim);
  if (!index) throw new PairecError('ERR_ALGORITHM_BUILD', `${file}: the index just built does not read back`);
  return index;
}

/** Builds an index without holding the event loop, with no cache: through a temporary file, removed after. */
export async function buildIndexOffLoop(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  const dir = await mkdtemp(join(tmpdir(), 'pairec-index-'));
  try {
    return await buildThroughFile(spec, vectors, dim, join(dir, INDEX_FILE), logger, signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Loads a cached index if a valid one matches, or builds the index (off the event loop)
 * and caches it (a folder written aside, then renamed). Processes that need the same
 * folder at once build it once: one holds the build lock, the others wait for its folder.
 */
export async function loadOrBuildIndex(
  spec: IndexSpec,
  vectors: Float32Array,
  dim: number,
  cache: { dir: string; key: string } | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<VectorIndex> {
  if (!cache) return buildIndexOffLoop(spec, vectors, dim, logger, signal);
  const dir = indexCacheDir(cache, spec.kind);
  const key = `${spec.kind}:${cache.key}`;
  for (const { path, reason } of await removeStaleTemps(dir)) logger.info({ path, reason }, 'removed a stale cache temp folder');
  const cached = async (): Promise<VectorIndex | undefined> => {
    const hit = await readCached(dir, key, spec, vectors, dim, logger, signal);
    if ('index' in hit) {
      logger.info({ dir }, 'vector index loaded from cache');
      return hit.index;
    }
    if ('file' in hit) logger.warn({ file: hit.file, reason: hit.reason }, 'cache file corrupt; rebuilding the vector index');
    return undefined;
  };
  return buildOnce(dir, cached, () => buildAndPublish(spec, vectors, dim, dir, key, logger, signal), logger, signal);
}

async function buildAndPublish(
  spec: IndexSpec,
  vectors: Float32Array,
  dim: number,
  dir: string,
  key: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<VectorIndex> {
  let writer: FolderWriter | undefined;
  try {
    writer = await FolderWriter.open(dir);
  } catch (err) {
    logger.warn({ dir, err }, 'could not cache the vector index; it will be rebuilt next start');
    return buildIndexOffLoop(spec, vectors, dim, logger, signal);
  }
  let index: VectorIndex;
  try {
    index = await buildThroughFile(spec, vectors, dim, writer.path(INDEX_FILE), logger, signal);
  } catch (err) {
    await writer.discard();
    throw err;
  }
  try {
    await writer.record(INDEX_FILE);
    const result = await writer.publish(key, async () => {
      const theirs = await readCached(dir, key, spec, vectors, dim, logger, signal);
      if ('index' in theirs) return theirs.index;
      if ('file' in theirs) logger.warn({ file: theirs.file, reason: theirs.reason }, 'replacing a corrupt cache folder');
      return undefined;
    });
    if (result.published) {
      logger.info({ dir }, 'vector index cached');
      // Read back from its folder, the index shares what the other processes will map.
      const shared = await readCached(dir, key, spec, vectors, dim, logger, signal);
      return 'index' in shared ? shared.index : index;
    }
    // Every process then serves one copy, the one on disk.
    logger.info({ dir }, 'another process cached the vector index first; using its copy');
    return result.existing;
  } catch (err) {
    await writer.discard();
    logger.warn({ dir, err }, 'could not cache the vector index; it will be rebuilt next start');
    return index;
  }
}
