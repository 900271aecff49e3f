import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import { BoundHistogram } from './bound-histogram.js';
import { createPoolMetrics } from './pool-metrics.js';
import type { PoolMetrics } from './pool-metrics.js';
import { createCatalogMetrics } from './catalog-metrics.js';
import type { CatalogMetrics } from './catalog-metrics.js';
import { createDatabaseMetrics } from './database-metrics.js';
import type { DatabaseMetrics } from './database-metrics.js';
import { createPairecCompatMetrics } from './pairec-metrics.js';
import type { PairecCompatMetrics } from './pairec-metrics.js';

/** The spec's algorithm duration buckets, in seconds. */
export const ALGORITHM_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The spec's input size buckets: 1, 2, 4 ... 16384. */
export const ALGORITHM_INPUT_SIZE_BUCKETS = exponentialBuckets(1, 2, 15);

/**
 * Every metric the engine records, on a registry it is given (never prom-client's
 * global one, so tests and embedders get isolated registries). Label values come only
 * from closed sets: configured names, route templates, status classes.
 */
export interface EngineMetrics {
  readonly registry: Registry;
  readonly algorithmDuration: BoundHistogram<'algorithm_name' | 'algorithm_type'>;
  readonly algorithmRequests: Counter<'algorithm_name' | 'algorithm_type' | 'status'>;
  readonly algorithmInputSize: BoundHistogram<'algorithm_name'>;
  readonly algorithmBuildFailures: Counter<'algorithm_name' | 'algorithm_type'>;
  readonly configReloads: Counter<'result'>;
  readonly configInfo: Gauge<'signature'>;
  readonly catalog: CatalogMetrics;
  readonly requestDuration: BoundHistogram<'route' | 'scene' | 'code'>;
  readonly stageDuration: BoundHistogram<'scene' | 'stage'>;
  readonly invalidValues: Counter<'algorithm_name'>;
  readonly backendFailures: Counter<'algorithm_name' | 'reason'>;
  /** Recall sources that contributed nothing: `recall_name` from RecallConfs, `reason` timeout | error. */
  readonly recallFailures: Counter<'scene' | 'recall_name' | 'reason'>;
  /** Requests answered from the scene's fallback list; `reason` one of FALLBACK_REASONS (pipeline/fallback.ts). */
  readonly fallbacks: Counter<'scene' | 'reason'>;
  /** Pages that came out of the pipeline shorter than the request's size (PaiRec's "size not enough"); back-filled when the scene can. */
  readonly itemsNotEnough: Counter<'scene'>;
  /** Failed Redis calls; `redis` is a RedisConfs name, `operation` one of REDIS_OPERATIONS. */
  readonly redisFailures: Counter<'redis' | 'operation'>;
  /**
   * Stored or requested feature values not used (a vector that does not parse or has the
   * wrong length), so the model's default stood in: `source` redis | request, `feature` a
   * configured name (FeatureDaoConf.Vectors or a model's feature spec), `reason` one of VECTOR_FAULTS.
   */
  readonly featureDefaults: Counter<'source' | 'feature' | 'reason'>;
  /** Worker pools, batching queues and connection pools (observability/pool-metrics.ts). */
  readonly pools: PoolMetrics;
  /** Hologres/PostgreSQL pools, query durations and failures (observability/database-metrics.ts). */
  readonly databases: DatabaseMetrics;
  /** Circuit breaker per remote backend: 0 closed, 1 half-open, 2 open (`algorithm_name` from AlgoConfs). */
  readonly breakerState: Gauge<'algorithm_name'>;
  /** Calls refused before reaching a backend; `reason` one of REJECTION_REASONS (algorithm/middleware/backend-guard.ts). */
  readonly backendRejections: Counter<'algorithm_name' | 'reason'>;
  /**
   * Requests of scenes with experiment layers, by the experiment_id they got ("" none):
   * the configured combinations only, so the label set stays bounded (docs/experiments.md).
   */
  readonly experimentRequests: BoundHistogram<'scene' | 'experiment_id' | 'code'>;
  readonly experimentItems: Counter<'scene' | 'experiment_id'>;
  readonly experimentFallbacks: Counter<'scene' | 'experiment_id'>;
  /** Items reported shown through /api/callback, by the experiment_id the caller sent back (configured ones only, else ""). */
  readonly experimentExposures: Counter<'experiment_id'>;
  /** Polls of ABTestConf.Remote by result: updated, unchanged, invalid (refused, the last good set kept), error (unreachable, not JSON). */
  readonly experimentFetches: Counter<'result'>;
  /** PaiRec's own metric names beside these (observability/pairec-metrics.ts). */
  readonly pairec: PairecCompatMetrics;
}

