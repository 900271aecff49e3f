import { exactSearch } from 'usearch';
import type { MetricKind } from 'usearch';
import { createRng } from '../catalog/random.js';
import { PairecError } from '../errors.js';
import { yieldToLoop } from './index-types.js';

/**
 * usearch's `exactSearch` reads a typed array from the start of its ArrayBuffer and
 * ignores `byteOffset` (2.25), so a view into a larger buffer would silently read the
 * wrong rows. Every array handed to it here starts at offset 0.
 */
function ownBuffer(a: Float32Array): Float32Array {
  return a.byteOffset === 0 ? a : a.slice();
}

/** Nearest centroid of each row, in batches with a yield between them. */
export async function assignRows(vectors: Float32Array, dim: number, centroids: Float32Array, metric: MetricKind, signal: AbortSignal): Promise<Int32Array> {
  const rows = vectors.length / dim;
  const out = new Int32Array(rows);
  const own = ownBuffer(centroids);
  const batch = 8192;
  for (let a = 0; a < rows; a += batch) {
    const b = Math.min(rows, a + batch);
    // threads 0: every core, as a build runs before the server takes traffic. The batch
    // is a copy (its own buffer), as `ownBuffer` says.
    const { keys } = exactSearch(own, vectors.slice(a * dim, b * dim), dim, 1, metric, 0);
    for (let i = 0; i < b - a; i++) out[a + i] = Number(keys[i]);
    await yieldToLoop();
    if (signal.aborted) throw new PairecError('ERR_ABORTED', 'vector index build aborted');
  }
  return out;
}

export interface KMeansOptions {
  readonly k: number;
  readonly iterations: number;
  /** At most this many rows train the centroids (a seeded sample). */
  readonly sample: number;
  readonly metric: MetricKind;
  /** Spherical k-means: centroids scaled to unit length (inner product, cosine). */
  readonly normalise: boolean;
  readonly seed: number;
  readonly signal: AbortSignal;
}

/**
 * Lloyd's k-means on a seeded sample, with usearch's SIMD exact search doing the
 * assignment step. Hand-written because no installable Node library trains an IVF
 * coarse quantizer (faiss-node does not build here); the distance kernel is the library's.
 * A centroid left empty is re-seeded from a random sample row.
 */
export async function trainCentroids(vectors: Float32Array, dim: number, opts: KMeansOptions): Promise<Float32Array> {
  const rows = vectors.length / dim;
  const rng = createRng(opts.seed);
  const order = Array.from({ length: rows }, (_, i) => i);
  const n = Math.min(rows, opts.sample);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(rows - i);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const sample = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const r = order[i] as number;
    sample.set(vectors.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  const { k } = opts;
  const centroids = sample.slice(0, k * dim);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let it = 0; it < opts.iterations; it++) {
    const assign = await assignRows(sample, dim, centroids, opts.metric, opts.signal);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i] as number;
      counts[c] = (counts[c] as number) + 1;
      const base = i * dim;
      const cb = c * dim;
      for (let d = 0; d < dim; d++) sums[cb + d] = (sums[cb + d] as number) + (sample[base + d] as number);
    }
    for (let c = 0; c < k; c++) {
      const cb = c * dim;
      const count = counts[c] as number;
      if (count === 0) {
        const r = rng.int(n);
        centroids.set(sample.subarray(r * dim, (r + 1) * dim), cb);
        continue;
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += ((sums[cb + d] as number) / count) ** 2;
      const scale = opts.normalise && norm > 0 ? 1 / Math.sqrt(norm) : 1;
      for (let d = 0; d < dim; d++) centroids[cb + d] = ((sums[cb + d] as number) / count) * scale;
    }
  }
  return centroids;
}
