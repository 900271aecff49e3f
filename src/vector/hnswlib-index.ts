import hnswlib from 'hnswlib-node';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import { SIMILARITY, yieldToLoop } from './index-types.js';
import type { IndexHits, IndexSpec, VectorIndex } from './index-types.js';

type Native = InstanceType<typeof hnswlib.HierarchicalNSW> | InstanceType<typeof hnswlib.BruteforceSearch>;

/**
 * HNSW (approximate) or flat (exact brute force), both from hnswlib-node so they share
 * one distance definition and one file format.
 */
export class HnswlibIndex implements VectorIndex {
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

  /** `ef` is the HNSW candidate list (raised to k), unused by flat. */
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

function createNative(spec: IndexSpec, dim: number): Native {
  return spec.kind === 'hnsw' ? new hnswlib.HierarchicalNSW(spec.space, dim) : new hnswlib.BruteforceSearch(spec.space, dim);
}

/**
 * Builds an index over `vectors` (row-major, `dim` wide). Inserts run in slices with a
 * yield between them, so a server keeps answering its probes while a large index
 * builds, progress is logged every 10 %, and an abort stops the build.
 */
export async function buildHnswlib(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
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
  return new HnswlibIndex(spec, dim, native);
}

/** Reads a cached hnswlib file; undefined when it holds another number of rows. */
export async function readHnswlib(file: string, spec: IndexSpec, vectors: Float32Array, dim: number): Promise<VectorIndex | undefined> {
  const native = createNative(spec, dim);
  await native.readIndex(file);
  return native.getCurrentCount() === vectors.length / dim ? new HnswlibIndex(spec, dim, native) : undefined;
}
