/** pairec-ts: recommendation serving engine. Library entry point. */
export type {
  Algorithm,
  AlgorithmKind,
  AlgorithmKinds,
  AlgoResponse,
  AnyAlgorithm,
  FeatureMap,
  KindInput,
  KindOutput,
  Neighbours,
  RetrievalInput,
  RunContext,
  RunRequest,
  ScoreInput,
} from './algorithm/contract.js';
export { inputSizeOf } from './algorithm/contract.js';
export { AlgorithmBase } from './algorithm/base.js';
export { AlgorithmRegistry } from './algorithm/registry.js';
export type { AlgorithmTypeDef, BuildDeps, RequestTransformer } from './algorithm/registry.js';
export { AlgorithmFactory } from './algorithm/factory.js';
export type { BuildReport, PendingAlgorithms } from './algorithm/factory.js';
export { AlgorithmSet } from './algorithm/algorithm-set.js';
export { createDefaultRegistry } from './algorithm/builtins.js';
export { TypeRegistry } from './types/type-registry.js';
export type { NamedType, TypeLookup } from './types/type-registry.js';
export type { StageCheck, StageTypeInfo, WithKeys } from './types/stage-type.js';
export { createDefaultPipelineTypes } from './pipeline/types.js';
export type { PipelineTypes } from './pipeline/types.js';
export { defineRecallType } from './pipeline/recall/index.js';
export type { RecallEnv, RecallSource, RecallTypeDef } from './pipeline/recall/index.js';
export { defineFilterType } from './pipeline/filter/index.js';
export type { DropReason, Filter, FilterEnv, FilterTypeDef } from './pipeline/filter/index.js';
export { defineSortType } from './pipeline/sort/index.js';
export type { Sort, SortOptions, SortTypeDef } from './pipeline/sort/index.js';
export type { Candidate, PipelineContext } from './pipeline/context.js';
export { compose } from './algorithm/middleware/compose.js';
export type { Middleware } from './algorithm/middleware/compose.js';
export { withMetrics } from './algorithm/middleware/metrics.js';
export { lookupType, LookupAlgorithm } from './algorithm/lookup/index.js';
export { annType, AnnAlgorithm } from './algorithm/ann/index.js';
export { Engine } from './engine/engine.js';
export type { EngineSnapshot, ApplyResult } from './engine/engine.js';
export { recommend } from './engine/recommend.js';
export { parseConfig } from './config/validate.js';
export type { ConfigVocabulary } from './config/validate.js';
export type { Config, AlgoConf } from './config/schema.js';
export { createMetrics, ALGORITHM_DURATION_BUCKETS, ALGORITHM_INPUT_SIZE_BUCKETS } from './observability/metrics.js';
export type { EngineMetrics } from './observability/metrics.js';
export { buildApp } from './server/app.js';
export { startServer } from './server/start.js';
export type { RunningServer, StartOptions } from './server/start.js';
export { PairecError, ConfigError, ERROR_CATALOG } from './errors.js';
export type { ErrorCode } from './errors.js';
