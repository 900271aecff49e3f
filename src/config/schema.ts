import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { ABTestConfSchema } from './experiment-schema.js';
import { FallbackConfigSchema, PerformanceExtraProps, RecallDaoConfSchema } from './pipeline-schema.js';
import { HologresConfSchema, SqlDaoProps, SqlFeatureProps, MysqlConfSchema } from './database-schema.js';
import { CatalogConfSchema } from './catalog-schema.js';

export { CatalogConfSchema, DemoCatalogSchema, FileSideSchema } from './catalog-schema.js';
export type { FileSideConf } from './catalog-schema.js';

/**
 * The one schema of the config file: PaiRec's keys (PascalCase) where the meaning
 * matches, plus the production block of the performance guide (snake_case, as the spec
 * writes it). Defaults live here and nowhere else; unknown keys are rejected.
 */
const strict = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { ...strict, default: {} });

export const ListenConfSchema = Obj({
  HttpAddr: Type.String({ default: '0.0.0.0' }),
  HttpPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  /** Largest request body accepted, in bytes; larger bodies get 413. */
  BodyLimit: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 65536 }),
  /** Upper bound of a request's `size`. */
  MaxSize: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
  /**
   * After SIGTERM, how long /ready answers 503 while requests are still served, so load
   * balancers stop sending before the listener closes.
   */
  DrainDelayMs: Type.Integer({ minimum: 0, maximum: 120_000, default: 1000 }),
  /** Whole request (headers and body) must arrive within this, ms; 408 otherwise. */
  RequestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  /** Headers must arrive within this, ms (slowloris bound); at most RequestTimeoutMs. */
  HeadersTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 10_000 }),
  /** An idle keep-alive connection is closed after this, ms. */
  KeepAliveTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 72_000 }),
  /**
   * A request body must arrive within this of its headers, ms; 408 ERR_BODY_TIMEOUT and the
   * connection closed otherwise. Short: a normal client sends its body with its headers.
   */
  BodyTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
  /**
   * Requests reading a body for more than a moment, at most; over it the one reading
   * longest is answered 408 ERR_BODY_TIMEOUT and closed (slow-body attacks are bounded).
   */
  MaxBodyReaders: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 256 }),
  /**
   * Client API of /api/recommend and /api/callback: `strict` (this engine's: JSON only,
   * unknown fields and bad values are 4xx with an error code) or `pairec` (PaiRec's: every
   * content type read as JSON, unknown fields ignored, HTTP 200 with PaiRec's code/msg;
   * docs/api.md "PaiRec compatibility mode").
   */
  ApiMode: Type.Union([Type.Literal('strict'), Type.Literal('pairec')], { default: 'strict' }),
});

export const LogConfSchema = Obj({
  /** PaiRec's log file retention and disk bound: accepted and ignored (config/compatibility.ts). */
  RetensionDays: Type.Optional(Type.Integer({ minimum: 0 })),
  DiskSize: Type.Optional(Type.Integer({ minimum: 0 })),
  /** PaiRec's log destination: accepted and ignored, logs go to stdout (config/compatibility.ts). */
  Output: Type.Optional(Type.Union([Type.Literal('console'), Type.Literal('file'), Type.Literal('')])),
  /** Any case: PaiRec writes glog's "INFO" (config/pairec-forms.ts). */
  LogLevel: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
});

/**
 * Optional on any algorithm: coalesce concurrent runs into backend calls of up to
 * BatchSize items (the performance guide's request batching).
 */
export const BatchConfSchema = Type.Object(
  {
    BatchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 256 }),
    BatchTimeoutMs: Type.Number({ minimum: 0, maximum: 1000, default: 2 }),
    /**
     * Runs that may wait for a batch; one more is rejected at once with ERR_QUEUE_FULL.
     * Default: what admission lets in (`performance.max_concurrent_requests` × the runs one
     * request makes of the algorithm, config/run-bounds.ts), as ONNX's MaxQueue.
     */
    MaxQueue: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type BatchConf = Static<typeof BatchConfSchema>;

