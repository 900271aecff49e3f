import { readFile, writeFile } from 'node:fs/promises';
import { MetricKind } from 'usearch';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import { rowsInSlices } from '../worker/slices.js';
import { assignRows, trainCentroids } from './kmeans.js';
import { paddedStride, SCORE_MODE, ScanKernels } from './kernels/scan.js';
import type { F32Region, ScoreMode } from './kernels/scan.js';
import type { IndexHits, IndexSpec, Space, VectorIndex } from './index-types.js';
import { nativeAddon } from '../native/addon.js';
import { sharedListRows } from './ivf-lists.js';
import type { ListRows, SharedCache } from './ivf-lists.js';

const METRIC: Record<Space, MetricKind> = { ip: MetricKind.IP, cosine: MetricKind.Cos, l2: MetricKind.L2sq };
const MAGIC = 0x31465649; // "IVF1"
const HEADER = 5; // magic, dim, nlist, rows, 0

/** Where each row lies in list order: list c holds positions starts[c] .. starts[c + 1]; `order[p]` is the row at p, `at[row]` its position. */
function listOrder(assign: Int32Array, nlist: number): { starts: Int32Array; order: Int32Array; at: Int32Array } {
  const rows = assign.length;
  const starts = new Int32Array(nlist + 1);
  for (const c of assign) starts[c + 1] = (starts[c + 1] as number) + 1;
  for (let c = 0; c < nlist; c++) starts[c + 1] = (starts[c + 1] as number) + (starts[c] as number);
  const next = starts.slice(0, nlist);
  const order = new Int32Array(rows);
  const at = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = assign[r] as number;
    const p = next[c] as number;
    next[c] = p + 1;
    order[p] = r;
    at[r] = p;
  }
  return { starts, order, at };
}

/** The spec's list count, or 4·√rows (the usual rule of thumb) when it is 0; at most rows. */
export function listCount(spec: IndexSpec, rows: number): number {
  const wanted = spec.Nlist > 0 ? spec.Nlist : Math.round(4 * Math.sqrt(rows));
  return Math.max(1, Math.min(rows, wanted));
}

const squaredNorm = (v: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  return s;
};

/**
 * How the kernels score a row in each space, and the per-row weight they need. A kernel
 * score is the similarity itself (larger is better) for ip and cosine; for l2 it is the
 * similarity plus |query|², which search() subtracts.
 */
const SCORING: Record<Space, { mode: ScoreMode; weight: (v: Float32Array) => number }> = {
  ip: { mode: SCORE_MODE.dot, weight: () => 0 },
  cosine: {
    mode: SCORE_MODE.scaled,
    weight: (v) => {
      const n = squaredNorm(v);
      return n > 0 ? 1 / Math.sqrt(n) : 0;
    },
  },
  l2: { mode: SCORE_MODE.l2, weight: squaredNorm },
};

/**
 * IVF-Flat (FAISS's IndexIVFFlat): k-means centroids split the rows into inverted lists;
 * a search ranks the centroids, scores the rows of the `nprobe` nearest lists where they
 * lie and keeps the k best. On clustered embeddings it reaches the recall of HNSW for
 * about half the work per query (`bench/ann.ts`).
 *
 * Vectors, centroids and scratch live in one WebAssembly memory scanned by the SIMD
 * kernels of ./kernels (≈ 6 × less per row than usearch's exactSearch, whose copy and
 * full sort per call cost more than the dot products). An index read from a cache folder
 * instead scans its rows where they are mapped from the folder's list file (ivf-lists.ts),
 * with the native kernel of the same arithmetic: one copy per machine, not per process.
 */
