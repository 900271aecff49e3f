import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PairecError } from '../errors.js';
import type { RecommendRequest } from '../pipeline/context.js';
import { assertValid, compileBody } from './validation.js';

const Feature = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** PaiRec's `/api/recommend` request body. */
export const RecommendBodySchema = Type.Object(
  {
    uid: Type.String({ minLength: 1, maxLength: 256 }),
    size: Type.Optional(Type.Integer({ minimum: 1 })),
    scene_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    features: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Feature, { maxProperties: 512 })),
    debug: Type.Optional(Type.Boolean()),
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
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
    features: body.features ?? {},
    debug: body.debug ?? false,
  };
}
