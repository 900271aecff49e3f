import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

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

/** Keys a FilterConfs entry may add for ItemStateFilter, ConditionFilter and User2ItemCustomFilter. */
export const FilterExtraProps = {
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

/** PaiRec's MixSortConfig, fix_position strategy: items of RecallNames at Positions (1-based). */
export const MixSortRuleSchema = Type.Object(
  {
    MixStrategy: Type.Literal('fix_position', { default: 'fix_position' }),
    Positions: Type.Array(Type.Integer({ minimum: 1, maximum: 10000 }), { minItems: 1, maxItems: 1000 }),
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

/** RecallConfs[].Timeout: this source's own limit in ms, inside the scene's recall budget. */
export const RecallTimeoutProp = { Timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })) };

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