/**
 * One algorithm. Name and Type are checked here; the body of its type's conf key
 * (LookupConf, AnnConf, ...) is checked against that type's own registered schema.
 */
export const AlgoConfSchema = Type.Object(
  {
    Name,
    Type: Type.String({ minLength: 1 }),
    BatchConf: Type.Optional(BatchConfSchema),
  },
  { additionalProperties: Type.Object({}, { additionalProperties: true }) },
);

/**
 * A RecallConfs entry: the keys every recall type has. A type's own keys (VectorRecall's
 * UserEmbedding, UserGroupHotRecall's Triggers, ...) are its definition's and are checked
 * against it (config/stage-confs.ts); other keys are refused there.
 */
export const RecallConfSchema = Type.Object({
  Name,
  RecallType: Type.String({ minLength: 1 }),
  RecallCount: Type.Integer({ minimum: 1, maximum: 10000, default: 300 }),
  /** Retrieval algorithm that answers a VectorRecall (ANN, FAISS, MILVUS ...). */
  AlgoName: Type.Optional(Name),
  /** PaiRec's recall result cache: accepted and ignored, each request recalls afresh (config/compatibility.ts). */
  CacheAdapter: Type.Optional(Type.String({ maxLength: 64 })),
  CacheConfig: Type.Optional(Type.String({ maxLength: 4096 })),
  CachePrefix: Type.Optional(Type.String({ maxLength: 256 })),
  CacheTime: Type.Optional(Type.Integer({ minimum: 0 })),
  /** This source's own limit in ms, inside the scene's recall budget. */
  Timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  /** UserGroupHotRecall (per group) and UserCustomRecall (per user) lists: Redis, Hologres or MySQL. */
  DaoConf: Type.Optional(RecallDaoConfSchema),
});

/**
 * PaiRec's RedisConfs entry (Host, Port, Password, DbNum, MaxIdle, ConnectTimeout,
 * ReadTimeout, WriteTimeout); timeouts in milliseconds. `Cluster` (not PaiRec's) lists
 * the seed nodes of a Redis Cluster; Host and Port are then ignored.
 */
export const RedisConfSchema = Type.Object(
  {
    Host: Type.String({ minLength: 1, maxLength: 255, default: '127.0.0.1' }),
    Port: Type.Integer({ minimum: 1, maximum: 65535, default: 6379 }),
    Password: Type.Optional(Type.String({ maxLength: 1024 })),
    DbNum: Type.Integer({ minimum: 0, maximum: 15, default: 0 }),
    /** Accepted and ignored, like WriteTimeout (config/compatibility.ts). */
    MaxIdle: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    ConnectTimeout: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
    ReadTimeout: Type.Integer({ minimum: 1, maximum: 60_000, default: 200 }),
    WriteTimeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
    Cluster: Type.Optional(
      Type.Array(Type.Object({ Host: Type.String({ minLength: 1, maxLength: 255 }), Port: Type.Integer({ minimum: 1, maximum: 65535 }) }, strict), {
        minItems: 1,
        maxItems: 64,
      }),
    ),
  },
  strict,
);

/** PaiRec's DaoConf, the subset used here: where an exposure filter keeps its exposures. */
export const DaoConfSchema = Type.Object(
  {
    AdapterType: Type.Union([Type.Literal('memory'), Type.Literal('redis'), Type.Literal('hologres'), Type.Literal('mysql')], { default: 'memory' }),
    RedisName: Type.Optional(Name),
    /** Key prefix of the per-user sorted sets. */
    RedisPrefix: Type.String({ maxLength: 128, default: 'pairec:exposure:' }),
    /** "hologres": PaiRec's exposure table (uid, item, create_time); "mysql": (uid, article_id, add_time). */
    ...SqlDaoProps,
  },
  strict,
);

