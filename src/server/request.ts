import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PairecError } from '../errors.js';
import type { RecommendRequest, RequestFeatures } from '../pipeline/context.js';
import { assertValid, compileBody } from './validation.js';

/** Longest vector a request feature may carry (an embedding is checked against its index's width by the recall that reads it). */
export const MAX_FEATURE_VECTOR = 4096;

const Feature = Type.Union([
  Type.String({ maxLength: 4096 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
  Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_FEATURE_VECTOR }),
]);

/** PaiRec's `/api/recommend` request body. */
export const RecommendBodySchema = Type.Object(
  {
    uid: Type.String({ minLength: 1, maxLength: 256 }),
    size: Type.Optional(Type.Integer({ minimum: 1 })),
    scene_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    features: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Feature, { maxProperties: 512 })),
    debug: Type.Optional(Type.Boolean()),
    /** Per-item trace (pipeline/explain/); only with the console on (docs/operations/console.md). */
    explain: Type.Optional(Type.Boolean()),
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** The item the page shows: ItemCollaborativeFilterRecall lists its neighbours (PaiRec's field). */
    item_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type RecommendBody = Static<typeof RecommendBodySchema>;

export const DEFAULT_SCENE = 'default_scene';
export const DEFAULT_CATEGORY = 'default';
export const DEFAULT_SIZE = 10;

const validate = compileBody<RecommendBody>(RecommendBodySchema);

/** Validates a parsed body; throws a catalog error naming the field at fault. */
export function parseRecommendBody(body: unknown, maxSize: number): RecommendRequest {
  assertValid(validate, body);
  const size = body.size ?? DEFAULT_SIZE;
  if (size > maxSize) {
    throw new PairecError('ERR_INVALID_FIELD', `size must be <= ${maxSize}`, { path: 'size' });
  }
  return {
    requestId: body.request_id ?? randomUUID(),
    uid: body.uid,
    size,
    sceneId: body.scene_id ?? DEFAULT_SCENE,
    category: body.category ?? DEFAULT_CATEGORY,
    features: body.features === undefined ? {} : requestFeatures(body.features),
    debug: body.debug ?? false,
    ...(body.explain === true ? { explain: true } : {}),
    ...(body.item_id === undefined ? {} : { itemId: body.item_id }),
  };
}

/**
 * The body's features as the pipeline reads them: number arrays become Float32Arrays
 * (what models and vector indexes take). The body's own object is kept when it holds
 * no array, so a request with scalar features only allocates nothing here.
 */
export function requestFeatures(features: NonNullable<RecommendBody['features']>): RequestFeatures {
  let out: Record<string, RequestFeatures[string]> | undefined;
  for (const k in features) {
    const v = features[k];
    if (!Array.isArray(v)) continue;
    out ??= { ...features } as Record<string, RequestFeatures[string]>;
    const vector = Float32Array.from(v);
    // JSON numbers beyond float32's range (1e39) would become Infinity and poison a search.
    for (const x of vector) {
      if (!Number.isFinite(x)) throw new PairecError('ERR_INVALID_FIELD', `features.${k} holds a number beyond float32 range`, { path: `features.${k}` });
    }
    out[k] = vector;
  }
  return out ?? (features as RequestFeatures);
}
