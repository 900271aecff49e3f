import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildHnswlib, readHnswlib } from './hnswlib-index.js';
import { buildIvf, readIvf } from './ivf-index.js';

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

export function buildIndex(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  return KINDS[spec.kind].build(spec, vectors, dim, logger, signal);
}

/** Loads a cached index file if one matches, or builds the index and caches it (write, then rename). */
export async function loadOrBuildIndex(
  spec: IndexSpec,
  vectors: Float32Array,
  dim: number,
  cache: { dir: string; key: string } | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<VectorIndex> {
  const file = cache ? join(cache.dir, `index-${spec.kind}-${cache.key}.bin`) : undefined;
  if (file && (await stat(file).catch(() => undefined))) {
    try {
      const cached = await KINDS[spec.kind].read(file, spec, vectors, dim);
      if (cached) {
        logger.info({ file }, 'vector index loaded from cache');
        return cached;
      }
    } catch (err) {
      logger.warn({ file, err }, 'cached vector index unreadable; rebuilding');
    }
  }
  const index = await buildIndex(spec, vectors, dim, logger, signal);
  if (file && cache) {
    try {
      await mkdir(cache.dir, { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      await index.write(tmp);
      await rename(tmp, file);
    } catch (err) {
      logger.warn({ file, err }, 'could not cache the vector index; it will be rebuilt next start');
    }
  }
  return index;
}
