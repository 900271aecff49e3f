import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { IndexSpec } from '../../vector/vector-index.js';

/** The embedded index over the catalog's item embeddings (hnswlib-node, or IVF over usearch). */
export const AnnConfSchema = Type.Object(
  {
    /** hnsw: approximate graph search; ivf: inverted lists over k-means centroids; flat: exact brute force (the reference). */
    Index: Type.Union([Type.Literal('hnsw'), Type.Literal('ivf'), Type.Literal('flat')], { default: 'hnsw' }),
    /** Similarity: inner product (normalised embeddings), cosine, or squared L2. */
    Space: Type.Union([Type.Literal('ip'), Type.Literal('cosine'), Type.Literal('l2')], { default: 'ip' }),
    /** Graph degree: memory and build time grow with it, so does recall. */
    M: Type.Integer({ minimum: 2, maximum: 128, default: 16 }),
    /** Candidate list while building: recall of the graph against build time. */
    EfConstruction: Type.Integer({ minimum: 8, maximum: 4096, default: 100 }),
    /** Candidate list while searching (raised to k when k is larger). */
    EfSearch: Type.Integer({ minimum: 1, maximum: 8192, default: 100 }),
    /** IVF: number of inverted lists (k-means centroids); 0 picks 4·√items. */
    Nlist: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    /** IVF: lists scanned per search; recall and cost grow with it (all lists: exact). */
    Nprobe: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 16 }),
    /** Seed of the graph's level draws and of IVF's training sample: the same seed builds the same index. */
    Seed: Type.Integer({ minimum: 0, default: 100 }),
  },
  { additionalProperties: false },
);
export type AnnConf = Static<typeof AnnConfSchema>;

/** The index an AnnConf builds. */
export function indexSpec(conf: AnnConf): IndexSpec {
  return { kind: conf.Index, space: conf.Space, M: conf.M, EfConstruction: conf.EfConstruction, Nlist: conf.Nlist, Seed: conf.Seed };
}

/** The search knob of the conf's index kind: IVF's Nprobe, otherwise HNSW's EfSearch. */
export function searchEffort(conf: AnnConf): number {
  return conf.Index === 'ivf' ? conf.Nprobe : conf.EfSearch;
}
