import { createRng, normalizeInPlace } from './random.js';
import type { CatalogData } from './catalog.js';
import type { FieldColumn } from './typed-columns.js';

/** Parameters of the deterministic demo catalog (RW-100k by default). */
export interface DemoParams {
  readonly items: number;
  readonly users: number;
  readonly dim: number;
  readonly clusters: number;
  readonly categories: number;
  readonly seed: number;
}

export const RW_100K: DemoParams = {
  items: 100_000,
  users: 10_000,
  dim: 64,
  clusters: 1_000,
  categories: 20,
  seed: 42,
};

/** Raw columns of a generated catalog: what the disk cache stores. */
export interface DemoColumns {
  readonly params: DemoParams;
  readonly itemEmbeddings: Float32Array;
  readonly userEmbeddings: Float32Array;
  readonly popularity: Float32Array;
  readonly category: Uint16Array;
}

export type Progress = (done: number, total: number, phase: string) => void;

/**
 * Items are drawn around cluster centres (spread 0.35 relative to a unit centre), so
 * nearest neighbours are meaningful; each cluster maps to one category. Popularity
 * follows a Zipf-like law over a random permutation of items. Users mix two clusters.
 */
export function generateDemo(params: DemoParams, progress?: Progress): DemoColumns {
  const { items, users, dim, clusters, categories, seed } = params;
  const rng = createRng(seed);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gaussian();
  for (let c = 0; c < clusters; c++) normalizeInPlace(centres, c * dim, dim);

  const noise = 0.35 / Math.sqrt(dim);
  const itemEmbeddings = new Float32Array(items * dim);
  const category = new Uint16Array(items);
  const step = Math.max(1, Math.floor(items / 10));
  for (let i = 0; i < items; i++) {
    const c = rng.int(clusters);
    category[i] = c % categories;
    const base = i * dim;
    for (let d = 0; d < dim; d++) {
      itemEmbeddings[base + d] = (centres[c * dim + d] ?? 0) + noise * rng.gaussian();
    }
    normalizeInPlace(itemEmbeddings, base, dim);
    if (progress && (i + 1) % step === 0) progress(i + 1, items, 'items');
  }

  const popularity = new Float32Array(items);
  const order = Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = t;
  }
  for (let rank = 0; rank < items; rank++) {
    popularity[order[rank] ?? 0] = 1 / Math.pow(rank + 1, 0.8);
  }

  const userEmbeddings = new Float32Array(users * dim);
  const userNoise = 0.5 / Math.sqrt(dim);
  for (let u = 0; u < users; u++) {
    const a = rng.int(clusters);
    const b = rng.int(clusters);
    const w = 0.6 + 0.3 * rng.next();
    const base = u * dim;
    for (let d = 0; d < dim; d++) {
      userEmbeddings[base + d] = w * (centres[a * dim + d] ?? 0) + (1 - w) * (centres[b * dim + d] ?? 0) + userNoise * rng.gaussian();
    }
    normalizeInPlace(userEmbeddings, base, dim);
  }
  progress?.(users, users, 'users');
  return { params, itemEmbeddings, userEmbeddings, popularity, category };
}

/** Turns columns into catalog data; ids are "1".."N" like PaiRec's string ids, fields `popularity` and `category` ("cat_3") as typed columns. */
export function demoCatalogData(cols: DemoColumns): CatalogData {
  const { items, users, dim, categories } = cols.params;
  const itemIds = Array.from({ length: items }, (_, i) => String(i + 1));
  const userIds = Array.from({ length: users }, (_, i) => String(i + 1));
  const itemColumns = new Map<string, FieldColumn>([
    ['popularity', { kind: 'number', values: Float64Array.from(cols.popularity), missing: undefined }],
    ['category', { kind: 'string', ids: Int32Array.from(cols.category), keys: Array.from({ length: categories }, (_, c) => `cat_${c}`) }],
  ]);
  return {
    dim,
    itemIds,
    itemEmbeddings: cols.itemEmbeddings,
    itemColumns,
    userIds,
    userEmbeddings: cols.userEmbeddings,
  };
}
