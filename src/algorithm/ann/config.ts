import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** The embedded index over the catalog's item embeddings (hnswlib-node). */
export const AnnConfSchema = Type.Object(
  {
    /** hnsw: approximate graph search; flat: exact brute force (the reference). */
    Index: Type.Union([Type.Literal('hnsw'), Type.Literal('flat')], { default: 'hnsw' }),
    /** Similarity: inner product (normalised embeddings), cosine, or squared L2. */
    Space: Type.Union([Type.Literal('ip'), Type.Literal('cosine'), Type.Literal('l2')], { default: 'ip' }),
    /** Graph degree: memory and build time grow with it, so does recall. */
    M: Type.Integer({ minimum: 2, maximum: 128, default: 16 }),
    /** Candidate list while building: recall of the graph against build time. */
    EfConstruction: Type.Integer({ minimum: 8, maximum: 4096, default: 100 }),
    /** Candidate list while searching (raised to k when k is larger). */
    EfSearch: Type.Integer({ minimum: 1, maximum: 8192, default: 100 }),
    /** Seed of the graph's level draws: the same seed builds the same index. */
    Seed: Type.Integer({ minimum: 0, default: 100 }),
  },
  { additionalProperties: false },
);
export type AnnConf = Static<typeof AnnConfSchema>;
