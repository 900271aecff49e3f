import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { SqlDaoProps } from './database-schema.js';

/**
 * Schemas of the pipeline's filter, sort, recall-timeout and fallback keys, in PaiRec's
 * names (FilterConfs, SortConfs, RecallConfs, SceneConfs…FallbackConfig). Kept beside
 * schema.ts, which embeds them, so that file stays one screenful per concept.
 */
const strict = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
/** Expressions are bounded by their parser (with a message naming the limit), not here. */
const Expression = Type.String({ minLength: 1, maxLength: 65536 });
const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** PaiRec's FilterParamConfig: one condition on an item property, all of a list must hold. */
export const FilterParamSchema = Type.Object(
  {
    Name,
    Operator: Type.Union(
      ['equal', 'not_equal', 'in', 'not_in', 'greater', 'greaterThan', 'less', 'lessThan', 'is_null', 'is_not_null'].map((o) =>
        Type.Literal(o),
      ),
    ),
    Value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { maxItems: 10000 })])),
  },
  strict,
);
export type FilterParam = Static<typeof FilterParamSchema>;

/** PaiRec's AdjustCountConfig: PriorityAdjustCountFilter takes up to Count items of RecallName. */
export const AdjustCountConfSchema = Type.Object(
  {
    RecallName: Name,
    Count: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** "fix": up to Count of this recall; "accumulator": until the accumulator entries so far hold Count. */
    Type: Type.Union([Type.Literal('fix'), Type.Literal('accumulator')], { default: 'accumulator' }),
  },
  strict,
);
export type AdjustCountConf = Static<typeof AdjustCountConfSchema>;

/** Keys a FilterConfs entry may add for ItemStateFilter, ConditionFilter, User2ItemCustomFilter and the count filters. */
export const FilterExtraProps = {
  /** AdjustCountFilter: candidates kept (a random RetainNum of them, or the first with ShuffleItem false). */
  RetainNum: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  /** AdjustCountFilter: a random RetainNum (absent or true, PaiRec's default) or the first RetainNum (false). */
  ShuffleItem: Type.Optional(Type.Boolean()),
  /** PriorityAdjustCountFilter: per recall, in order, how many candidates it contributes. */
  AdjustCountConfs: Type.Optional(Type.Array(AdjustCountConfSchema, { minItems: 1, maxItems: 64 })),
  /** PriorityAdjustCountFilter: PaiRec's diversity quota needs its DiversityDaoConf, which is not supported (only false). */
  EnsureDiversity: Type.Optional(Type.Boolean()),
  /** ConditionFilter: keep the items for which this condition holds. */
  FilterEvaluableExpression: Type.Optional(Expression),
  /** ItemStateFilter: keep the catalog items whose properties meet every parameter. */
  FilterParams: Type.Optional(Type.Array(FilterParamSchema, { minItems: 1, maxItems: 64 })),
  /** Item properties a condition may name beyond the catalog's (declared, so typos fail at load). */
  Fields: Type.Optional(Type.Array(Name, { maxItems: 256 })),
  /** User2ItemCustomFilter: item ids never shown to a user; the key "*" applies to every user. */
  UserBlacklist: Type.Optional(
    Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100_000 }), {
      maxProperties: 100_000,
    }),
  ),
};

/** PaiRec's DiversityRuleConfig: within any WindowSize consecutive items, at most FrequencySize share Dimensions' values. */
export const DiversityRuleSchema = Type.Object(
  {
    Dimensions: Type.Array(Name, { minItems: 1, maxItems: 8 }),
    WindowSize: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
    FrequencySize: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  },
  strict,
);
export type DiversityRule = Static<typeof DiversityRuleSchema>;

/** PaiRec's BoostScoreCondition: items meeting Conditions get score = Expression (over `score` and item numbers). */
export const BoostScoreConditionSchema = Type.Object(
  { Expression, Conditions: Type.Array(FilterParamSchema, { default: [], maxItems: 64 }) },
  strict,
);

/**
 * PaiRec's MixSortConfig: items of RecallNames at Positions (1-based, fix_position), or
 * `Number` of them (or `NumberRate` of the page) at random positions of the page
 * (random_position; within Positions when given).
 */
export const MixSortRuleSchema = Type.Object(
  {
    MixStrategy: Type.Union([Type.Literal('fix_position'), Type.Literal('random_position')], { default: 'fix_position' }),
    Positions: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 10000 }), { minItems: 1, maxItems: 1000 })),
    Number: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    NumberRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    RecallNames: Type.Array(Name, { minItems: 1, maxItems: 64 }),
  },
  strict,
);

export const SortExtraProps = {
  /** DiversityRuleSort: the rules, and how many leading positions they shape (default: all). */
  DiversityRules: Type.Optional(Type.Array(DiversityRuleSchema, { minItems: 1, maxItems: 16 })),
  DiversitySize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  /** BoostScoreSort: rewritten scores, then by score again. */
  BoostScoreConditions: Type.Optional(Type.Array(BoostScoreConditionSchema, { minItems: 1, maxItems: 64 })),
  /** MultiRecallMixSort: positions reserved for recall sources. */
  MixSortRules: Type.Optional(Type.Array(MixSortRuleSchema, { minItems: 1, maxItems: 64 })),
  /** Fields a boost may name beyond the catalog's. */
  Fields: Type.Optional(Type.Array(Name, { maxItems: 256 })),
};

/** How a Redis key holds a scored item list: PaiRec's "id:score,id2" string, a list of such entries, or a sorted set. */
const redisDataType = (byDefault: 'string' | 'list' | 'zset') =>
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
 * PaiRec's UserCollaborativeDaoConf on Redis: User2ItemTable / Item2ItemTable are the key
 * prefixes of a user's recent items and of an item's neighbour list.
 */
export const UserCollaborativeDaoConfSchema = Type.Object(
  {
    AdapterType: Type.Literal('redis'),
    RedisName: Name,
    User2ItemTable: Type.String({ maxLength: 128, default: '' }),
    Item2ItemTable: Type.String({ maxLength: 128, default: '' }),
    User2ItemDataType: redisDataType('list'),
    Item2ItemDataType: redisDataType('string'),
    /** The user's most recent items used as triggers (PaiRec's TriggerCount). */
    TriggerCount: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  },
  strict,
);
export type UserCollaborativeDaoConf = Static<typeof UserCollaborativeDaoConfSchema>;

/** PaiRec's TriggerConfig: a user feature naming the user's group; Boundaries bucket a number. */
export const TriggerConfSchema = Type.Object(
  {
    TriggerKey: Name,
    DefaultValue: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    Boundaries: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 64 })),
  },
  strict,
);
export type TriggerConf = Static<typeof TriggerConfSchema>;

/** RecallConfs keys beyond Name/RecallType/RecallCount/AlgoName. */
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

export const RecallExtraProps = {
  /** VectorRecall: the user's query vector (UserEmbeddingConfSchema). */
  UserEmbedding: Type.Optional(UserEmbeddingConfSchema),
  /** This source's own limit in ms, inside the scene's recall budget. */
  Timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  /** UserGroupHotRecall: the user's group (default: the `category` feature). */
  Triggers: Type.Optional(Type.Array(TriggerConfSchema, { minItems: 1, maxItems: 4 })),
  /** UserGroupHotRecall (per group) and UserCustomRecall (per user) lists in Redis. */
  DaoConf: Type.Optional(RecallDaoConfSchema),
  /** ItemCollaborativeFilterRecall: the user's recent items and each item's neighbours. */
  UserCollaborativeDaoConf: Type.Optional(UserCollaborativeDaoConfSchema),
};

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
