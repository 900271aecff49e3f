import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { Logger } from 'pino';
import { PairecError } from '../../errors.js';
import type { AnnConf } from './config.js';

export type HnswIndex = InstanceType<typeof hnswlib.HierarchicalNSW>;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Builds an HNSW index over `rows` vectors of `dim` floats. Inserts run in slices with
 * a yield between them, so the server keeps answering /health and /ready while a large
 * index builds, and an abort stops the build.
 */
export async function buildHnsw(
  vectors: Float32Array,
  dim: number,
  conf: AnnConf,
  logger: Logger,
  signal: AbortSignal,
): Promise<HnswIndex> {
  const rows = vectors.length / dim;
  const index = new hnswlib.HierarchicalNSW(conf.Space, dim);
  index.initIndex(rows, conf.M, conf.EfConstruction, conf.Seed);
  const slice = 2000;
  const report = Math.max(slice, Math.ceil(rows / 10 / slice) * slice);
  const started = Date.now();
  for (let i = 0; i < rows; i++) {
    index.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
    if ((i + 1) % slice === 0) {
      if ((i + 1) % report === 0) logger.info({ done: i + 1, total: rows }, 'building ANN index');
      await yieldToLoop();
      if (signal.aborted) throw new PairecError('ERR_ABORTED', 'ANN index build aborted');
    }
  }
  logger.info({ rows, seconds: (Date.now() - started) / 1000 }, 'ANN index built');
  return index;
}

/** Loads a cached index file, or builds the index and caches it (write then rename). */
export async function loadOrBuildHnsw(
  vectors: Float32Array,
  dim: number,
  conf: AnnConf,
  cache: { dir: string; key: string } | undefined,
  logger: Logger,
  signal: AbortSignal,
): Promise<HnswIndex> {
  const file = cache ? join(cache.dir, `ann-${cache.key}.hnsw`) : undefined;
  if (file && (await stat(file).catch(() => undefined))) {
    const index = new hnswlib.HierarchicalNSW(conf.Space, dim);
    try {
      await index.readIndex(file);
      if (index.getCurrentCount() === vectors.length / dim) {
        logger.info({ file }, 'ANN index loaded from cache');
        return index;
      }
    } catch (err) {
      logger.warn({ file, err }, 'cached ANN index unreadable; rebuilding');
    }
  }
  const index = await buildHnsw(vectors, dim, conf, logger, signal);
  if (file && cache) {
    try {
      await mkdir(cache.dir, { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      await index.writeIndex(tmp);
      await rename(tmp, file);
    } catch (err) {
      logger.warn({ file, err }, 'could not cache the ANN index; it will be rebuilt next start');
    }
  }
  return index;
}
