import { performance } from 'node:perf_hooks';
import type { Catalog } from '../catalog/catalog.js';
import type { FallbackConfig } from '../config/pipeline-schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { copyCandidate } from './context.js';
import type { Candidate, PipelineContext, StageTrace } from './context.js';
import { popularList } from './recall/global-hot.js';

/** Why a request was answered from the fallback list: the closed label set of pairec_fallback_total. */
export const FALLBACK_REASONS = ['rank_failed', 'deadline', 'timeout', 'error'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

/** retrieve_id of fallback items: the client sees the page did not come from the pipeline. */
export const FALLBACK_RETRIEVE_ID = 'fallback';

/**
 * A scene's FallbackConfig: the catalog's most popular items, ranked once when the config
 * loads and held in memory, so serving them makes no network call and cannot fail.
 */
export class Fallback {
  readonly #list: readonly Candidate[];
  readonly #scene: string;
  readonly #metrics: EngineMetrics;
  /** When to stop waiting for the pipeline, in ms after the request started. */
  readonly #timeoutMs: number;
  readonly #requestTimeoutMs: number;

  constructor(scene: string, conf: FallbackConfig, catalog: Catalog | undefined, requestTimeoutMs: number, metrics: EngineMetrics) {
    this.#scene = scene;
    this.#list = popularList(catalog, conf.Size, FALLBACK_RETRIEVE_ID);
    this.#metrics = metrics;
    this.#requestTimeoutMs = requestTimeoutMs;
    // 90 %: the fallback must be on the wire before the request's own deadline answers 504.
    this.#timeoutMs = Math.min(conf.Timeout ?? Math.floor(requestTimeoutMs * 0.9), requestTimeoutMs);
  }

  /** The list's first `n` items (shared: the caller copies what it keeps). */
  items(n: number): readonly Candidate[] {
    return this.#list.slice(0, n);
  }

  /** The list for this request, counted and marked in the debug trace. */
  serve(ctx: PipelineContext, reason: FallbackReason, trace: StageTrace[] | undefined): Candidate[] {
    this.#metrics.fallbacks.labels(this.#scene, reason).inc();
    const out = this.#list.slice(0, ctx.request.size).map(copyCandidate);
    trace?.push({ stage: 'fallback', in: 0, out: out.length, ms: 0, errors: [reason] });
    return out;
  }

  /**
   * The pipeline's answer, or the fallback list when the pipeline fails (unless the
   * caller went away) or has not answered Timeout ms after the request started.
   */
  guard(run: Promise<Candidate[]>, ctx: PipelineContext, trace: StageTrace[] | undefined): Promise<Candidate[]> {
    const startedAt = ctx.deadline - this.#requestTimeoutMs;
    return new Promise<Candidate[]>((resolve, reject) => {
      const timer = setTimeout(() => resolve(this.serve(ctx, 'timeout', trace)), Math.max(0, startedAt + this.#timeoutMs - performance.now()));
      run.then(
        (items) => {
          clearTimeout(timer);
          resolve(items);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (ctx.signal.aborted) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve(this.serve(ctx, 'error', trace));
        },
      );
    });
  }
}
