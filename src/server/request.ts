import { Ajv } from 'ajv';
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PairecError } from '../errors.js';
import type { RecommendRequest } from '../pipeline/context.js';

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

const validate = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: false }).compile<RecommendBody>(
  RecommendBodySchema,
);

function fieldName(pointer: string): string {
  return pointer.replace(/^\//, '').replace(/\//g, '.');
}

/** Validates a parsed body; throws a catalog error naming the field at fault. */
export function parseRecommendBody(body: unknown, maxSize: number): RecommendRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PairecError('ERR_INVALID_FIELD', 'the request body must be a JSON object', { path: '$' });
  }
  if (!validate(body)) {
    const e = validate.errors?.[0];
    const params = (e?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    if (e?.keyword === 'required' && params.missingProperty) {
      throw new PairecError('ERR_MISSING_FIELD', `${params.missingProperty} is required`, { path: params.missingProperty });
    }
    if (e?.keyword === 'additionalProperties' && params.additionalProperty) {
      const f = [fieldName(e.instancePath), params.additionalProperty].filter(Boolean).join('.');
      throw new PairecError('ERR_UNKNOWN_FIELD', `${f} is not a field of this request`, { path: f });
    }
    const f = fieldName(e?.instancePath ?? '') || '$';
    throw new PairecError('ERR_INVALID_FIELD', `${f} ${e?.message ?? 'is invalid'}`, { path: f });
  }
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