/**
 * A FilterConfs entry: the keys every filter type has; TimeInterval, MaxItems and DaoConf
 * are the exposure filter's. A type's own keys are its definition's (config/stage-confs.ts).
 */
export const FilterConfSchema = Type.Object({
  Name,
  FilterType: Type.String({ minLength: 1 }),
  /** Item properties a condition may name beyond the catalog's (declared, so typos fail at load). */
  Fields: Type.Optional(Type.Array(Name, { maxItems: 256 })),
  /** Exposure filter: how long a shown item stays filtered, in seconds. */
  TimeInterval: Type.Integer({ minimum: 1, maximum: 365 * 86400, default: 86400 }),
  /** Redis exposure store: exposures kept per user (the oldest are trimmed). */
  MaxItems: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  DaoConf: Type.Optional(DaoConfSchema),
});

/**
 * One feature loader in PaiRec's FeatureConfs shape (FeatureLoadConfs[].FeatureDaoConf):
 * a Redis hash per user (`RedisPrefix + uid`) or per item (`RedisPrefix + item_id`).
 * Fields (HMGET) limits what is read, else HGETALL; Defaults fill missing fields.
 * AdapterType "file": a JSON Lines file (FilePath) held in memory, one object per user
 * or item, keyed by its KeyField; read at each config load.
 */
export const FeatureDaoConfSchema = Type.Object(
  {
    AdapterType: Type.Union([Type.Literal('redis'), Type.Literal('file'), Type.Literal('hologres'), Type.Literal('mysql')]),
    RedisName: Type.Optional(Name),
    /** "hologres" / "mysql": one row per user or item in HologresTableName / MysqlTable (docs/operations/hologres.md). */
    ...SqlFeatureProps,
    RedisPrefix: Type.String({ maxLength: 128, default: '' }),
    FilePath: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    KeyField: Type.String({ minLength: 1, maxLength: 128, default: 'id' }),
    FeatureStore: Type.Union([Type.Literal('user'), Type.Literal('item')]),
    Fields: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 256 })),
    Defaults: Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Union([Type.Number(), Type.String()]), {
      default: {},
    }),
    /**
     * Vector-valued fields and their length: a file's number array (or delimited string),
     * a Redis string as "text" (comma- or space-separated numbers) or "float32le" (packed
     * little-endian float32, 4 × Dim bytes). A value that does not parse to Dim finite
     * numbers fails a file's load; from Redis it is counted and left to the model's default.
     */
    Vectors: Type.Record(
      Type.String({ minLength: 1, maxLength: 128 }),
      Type.Object(
        {
          Dim: Type.Integer({ minimum: 1, maximum: 65536 }),
          Format: Type.Union([Type.Literal('text'), Type.Literal('float32le')], { default: 'text' }),
        },
        strict,
      ),
      { default: {}, maxProperties: 256 },
    ),
    /** Local LRU in front of Redis: entries kept and their lifetime in seconds (0 disables it). */
    CacheSize: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 10_000 }),
    CacheTime: Type.Integer({ minimum: 0, maximum: 86400, default: 60 }),
  },
  strict,
);
export const SceneFeatureSchema = Type.Object(
  {
    FeatureLoadConfs: Type.Array(Type.Object({ FeatureDaoConf: FeatureDaoConfSchema }, strict), { maxItems: 32 }),
    /**
     * PaiRec's AsynLoadFeature: the scene's user features load while recall runs instead of
     * after the filters (item features still load after them: they need the candidates).
     * Same results, less waiting: the features stage and any recall reading the user's
     * loaded features await that one load.
     */
    AsynLoadFeature: Type.Boolean({ default: false }),
  },
  strict,
);

/** A SortConfs entry: the keys every sort type has; a type's own keys are its definition's (config/stage-confs.ts). */
export const SortConfSchema = Type.Object({
  Name,
  SortType: Type.String({ minLength: 1 }),
  /** PaiRec's debug copy of the score before a boost (org_score): accepted and ignored (config/compatibility.ts). */
  Debug: Type.Optional(Type.Boolean()),
  /** Fields a boost or rule may name beyond the catalog's. */
  Fields: Type.Optional(Type.Array(Name, { maxItems: 256 })),
});

