import { performance } from 'node:perf_hooks';
import { PairecError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import { BREAKER_STATE_VALUE, CircuitBreaker } from '../../resilience/circuit-breaker.js';
import type { BreakerState } from '../../resilience/circuit-breaker.js';
import { Bulkhead } from '../../resilience/bulkhead.js';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext } from '../contract.js';
import type { Middleware } from './compose.js';

/** The `optimization` keys of the backend guard and the retry budget (config/schema.ts holds the same defaults). */
export interface BackendGuardConf {
  readonly retry_budget_percent: number;
  readonly retry_budget_min_concurrency: number;
  readonly circuit_breaker_failures: number;
  readonly circuit_breaker_ejection_ms: number;
  readonly circuit_breaker_max_ejection_ms: number;
  readonly max_in_flight_per_backend: number;
}

export const DEFAULT_BACKEND_GUARD: BackendGuardConf = {
  retry_budget_percent: 20,
  retry_budget_min_concurrency: 3,
  circuit_breaker_failures: 5,
  circuit_breaker_ejection_ms: 30_000,
  circuit_breaker_max_ejection_ms: 300_000,
  max_in_flight_per_backend: 1000,
};

/** The closed label set of `pairec_backend_rejections_total{reason}`. */
export const REJECTION_REASONS = ['circuit_open', 'bulkhead_full', 'retry_budget'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/**
 * Failures that say nothing about the backend's health: the caller's own input, a closed
 * instance, a local queue, and a call abandoned because the client closed its connection
 * (a load generator stopping with 32 requests in flight opened every breaker, and the next
 * minute of traffic got fast 503s). Everything else — transport errors, bad replies,
 * timeouts, and calls abandoned because the request's deadline passed or it was answered
 * first (the backend was too slow for it) — counts against the backend.
 */
const NEUTRAL: ReadonlySet<ErrorCode> = new Set(['ERR_ALGORITHM_INPUT', 'ERR_ALGORITHM_CLOSED', 'ERR_ALGORITHM_KIND', 'ERR_QUEUE_FULL', 'ERR_CALLER_GONE']);

/** Whether the run was abandoned because its caller went away (the signal's reason), whatever error the call then raised. */
const callerGone = (signal: AbortSignal): boolean => signal.aborted && signal.reason instanceof PairecError && signal.reason.code === 'ERR_CALLER_GONE';

class BackendGuard<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  readonly #next: Algorithm<K>;
  readonly #breaker: CircuitBreaker;
  readonly #bulkhead: Bulkhead;
  readonly #rejectOpen: { inc(value?: number): void };
  readonly #rejectFull: { inc(value?: number): void };

  constructor(next: Algorithm<K>, conf: BackendGuardConf, metrics: EngineMetrics, now: () => number) {
    this.name = next.name;
    this.type = next.type;
    this.kind = next.kind;
    this.#next = next;
    const gauge = metrics.breakerState.labels(next.name);
    gauge.set(BREAKER_STATE_VALUE.closed);
    this.#breaker = new CircuitBreaker(
      {
        consecutiveFailures: conf.circuit_breaker_failures,
        baseEjectionMs: conf.circuit_breaker_ejection_ms,
        maxEjectionMs: conf.circuit_breaker_max_ejection_ms,
      },
      now,
      (state: BreakerState) => gauge.set(BREAKER_STATE_VALUE[state]),
    );
    this.#bulkhead = new Bulkhead(conf.max_in_flight_per_backend);
    // Series start at 0, so the label set is fixed when the algorithm is built, not by traffic.
    this.#rejectOpen = metrics.backendRejections.labels(next.name, 'circuit_open');
    this.#rejectFull = metrics.backendRejections.labels(next.name, 'bulkhead_full');
    this.#rejectOpen.inc(0);
    this.#rejectFull.inc(0);
  }

  /** Refusals are synchronous: no backend call, no timer — the caller falls back at once. */
  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    const admission = this.#breaker.admit();
    if (admission === 'refuse') {
      this.#rejectOpen.inc();
      return Promise.reject(new PairecError('ERR_CIRCUIT_OPEN', `backend of "${this.name}" is ejected after consecutive failures`));
    }
    if (!this.#bulkhead.tryEnter()) {
      if (admission === 'trial') this.#breaker.release();
      this.#rejectFull.inc();
      return Promise.reject(new PairecError('ERR_BULKHEAD_FULL', `"${this.name}" has ${this.#bulkhead.limit} calls in flight`));
    }
    return this.#next.run(input, ctx).then(
      (out) => {
        this.#bulkhead.leave();
        this.#breaker.success();
        return out;
      },
      (err: unknown) => {
        this.#bulkhead.leave();
        if ((err instanceof PairecError && NEUTRAL.has(err.code)) || callerGone(ctx.signal)) this.#breaker.release();
        else this.#breaker.failure();
        throw err;
      },
    );
  }

  close(): Promise<void> {
    return this.#next.close();
  }
}

/**
 * One circuit breaker and one bulkhead per backend (per algorithm instance: each remote
 * algorithm has one endpoint). Placed innermost, around the raw algorithm, so a batch of
 * coalesced runs is one call to it.
 */
export function withBackendGuard(conf: BackendGuardConf, metrics: EngineMetrics, now: () => number = () => performance.now()): Middleware {
  return (next) => new BackendGuard(next, conf, metrics, now);
}