/** The closed set of `operation` labels of pairec_redis_failures_total. */
export const REDIS_OPERATIONS = ['exposure_add', 'exposure_seen', 'features', 'recall'] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

/** The GC kinds prom-client's GC histogram labels (perf_hooks' four kinds). */
export const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;

/**
 * prom-client's process and Node.js metrics (CPU, memory, file descriptors, event-loop
 * lag, heap spaces, GC) under the engine's `pairec_` prefix: `pairec_process_cpu_seconds_total`,
 * `pairec_nodejs_gc_duration_seconds` …
 */
function registerRuntimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'pairec_' });
  // prom-client names three gauges `…_total`, which `promtool check metrics` rejects (the
  // suffix promises a counter); their per-type siblings without the suffix stay.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`pairec_nodejs_${name}`);
  }
  // Every GC kind's series exists from the start (at 0), not from its first GC, so the
  // series count does not grow as the process ages and rate() over a kind is never absent.
  const gc = registry.getSingleMetric('pairec_nodejs_gc_duration_seconds');
  if (gc instanceof Histogram) for (const kind of GC_KINDS) gc.zero({ kind });
}

export function createMetrics(registry: Registry = new Registry(), options: { defaultMetrics?: boolean } = {}): EngineMetrics {
  if (options.defaultMetrics !== false) registerRuntimeMetrics(registry);
  const registers = [registry];
  return {
    registry,
    algorithmDuration: new BoundHistogram({
      name: 'pairec_algorithm_duration_seconds',
      help: 'Time spent executing algorithms',
      buckets: ALGORITHM_DURATION_BUCKETS,
      labelNames: ['algorithm_name', 'algorithm_type'],
      registers,
    }),
    algorithmRequests: new Counter({
      name: 'pairec_algorithm_requests_total',
      help: 'Total number of algorithm requests',
      labelNames: ['algorithm_name', 'algorithm_type', 'status'],
      registers,
    }),
    algorithmInputSize: new BoundHistogram({
      name: 'pairec_algorithm_input_size',
      help: 'Size of algorithm input',
      buckets: ALGORITHM_INPUT_SIZE_BUCKETS,
      labelNames: ['algorithm_name'],
      registers,
    }),
    algorithmBuildFailures: new Counter({
      name: 'pairec_algorithm_build_failures_total',
      help: 'Algorithm builds that failed; the previous instance kept serving',
      labelNames: ['algorithm_name', 'algorithm_type'],
      registers,
    }),
    configReloads: new Counter({
      name: 'pairec_config_reloads_total',
      help: 'Config reloads by result (success, invalid, build_failed)',
      labelNames: ['result'],
      registers,
    }),
    catalog: createCatalogMetrics(registers),
    configInfo: new Gauge({
      name: 'pairec_config_info',
      help: 'Signature of the config being served (value 1)',
      labelNames: ['signature'],
      registers,
    }),
    requestDuration: new BoundHistogram({
      name: 'pairec_request_duration_seconds',
      help: 'HTTP request duration by route template, scene and status class',
      buckets: ALGORITHM_DURATION_BUCKETS,
      labelNames: ['route', 'scene', 'code'],
      registers,
    }),
    stageDuration: new BoundHistogram({
      name: 'pairec_stage_duration_seconds',
      help: 'Pipeline stage duration by scene and stage (recall, filter, features, rank, sort)',
      buckets: ALGORITHM_DURATION_BUCKETS,
      labelNames: ['scene', 'stage'],
      registers,
    }),
    invalidValues: new Counter({
      name: 'pairec_algorithm_invalid_values_total',
      help: 'Feature values an algorithm could not use (non-numeric where a number was needed)',
      labelNames: ['algorithm_name'],
      registers,
    }),
    recallFailures: new Counter({
      name: 'pairec_recall_failures_total',
      help: 'Recall sources that contributed nothing: failed (error), answered after their timeout or the recall budget (timeout), or had no user vector to search with (no_user_vector); the request went on without them',
      labelNames: ['scene', 'recall_name', 'reason'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'pairec_fallback_total',
      help: 'Requests answered with the scene fallback list, by reason (rank_failed, deadline, timeout, error)',
      labelNames: ['scene', 'reason'],
      registers,
    }),
    itemsNotEnough: new Counter({
      name: 'pairec_items_not_enough_total',
      help: 'Requests whose recall and filters left fewer items than size (PaiRec "size not enough"); the page is back-filled from the scene BackfillRecall or fallback list when it has one',
      labelNames: ['scene'],
      registers,
    }),
    backendFailures: new Counter({
      name: 'pairec_backend_failures_total',
      help: 'Failed calls to a remote model backend, every attempt counted, by reason (connect, timeout, status, reply, too_large, aborted)',
      labelNames: ['algorithm_name', 'reason'],
      registers,
    }),
    redisFailures: new Counter({
      name: 'pairec_redis_failures_total',
      help: 'Failed Redis calls by RedisConfs name and operation (exposure_add, exposure_seen, features, recall); the request went on degraded',
      labelNames: ['redis', 'operation'],
      registers,
    }),
    featureDefaults: new Counter({
      name: 'pairec_feature_defaults_total',
      help: 'Feature values not used, by source (redis, request), configured feature name and reason (malformed, wrong_length, non_finite); the model default stood in',
      labelNames: ['source', 'feature', 'reason'],
      registers,
    }),
    pools: createPoolMetrics(registry, ALGORITHM_INPUT_SIZE_BUCKETS),
    databases: createDatabaseMetrics(registry, ALGORITHM_DURATION_BUCKETS),
    breakerState: new Gauge({
      name: 'pairec_backend_circuit_state',
      help: 'Circuit breaker of each remote backend: 0 closed, 1 half-open (one trial call), 2 open (ejected, calls fail fast)',
      labelNames: ['algorithm_name'],
      registers,
    }),
    backendRejections: new Counter({
      name: 'pairec_backend_rejections_total',
      help: 'Backend calls not made, by reason (circuit_open, bulkhead_full, retry_budget)',
      labelNames: ['algorithm_name', 'reason'],
      registers,
    }),
    experimentRequests: new BoundHistogram({
      name: 'pairec_experiment_request_duration_seconds',
      help: 'Recommend requests of scenes with experiment layers, by scene, experiment_id ("" for none matched) and status class',
      buckets: ALGORITHM_DURATION_BUCKETS,
      labelNames: ['scene', 'experiment_id', 'code'],
      registers,
    }),
    experimentItems: new Counter({
      name: 'pairec_experiment_items_total',
      help: 'Items served by scenes with experiment layers, by scene and experiment_id',
      labelNames: ['scene', 'experiment_id'],
      registers,
    }),
    experimentFallbacks: new Counter({
      name: 'pairec_experiment_fallbacks_total',
      help: 'Requests of scenes with experiment layers answered from the fallback list, by scene and experiment_id',
      labelNames: ['scene', 'experiment_id'],
      registers,
    }),
    experimentFetches: new Counter({
      name: 'pairec_experiment_fetches_total',
      help: 'Polls of the experiments URL (ABTestConf.Remote) by result: updated, unchanged, invalid or error (the last good set kept)',
      labelNames: ['result'],
      registers,
    }),
    experimentExposures: new Counter({
      name: 'pairec_experiment_exposures_total',
      help: 'Items reported shown through /api/callback, by the experiment_id sent with them (a configured one, else "")',
      labelNames: ['experiment_id'],
      registers,
    }),
    pairec: createPairecCompatMetrics(registry),
  };
}