export const RankSceneSchema = Type.Object(
  {
    RankAlgoList: Type.Array(Name, { minItems: 1, maxItems: 16 }),
    /** Items per algorithm call. */
    BatchCount: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
    /**
     * The final score as an expression over the algorithms' outputs (PaiRec's RankScore):
     * `${name}` is an algorithm's score, `${name.key}` one of its score map entries.
     * Without it, the first algorithm's score is the item's score.
     */
    RankScore: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** PaiRec's request format of the rank call: accepted and ignored, each algorithm's own conf says it (config/compatibility.ts). */
    Processor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);

export const SceneCategorySchema = Type.Object(
  {
    RecallNames: Type.Array(Name, { minItems: 1, maxItems: 64 }),
    FallbackConfig: Type.Optional(FallbackConfigSchema),
    /**
     * A RecallConfs name (typically a UserGlobalHotRecall) whose items fill a page that
     * recall and filters left shorter than `size`; without it, the FallbackConfig list does.
     */
    BackfillRecall: Type.Optional(Name),
  },
  strict,
);

export const PerformanceSchema = Obj({
  /** The most runs of one ONNX model at once when its OnnxConf sets no MaxConcurrent (a cap on the mode's default). */
  worker_pool_size: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
  max_concurrent_requests: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  /** Shed recommend and callback requests while the event loop lags more than this, ms; 0 = off. */
  shed_loop_delay_ms: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  request_timeout_ms: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
  /** Accepted and ignored (config/compatibility.ts). */
  enable_pooling: Type.Optional(Type.Boolean()),
  gc_percent: Type.Integer({ minimum: 10, maximum: 10000, default: 100 }),
  ...PerformanceExtraProps,
});

export const MonitoringSchema = Obj({
  enable_metrics: Type.Boolean({ default: true }),
  /** Accepted and ignored (config/compatibility.ts). */
  metrics_interval_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  enable_tracing: Type.Boolean({ default: false }),
  sample_rate: Type.Number({ minimum: 0, maximum: 1, default: 0.01 }),
  /** OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); no export when absent. Read at start. */
  otlp_endpoint: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  /** GET /debug/pprof/*: off by default; loopback callers only unless a token is set (docs/operations/profiling.md). */
  profiling: Obj({
    enabled: Type.Boolean({ default: false }),
    /** Bearer token; when set, any caller presenting it may profile. Never logged. */
    token: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
  }),
  /**
   * GET /console (a read-only web console) and the `explain` request flag: off by default;
   * guarded as profiling is (docs/operations/console.md).
   */
  console: Obj({
    enabled: Type.Boolean({ default: false }),
    /** Bearer token; when set, any caller presenting it may use the console. Never logged, masked in the console. */
    token: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
  }),
});

export const OptimizationSchema = Obj({
  enable_compression: Type.Boolean({ default: false }),
  enable_keep_alive: Type.Boolean({ default: true }),
  max_idle_connections: Type.Integer({ minimum: 0, maximum: 100_000, default: 100 }),
  connection_timeout_seconds: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
  /** Remote backends (docs/operations/reliability.md): retries in progress ≤ this % of calls in progress … */
  retry_budget_percent: Type.Number({ minimum: 0, maximum: 100, default: 20 }),
  /** … but always this many. */
  retry_budget_min_concurrency: Type.Integer({ minimum: 0, maximum: 10_000, default: 3 }),
  /** Consecutive failures that eject a backend (circuit breaker); 0 disables the breaker. */
  circuit_breaker_failures: Type.Integer({ minimum: 0, maximum: 10_000, default: 5 }),
  /** Ejection time × n (n = consecutive ejections), capped at circuit_breaker_max_ejection_ms. */
  circuit_breaker_ejection_ms: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 30_000 }),
  circuit_breaker_max_ejection_ms: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 300_000 }),
  /** Bulkhead: calls in flight per backend; one more fails fast with ERR_BULKHEAD_FULL. 0 = no limit. */
  max_in_flight_per_backend: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1000 }),
});