export class IvfIndex implements VectorIndex {
  readonly spec: IndexSpec;
  readonly dim: number;
  readonly size: number;
  readonly #stride: number;
  readonly #mode: ScoreMode;
  readonly #kernels: ScanKernels;
  readonly #nlist: number;
  /** Centroids as kernel rows (padded to the stride; write() reads them back). */
  readonly #centroidRows: F32Region;
  readonly #centroidWeights: F32Region;
  /** List c holds positions starts[c] .. starts[c + 1] of `#vectors` / `#rows`. */
  readonly #starts: Int32Array;
  /** The rows in list order, `stride` floats each: kernel memory, or a mapped list file. */
  readonly #vectors: Float32Array;
  readonly #weights: Float32Array;
  /** Scores `len` rows from position `a` into scratch scores from `m`. */
  readonly #scanList: (a: number, len: number, m: number) => void;
  readonly #rows: Int32Array;
  /** Scratch reused by every search: searches are synchronous, so never shared. */
  readonly #query: F32Region;
  readonly #scores: F32Region;
  readonly #heap: F32Region;
  readonly #heapIndex: Int32Array;
  readonly #scannedRows: Int32Array;

  /** `placement`: copy the rows into kernel memory now, later (inSlices), or scan them where they are mapped (`ListRows`). */
  constructor(
    spec: IndexSpec,
    dim: number,
    vectors: Float32Array,
    centroids: Float32Array,
    assign: Int32Array,
    placement: 'copy' | 'defer' | ListRows = 'copy',
  ) {
    this.spec = spec;
    this.dim = dim;
    this.size = assign.length;
    const stride = paddedStride(dim);
    this.#stride = stride;
    const scoring = SCORING[spec.space];
    this.#mode = scoring.mode;
    const nlist = centroids.length / dim;
    this.#nlist = nlist;
    const rows = this.size;
    const most = Math.max(rows, nlist);
    const b = ScanKernels.bytes;
    const mapped = typeof placement === 'object' ? placement : undefined;
    this.#kernels = new ScanKernels((mapped ? 0 : b(rows * stride) + b(rows)) + b(nlist * stride) + b(nlist) + b(stride) + b(most) + b(2 * most));
    const k = this.#kernels;
    const rowRegions = mapped ? undefined : { vectors: k.f32(rows * stride), weights: k.f32(rows) };
    this.#centroidRows = k.f32(nlist * stride);
    this.#centroidWeights = k.f32(nlist);
    this.#query = k.f32(stride);
    this.#scores = k.f32(most);
    this.#heap = k.f32(2 * most);
    this.#heapIndex = k.i32(this.#heap);
    const mode = this.#mode;
    const query = this.#query;
    const scores = this.#scores;
    const native = nativeAddon();
    if (mapped && 'addon' in native) {
      const { addon } = native;
      const { vectors: laid, weights } = mapped;
      this.#vectors = laid;
      this.#weights = weights;
      this.#scanList = (a, len, m) => addon.dots(laid, a * stride, len, stride, query.view, scores.view, m, weights, a, mode);
    } else if (rowRegions) {
      const { vectors: laid, weights } = rowRegions;
      this.#vectors = laid.view;
      this.#weights = weights.view;
      this.#scanList = (a, len, m) => k.dots(laid.ptr + a * stride * 4, len, stride, query.ptr, scores.ptr + m * 4, weights.ptr + a * 4, mode);
    } else {
      throw new PairecError('ERR_ALGORITHM_BUILD', 'mapped IVF lists need the native addon');
    }
    for (let c = 0; c < nlist; c++) {
      const v = centroids.subarray(c * dim, (c + 1) * dim);
      this.#centroidRows.view.set(v, c * stride);
      this.#centroidWeights.view[c] = scoring.weight(v);
    }
    const { starts, order, at } = listOrder(assign, nlist);
    this.#rows = order;
    this.#starts = starts;
    this.#scannedRows = new Int32Array(rows);
    this.#source = mapped ? undefined : { vectors, at, weight: spec.space === 'ip' ? undefined : scoring.weight };
    if (placement === 'copy') this.#copyRows(0, rows);
  }

  /** Where the vectors come from until they are copied into list order (then released). */
  #source: { readonly vectors: Float32Array; readonly at: Int32Array; readonly weight: ((v: Float32Array) => number) | undefined } | undefined;

