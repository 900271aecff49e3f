import { PairecError } from '../../errors.js';
import type { Catalog } from '../../catalog/catalog.js';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { strict } from '../../config/pipeline-schema.js';
import type { FeatureLoader } from '../../features/file-features.js';
import type { PipelineContext } from '../context.js';

/**
 * VectorRecall: where the user's query vector comes from. Without From, the request's
 * `features[Field]`, then the catalog's user row, then the scene's loaded user features
 * (FeatureConfs, FeatureStore "user"). Dim: the index's width when the engine cannot
 * read it (FAISS); the embedded ANN's is the catalog's.
 */
export const UserEmbeddingConfSchema = Type.Object(
  {
    From: Type.Optional(Type.Union([Type.Literal('request'), Type.Literal('catalog'), Type.Literal('features')])),
    Field: Type.String({ minLength: 1, maxLength: 256, default: 'embedding' }),
    Dim: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  },
  strict,
);
export type UserEmbeddingConf = Static<typeof UserEmbeddingConfSchema>;

/**
 * A user with no vector to search with: the source contributes nothing, and the scene
 * reports it as reason `no_user_vector` (debug and pairec_recall_failures_total). Not a
 * PairecError: it is an expected outcome for a new user, not a fault.
 */
export class NoUserVector extends Error {
  constructor(tried: string) {
    super(`no user vector (tried ${tried})`);
    this.name = 'NoUserVector';
  }
}

/** What a VectorRecall knows of its surroundings when it is built. */
export interface UserVectorEnv {
  /** The type (ANN, FAISS, MILVUS ...) of an algorithm by name. */
  readonly algorithmType?: ((name: string) => string | undefined) | undefined;
  /** The catalog is the generated demo: its user vectors live in its own items' space only. */
  readonly demoCatalog?: boolean | undefined;
  /** The scene's user feature loaders (FeatureConfs, FeatureStore "user"). */
  readonly userLoaders?: readonly FeatureLoader[] | undefined;
}

/** How one VectorRecall finds the user's vector: sources tried in order, decided once at build. */
export interface UserVectorPlan {
  /** The width the index takes, when known; a request vector of another length is a 400. */
  readonly dim: number | undefined;
  /** The user's vector, or a NoUserVector / invalid-field error. */
  find(ctx: PipelineContext): Float32Array | Promise<Float32Array>;
}

/** A stored feature as a vector: a Float32Array, a number array, or a comma/space separated string. */
export function vectorOf(v: unknown): Float32Array | undefined {
  if (v instanceof Float32Array) return v;
  let nums: readonly unknown[] | undefined;
  if (Array.isArray(v)) nums = v as readonly unknown[];
  else if (typeof v === 'string' && v.trim() !== '')
    nums = v
      .trim()
      .split(/[\s,]+/)
      .map(Number);
  if (!nums || nums.length === 0) return undefined;
  const out = new Float32Array(nums.length);
  for (let i = 0; i < nums.length; i++) {
    const x = nums[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    out[i] = x;
  }
  return out;
}

/**
 * The plan of a VectorRecall's UserEmbedding. Without From: the request's
 * `features[Field]`, then the catalog's user row, then loaded user features. The
 * catalog's row is skipped by default when it cannot be in the index's space: a demo
 * catalog searched through FAISS or Milvus (its vectors are synthetic, the remote index
 * holds other items), or a catalog of another width than the index.
 */
export function userVectorPlan(algoName: string, conf: UserEmbeddingConf | undefined, catalog: Catalog | undefined, env: UserVectorEnv): UserVectorPlan {
  const from = conf?.From;
  const field = conf?.Field ?? 'embedding';
  const path = `features.${field}`;
  const type = env.algorithmType?.(algoName);
  const embedded = type === 'ANN';
  // A remote index holds the team's own items; the demo's user vectors mean nothing there.
  const remote = type === 'FAISS' || type === 'MILVUS';
  const dim = conf?.Dim ?? (embedded ? catalog?.dim : undefined);
  const useRequest = from === undefined || from === 'request';
  const useCatalog =
    catalog !== undefined &&
    (from === 'catalog' || (from === undefined && !(remote && env.demoCatalog === true))) &&
    (dim === undefined || catalog.dim === dim);
  const loaders = from === undefined || from === 'features' ? (env.userLoaders ?? []) : [];
  const tried = [useRequest ? `request ${path}` : '', useCatalog ? 'catalog user row' : '', loaders.length > 0 ? `loaded feature "${field}"` : '']
    .filter((s) => s !== '')
    .join(', ');
  // One instance per source: an Error's stack per request would show for cold-user traffic.
  const none = new NoUserVector(tried || 'no source');

  const fromRequest = (ctx: PipelineContext): Float32Array | undefined => {
    const v = ctx.request.features[field];
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof Float32Array)) throw new PairecError('ERR_INVALID_FIELD', `${path} must be a number array (the user's vector)`, { path });
    if (dim !== undefined && v.length !== dim) {
      throw new PairecError('ERR_INVALID_FIELD', `${path} has ${v.length} numbers; the index of "${algoName}" takes ${dim}`, { path });
    }
    return v;
  };
  const fromFeatures = async (ctx: PipelineContext): Promise<Float32Array> => {
    for (const l of loaders) {
      const [f] = await l.load([ctx.request.uid]);
      const v = vectorOf(f?.[field]);
      // A stored vector of the wrong width is not searched with (its store counts bad values).
      if (v && (dim === undefined || v.length === dim)) return v;
    }
    throw none;
  };
  return {
    dim,
    find: (ctx) => {
      const req = useRequest ? fromRequest(ctx) : undefined;
      if (req) return req;
      if (useCatalog) {
        const row = catalog.userIndex(ctx.request.uid);
        if (row !== undefined) return catalog.userVector(row);
      }
      if (loaders.length > 0) return fromFeatures(ctx);
      throw none;
    },
  };
}