const SceneMap = <T extends TSchema>(value: T, minProperties = 0) => Type.Record(Name, value, { default: {}, additionalProperties: false, minProperties });

export const ConfigSchema = Type.Object(
  {
    ListenConf: ListenConfSchema,
    /** PaiRec's run mode ("daily" | "product") and cloud region: accepted and ignored (config/compatibility.ts). */
    RunMode: Type.Optional(Type.String({ maxLength: 64 })),
    Region: Type.Optional(Type.String({ maxLength: 64 })),
    LogConf: LogConfSchema,
    CatalogConf: Type.Optional(CatalogConfSchema),
    AlgoConfs: Type.Array(AlgoConfSchema, { default: [], maxItems: 1000 }),
    RecallConfs: Type.Array(RecallConfSchema, { default: [], maxItems: 1000 }),
    SortConfs: Type.Array(SortConfSchema, { default: [], maxItems: 1000 }),
    FilterConfs: Type.Array(FilterConfSchema, { default: [], maxItems: 1000 }),
    /** In-memory exposure store bounds (exposures recorded by POST /api/callback). */
    ExposureConf: Obj({
      MaxItemsPerUser: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
      MaxUsers: Type.Integer({ minimum: 1, maximum: 100_000_000, default: 1_000_000 }),
      /** Bytes bound of the store; 0 = a share of the process's heap (sizing/sizing.ts). */
      MaxBytes: Type.Integer({ minimum: 0, maximum: 2 ** 40, default: 0 }),
      /** File the exposures are saved to and loaded from at start, so they outlive a full restart; '' = none. */
      SnapshotFile: Type.String({ maxLength: 4096, default: '' }),
      /** Seconds between two writes of SnapshotFile (it is also written at exit). */
      SnapshotIntervalS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
    }),
    /** Named Redis connections (PaiRec's RedisConfs). */
    RedisConfs: SceneMap(RedisConfSchema),
    /** Named PostgreSQL-protocol databases (PaiRec's HologresConfs). */
    HologresConfs: SceneMap(HologresConfSchema),
    /** Named MySQL / MariaDB databases (PaiRec's MysqlConfs). */
    MysqlConfs: SceneMap(MysqlConfSchema),
    /** Per scene, features loaded before rank (PaiRec's FeatureConfs: Redis, Hologres or files). */
    FeatureConfs: SceneMap(SceneFeatureSchema),
    SceneConfs: SceneMap(SceneMap(SceneCategorySchema, 1)),
    RankConf: SceneMap(RankSceneSchema),
    FilterNames: SceneMap(Type.Array(Name, { maxItems: 64 })),
    SortNames: SceneMap(Type.Array(Name, { maxItems: 64 })),
    performance: PerformanceSchema,
    monitoring: MonitoringSchema,
    optimization: OptimizationSchema,
    /** A/B experiments: layers, groups, experiments and their parameters (docs/experiments.md). */
    ABTestConf: Type.Optional(ABTestConfSchema),
  },
  strict,
);

export type Config = Static<typeof ConfigSchema>;
export type AlgoConf = Static<typeof AlgoConfSchema>;
export type RecallConf = Static<typeof RecallConfSchema>;
export type FilterConf = Static<typeof FilterConfSchema>;
export type SortConf = Static<typeof SortConfSchema>;
export type CatalogConf = Static<typeof CatalogConfSchema>;
export type RankSceneConf = Static<typeof RankSceneSchema>;
export type RedisConf = Static<typeof RedisConfSchema>;
export type FeatureDaoConf = Static<typeof FeatureDaoConfSchema>;
