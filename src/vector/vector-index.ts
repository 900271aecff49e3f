import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';

export type IndexKind = 'hnsw' | 'flat';
export type Space = 'ip' | 'cosine' | 'l2';

/** How to build an index: kind and space, and the HNSW graph parameters (ignored by flat). */
export interface IndexSpec {
  readonly kind: IndexKind;
  readonly space: Space;
  readonly M: number;
  readonly EfConstruction: number;
  readonly Seed: number;
}

/** Rows (0-based insertion order) and similarity scores, best first. */
export interface IndexHits {
  readonly rows: readonly number[];
  readonly scores: Float64Array;
}

/** hnswlib's distance as a similarity where larger is better (ip/cosine: 1 − d; l2: −d). */
const SIMILARITY: Record<Space, (distance: number) => number> = {
  ip: (d) => 1 - d,
  cosine: (d) => 1 - d,
  l2: (d) => -d,
};

type Native = InstanceType<typeof hnswlib.HierarchicalNSW> | InstanceType<typeof hnswlib.BruteforceSearch>;

/**
 * An in-process vector index: HNSW (approximate) or flat (exact brute force), both from
 * hnswlib-node so they share one distance definition and one file format.
 */
export class VectorIndex {
  readonly spec: IndexSpec;
  readonly dim: number;
  readonly #native: Native;
  readonly #similarity: (d: number) => number;
  #ef = -1;

  constructor(spec: IndexSpec, dim: number, native: Native) {
    this.spec = spec;
    this.dim = dim;
    this.#native = native;
    this.#similarity = SIMILARITY[spec.space];
  }

  get size(): number {
    return this.#native.getCurrentCount();
  }

  /** k nearest rows of `query`; `ef` is the HNSW candidate list (raised to k), unused by flat. */
  search(query: Float32Array | readonly number[], k: number, ef: number): IndexHits {
    if (query.length !== this.dim) {
      throw new PairecError('ERR_ALGORITHM_INPUT', `query vector has ${query.length} dimensions, the index ${this.dim}`);
    }
    const n = Math.min(k, this.size);
    if (n <= 0) return { rows: [], scores: new Float64Array(0) };
    const native = this.#native;
    if (native instanceof hnswlib.HierarchicalNSW) {
      const want = Math.max(ef, n);
      if (want !== this.#ef) {
        native.setEf(want);
        this.#ef = want;
      }
    }
    const res = native.searchKnn(Array.isArray(query) ? (query as number[]) : Array.from(query), n);
    // Filled in a loop: a request's 300 scores, where map() then Float32Array.from (an
    // iterator) showed in profiles.
    const { distances } = res;
    const scores = new Float64Array(distances.length);
    const similarity = this.#similarity;
    for (let i = 0; i < scores.length; i++) scores[i] = similarity(distances[i] as number);
    return { rows: res.neighbors, scores };
  }

  write(file: string): Promise<boolean> {
    return this.#native.writeIndex(file);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function createNative(spec: IndexSpec, dim: number): Native {
  return spec.kind === 'hnsw' ? new hnswlib.HierarchicalNSW(spec.space, dim) : new hnswlib.BruteforceSearch(spec.space, dim);
}

/**
 * Builds an index over `vectors` (row-major, `dim` wide). Inserts run in slices with a
 * yield between them, so a server keeps answering its probes while a large index
 * builds, progress is logged every 10 %, and an abort stops the build.
 */
export async function buildIndex(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  const rows = vectors.length / dim;
  const native = createNative(spec, dim);
  if (native instanceof hnswlib.HierarchicalNSW) native.initIndex(rows, spec.M, spec.EfConstruction, spec.Seed);
  else native.initIndex(rows);
  const slice = 2000;
  const report = Math.max(slice, Math.ceil(rows / 10 / slice) * slice);
  const started = Date.now();
  for (let i = 0; i < rows; i++) {
    native.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
    if ((i + 1) % slice === 0) {
      if ((i + 1) % report === 0) logger.info({ done: i + 1, total: rows, index: spec.kind }, 'building vector index');
      await yieldToLoop();
      if (signal.aborted) throw new PairecError('ERR_ABORTED', 'vector index build aborted');
    }
  }
  logger.info({ rows, index: spec.kind, seconds: (Date.now() - started) / 1000 }, 'vector index built');
  return new VectorIndex(spec, dim, native);
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
  const rows = vectors.length / dim;
  if (file && (await stat(file).catch(() => undefined))) {
    const native = createNative(spec, dim);
    try {
      await native.readIndex(file);
      if (native.getCurrentCount() === rows) {
        logger.info({ file }, 'vector index loaded from cache');
        return new VectorIndex(spec, dim, native);
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