  /** Copies rows from..to into their list positions; an element loop, not set(subarray()): no typed-array object per row. */
  #copyRows(from: number, to: number): void {
    const source = this.#source;
    if (!source) return;
    const { vectors, at, weight } = source;
    const { dim } = this;
    const stride = this.#stride;
    const laidOut = this.#vectors;
    const weights = this.#weights;
    for (let r = from; r < to; r++) {
      const p = at[r] as number;
      for (let i = 0, src = r * dim, dst = p * stride; i < dim; i++) laidOut[dst + i] = vectors[src + i] as number;
      // Inner product needs no per-row weight (and no view per row).
      if (weight) weights[p] = weight(vectors.subarray(r * dim, (r + 1) * dim));
    }
    if (to >= this.size) this.#source = undefined;
  }

  /**
   * An index whose rows are copied into list order in slices, the event loop served
   * between them: a cached index opened during a live refresh (≈ 35–80 ms of copying at
   * 100k rows held a serving thread in one piece).
   */
  static async inSlices(spec: IndexSpec, dim: number, vectors: Float32Array, centroids: Float32Array, assign: Int32Array): Promise<IvfIndex> {
    const index = new IvfIndex(spec, dim, vectors, centroids, assign, 'defer');
    await rowsInSlices(index.size, (from, to) => index.#copyRows(from, to));
    return index;
  }

  /**
   * The vectors in list order and each row's position (see Catalog.useEmbeddingLayout);
   * none when the rows are padded (dim not a multiple of 16), as the catalog reads rows
   * at its own width.
   */
  layout(): { readonly dim: number; readonly data: Float32Array; readonly at: Int32Array } | undefined {
    if (this.#stride !== this.dim) return undefined;
    const at = new Int32Array(this.size);
    for (let p = 0; p < this.#rows.length; p++) at[this.#rows[p] as number] = p;
    return { dim: this.dim, data: this.#vectors, at };
  }

  get lists(): number {
    return this.#nlist;
  }

  /** `nprobe`: how many of the nearest lists are scanned (1 … lists; all lists is exact). */
  search(query: Float32Array | readonly number[], k: number, nprobe: number): IndexHits {
    const { dim } = this;
    if (query.length !== dim) {
      throw new PairecError('ERR_ALGORITHM_INPUT', `query vector has ${query.length} dimensions, the index ${dim}`);
    }
    const n = Math.min(k, this.size);
    if (n <= 0) return { rows: [], scores: new Float64Array(0) };
    const kernels = this.#kernels;
    const stride = this.#stride;
    const mode = this.#mode;
    const scanList = this.#scanList;
    const q = this.#query.view;
    let qq = 0;
    for (let i = 0; i < dim; i++) {
      const x = query[i] as number;
      q[i] = x;
      qq += x * x;
    }
    // Cosine scores rows against the unit query (times 1 / |row|); l2 subtracts |q|² last.
    if (this.spec.space === 'cosine' && qq > 0) {
      const inv = 1 / Math.sqrt(qq);
      for (let i = 0; i < dim; i++) q[i] = (q[i] as number) * inv;
    }
    const scores = this.#scores.ptr;
    const heap = this.#heap.ptr;
    const heapIndex = this.#heapIndex;
    kernels.dots(this.#centroidRows.ptr, this.#nlist, stride, this.#query.ptr, scores, this.#centroidWeights.ptr, mode);
    const probe = kernels.topk(scores, this.#nlist, Math.max(1, Math.min(this.#nlist, Math.floor(nprobe))), heap);
    // Each probed list (read from the heap, which the scans below leave alone) is scored
    // where it lies; the scores (and their rows) line up in scratch.
    const starts = this.#starts;
    const scanned = this.#scannedRows;
    let m = 0;
    for (let i = 0; i < probe; i++) {
      const c = heapIndex[2 * i + 1] as number;
      const a = starts[c] as number;
      const len = (starts[c + 1] as number) - a;
      if (len === 0) continue;
      scanList(a, len, m);
      scanned.set(this.#rows.subarray(a, a + len), m);
      m += len;
    }
    const found = kernels.topk(scores, m, n, heap);
    const rows = new Array<number>(found);
    const out = new Float64Array(found);
    const heapScore = this.#heap.view;
    const shift = this.spec.space === 'l2' ? qq : 0;
    for (let i = 0; i < found; i++) {
      rows[i] = scanned[heapIndex[2 * i + 1] as number] as number;
      out[i] = (heapScore[2 * i] as number) - shift;
    }
    return { rows, scores: out };
  }

  /** Centroids and each row's list (derived from the lists); the vectors come from the catalog when read back. */
  async write(file: string): Promise<boolean> {
    const assign = new Int32Array(this.size);
    for (let c = 0; c < this.lists; c++) {
      for (let p = this.#starts[c] as number; p < (this.#starts[c + 1] as number); p++) assign[this.#rows[p] as number] = c;
    }
    const centroids = new Float32Array(this.lists * this.dim);
    for (let c = 0; c < this.lists; c++) {
      centroids.set(this.#centroidRows.view.subarray(c * this.#stride, c * this.#stride + this.dim), c * this.dim);
    }
    const header = Int32Array.of(MAGIC, this.dim, this.lists, this.size, 0);
    await writeFile(file, Buffer.concat([bytes(header), bytes(centroids), bytes(assign)]));
    return true;
  }
}

const bytes = (a: Int32Array | Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export async function buildIvf(spec: IndexSpec, vectors: Float32Array, dim: number, logger: Logger, signal: AbortSignal): Promise<VectorIndex> {
  const rows = vectors.length / dim;
  const k = listCount(spec, rows);
  const metric = METRIC[spec.space];
  const started = Date.now();
  const centroids = await trainCentroids(vectors, dim, {
    k,
    // Measured on RW-100k: 6 → 16 iterations and 16 → 64 sampled rows per list move
    // recall@300 by < 0.003 at the same nprobe, and build time by 6 ×.
    iterations: 8,
    sample: 32 * k,
    metric,
    normalise: spec.space !== 'l2',
    seed: spec.Seed,
    signal,
  });
  const assign = await assignRows(vectors, dim, centroids, metric, signal);
  logger.info({ rows, index: 'ivf', lists: k, seconds: (Date.now() - started) / 1000 }, 'vector index built');
  return new IvfIndex(spec, dim, vectors, centroids, assign);
}

/**
 * Reads a cached IVF file; undefined when it was built for other rows or lists. With
 * `shared` (the file is in a cache folder) the rows are scanned from the folder's mapped
 * list file, written first by whichever process gets there first.
 */
export async function readIvf(file: string, spec: IndexSpec, vectors: Float32Array, dim: number, shared?: SharedCache): Promise<VectorIndex | undefined> {
  const buf = await readFile(file);
  const words = HEADER * 4;
  if (buf.byteLength < words) return undefined;
  const header = new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + words));
  const rows = vectors.length / dim;
  const nlist = listCount(spec, rows);
  if (header[0] !== MAGIC || header[1] !== dim || header[2] !== nlist || header[3] !== rows) return undefined;
  const centroidBytes = nlist * dim * 4;
  if (buf.byteLength !== words + centroidBytes + rows * 4) return undefined;
  const at = buf.byteOffset + words;
  const centroids = new Float32Array(buf.buffer.slice(at, at + centroidBytes));
  const assign = new Int32Array(buf.buffer.slice(at + centroidBytes, at + centroidBytes + rows * 4));
  if (assign.some((c) => c < 0 || c >= nlist)) return undefined;
  if (shared) {
    const weight = spec.space === 'ip' ? undefined : SCORING[spec.space].weight;
    try {
      const lists = await sharedListRows(file, { dim, stride: paddedStride(dim), vectors, order: listOrder(assign, nlist).order, weight }, shared);
      if (lists) return new IvfIndex(spec, dim, vectors, centroids, assign, lists);
    } catch (err) {
      // The index itself is sound: a list file that cannot be written (disk full) or
      // mapped costs the sharing, not a rebuild of the index.
      if (shared.signal.aborted) throw err;
      shared.logger.warn({ file, err }, 'IVF lists could not be shared; this process keeps its own copy');
    }
  }
  return IvfIndex.inSlices(spec, dim, vectors, centroids, assign);
}
