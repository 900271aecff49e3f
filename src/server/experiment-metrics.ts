import type { EngineMetrics } from '../observability/metrics.js';
import type { RecommendResult } from '../engine/recommend.js';
import { FALLBACK_RETRIEVE_ID } from '../pipeline/fallback.js';

/**
 * Per-experiment series of one recommend request of a scene with experiment layers:
 * latency and status (P99 and error rate per arm), items served and fallback answers.
 * `scene` is a configured scene and `experimentId` one of its configured combinations
 * (the engine only routes those), so the label sets stay bounded.
 */
export function observeExperiment(
  metrics: EngineMetrics,
  scene: string,
  experimentId: string,
  statusClass: string,
  seconds: number,
  result: RecommendResult | undefined,
): void {
  metrics.experimentRequests.labels(scene, experimentId, statusClass).observe(seconds);
  if (!result) return;
  metrics.experimentItems.labels(scene, experimentId).inc(result.items.length);
  if (result.items[0]?.retrieveId === FALLBACK_RETRIEVE_ID) metrics.experimentFallbacks.labels(scene, experimentId).inc();
}
