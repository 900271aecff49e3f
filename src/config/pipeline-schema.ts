import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { SqlDaoProps } from './database-schema.js';

/**
 * Schemas the pipeline's entries share (a recall's DaoConf, a scene's FallbackConfig, the
 * recall budget) and the building blocks recall, filter and sort types use for their own
 * keys (each type's keys live in its definition, the files of src/pipeline/recall, filter and sort). Kept beside schema.ts,
 * which embeds them, so that file stays one screenful per concept.
 */
export const strict = { additionalProperties: false } as const;
export const NameSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
const Name = NameSchema;
/** Expressions are bounded by their parser (with a message naming the limit), not here. */
export const ExpressionSchema = Type.String({ minLength: 1, maxLength: 65536 });
/** A condition's value: one scalar. */
export const ScalarSchema = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** How a Redis key holds a scored item list: PaiRec's "id:score,id2" string, a list of such entries, or a sorted set. */
export const redisDataType = (byDefault: 'string' | 'list' | 'zset') =>
  Type.Union([Type.Literal('string'), Type.Literal('list'), Type.Literal('zset')], { default: byDefault });

/**
 * A recall's DAO (PaiRec's DaoConf): Redis, one key per user or group (`RedisPrefix + id`);
 * or Hologres / MySQL, PaiRec's table (user_id | trigger_id, item_ids) in HologresTableName / MysqlTable.
 */
export const RecallDaoConfSchema = Type.Object(
  {
    AdapterType: Type.Union([Type.Literal('redis'), Type.Literal('hologres'), Type.Literal('mysql')]),
    /** Required by AdapterType "redis" (config/pipeline-references.ts). */
    RedisName: Type.Optional(Name),
    ...SqlDaoProps,
    RedisPrefix: Type.String({ maxLength: 128, default: '' }),
    RedisDataType: redisDataType('string'),
  },
  strict,
);
export type RecallDaoConf = Static<typeof RecallDaoConfSchema>;

/**
 * PaiRec's FallbackConfig (per scene and category): the popular list served when rank
 * fails, too little time is left for a stage, or the pipeline has not answered after
 * Timeout ms (default: 90 % of the request timeout). Built from the catalog at load.
 */
export const FallbackConfigSchema = Type.Object(
  {
    Timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
    /** Items held (and at most served). */
    Size: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
  },
  strict,
);
export type FallbackConfig = Static<typeof FallbackConfigSchema>;

/** performance keys of the recall budget and the stage guard. */
export const PerformanceExtraProps = {
  /** Overall recall budget, ms (default: half of request_timeout_ms). */
  recall_timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  /** No filter, rank or sort stage starts with less than this left before the deadline, ms. */
  min_stage_ms: Type.Integer({ minimum: 0, maximum: 60_000, default: 5 }),
};
