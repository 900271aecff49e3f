import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { FallbackConfigSchema } from './pipeline-schema.js';

/**
 * ABTestConf: PaiRec's experiment model (experiment room → layers → experiment groups →
 * experiments, each with buckets and parameters) held in the config file itself, where
 * PaiRec reads it from its cloud console. Kept beside schema.ts, which embeds it.
 */
const strict = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
const Id = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });

/**
 * What an experiment (or its group) changes in the scenes of its layer: the keys a scene
 * and category can set, by the same names. Unset keys keep the scene's own value.
 */
export const ExperimentParamsSchema = Type.Object(
  {
    /** Replaces every category's RecallNames. */
    RecallNames: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 64 })),
    /** RecallConfs name → RecallCount, for this experiment's requests only. */
    RecallCounts: Type.Optional(Type.Record(Name, Type.Integer({ minimum: 1, maximum: 10000 }), { maxProperties: 64 })),
    /** Replaces the scene's FilterNames / SortNames. */
    FilterNames: Type.Optional(Type.Array(Name, { maxItems: 64 })),
    SortNames: Type.Optional(Type.Array(Name, { maxItems: 64 })),
    /** Overrides the scene's RankConf key by key (RankAlgoList, RankScore, BatchCount). */
    RankConf: Type.Optional(
      Type.Object(
        {
          RankAlgoList: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 16 })),
          RankScore: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          BatchCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
        },
        strict,
      ),
    ),
    FallbackConfig: Type.Optional(FallbackConfigSchema),
    BackfillRecall: Type.Optional(Name),
  },
  { ...strict, default: {} },
);
export type ExperimentParams = Static<typeof ExperimentParamsSchema>;

/** "0-49,60,70-79": buckets and inclusive ranges of buckets. */
const Buckets = Type.String({ minLength: 1, maxLength: 4096, pattern: '^\\d{1,5}(-\\d{1,5})?(,\\d{1,5}(-\\d{1,5})?)*$' });

export const ExperimentSchema = Type.Object(
  {
    ExperimentId: Id,
    ExperimentName: Type.Optional(Type.String({ maxLength: 256 })),
    /** The layer's buckets this experiment takes; at most one experiment of a group holds a bucket. */
    Buckets,
    /** Kill switch: "stopped" matches nothing, its traffic goes back to its group's base. */
    Status: Type.Union([Type.Literal('running'), Type.Literal('stopped')], { default: 'running' }),
    /** uids that always get this experiment (its group's filter and the buckets aside), for testing it live. */
    DebugUsers: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { default: [], maxItems: 10_000 }),
    Params: ExperimentParamsSchema,
  },
  strict,
);

export const ExperimentGroupSchema = Type.Object(
  {
    ExpGroupId: Id,
    ExpGroupName: Type.Optional(Type.String({ maxLength: 256 })),
    /**
     * Who the group is for, a condition of the one expression language over `uid`,
     * `scene_id`, `category` and the request's `features.<name>`. The first group of a
     * layer whose Filter holds (or that has none) is the request's group in that layer.
     */
    Filter: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** Parameters of every request of the group (its base); an experiment's own come on top. */
    Params: ExperimentParamsSchema,
    Experiments: Type.Array(ExperimentSchema, { default: [], maxItems: 64 }),
  },
  strict,
);

export const LayerSchema = Type.Object(
  {
    LayerId: Id,
    LayerName: Type.Optional(Type.String({ maxLength: 256 })),
    /** Scenes the layer applies to (default: every scene). */
    Scenes: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 256 })),
    /** What is hashed into a bucket: the uid, or a request feature (`features.device_id`). */
    HashField: Type.String({ default: 'uid', pattern: '^(uid|features\\.[A-Za-z0-9_.:-]{1,128})$' }),
    /** Salt of the layer's hash (default "L<LayerId>"): layers split traffic independently of one another. */
    Salt: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    ExperimentGroups: Type.Array(ExperimentGroupSchema, { minItems: 1, maxItems: 32 }),
  },
  strict,
);

/**
 * Experiments served by a URL (PaiRec's console, or any HTTP server): its JSON document,
 * an ABTestConf without Remote, is written over the file's ABTestConf and validated with
 * the whole config; polled with If-None-Match; the last good document is kept on error.
 */
export const RemoteExperimentsSchema = Type.Object(
  {
    Url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    /** Seconds between polls (fractions allowed: tests poll every 0.2 s). */
    PollIntervalS: Type.Number({ minimum: 0.2, maximum: 86_400, default: 30 }),
    TimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
  },
  strict,
);
export type RemoteExperimentsConf = Static<typeof RemoteExperimentsSchema>;

export const ABTestConfSchema = Type.Object(
  {
    Remote: Type.Optional(RemoteExperimentsSchema),
    /** Kill switch of every experiment: false serves every request the scenes' own config. */
    Enabled: Type.Boolean({ default: true }),
    /** PaiRec's experiment room id, the "ER<id>" head of an experiment_id. */
    ExpRoomId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, default: 1 }),
    /** Buckets a layer's traffic is split into (100: one bucket per percent). */
    BucketCount: Type.Integer({ minimum: 2, maximum: 10000, default: 100 }),
    Layers: Type.Array(LayerSchema, { default: [], maxItems: 16 }),
  },
  strict,
);
export type ABTestConf = Static<typeof ABTestConfSchema>;
export type LayerConf = Static<typeof LayerSchema>;
export type ExperimentGroupConf = Static<typeof ExperimentGroupSchema>;
export type ExperimentConf = Static<typeof ExperimentSchema>;
