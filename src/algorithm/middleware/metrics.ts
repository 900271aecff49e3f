import { performance } from 'node:perf_hooks';
import type { EngineMetrics } from '../../observability/metrics.js';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext } from '../contract.js';
import { inputSizeOf } from '../contract.js';
import type { Middleware } from './compose.js';

class MetricsAlgorithm<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  readonly #next: Algorithm<K>;
  readonly #duration: { observe(v: number): void };
  readonly #success: { inc(v?: number): void };
  readonly #error: { inc(v?: number): void };
  readonly #inputSize: { observe(v: number): void };
  readonly #size: (input: KindInput<K>) => number;

  constructor(next: Algorithm<K>, metrics: EngineMetrics) {
    this.name = next.name;
    this.type = next.type;
    this.kind = next.kind;
    this.#next = next;
    // Children are bound once: a run does no label lookup.
    this.#duration = metrics.algorithmDuration.labels(next.name, next.type);
    this.#success = metrics.algorithmRequests.labels(next.name, next.type, 'success');
    this.#error = metrics.algorithmRequests.labels(next.name, next.type, 'error');
    // Both status series exist from the build on, so an error ratio reads 0 for a healthy
    // algorithm instead of being absent (and an alert on it can resolve).
    this.#success.inc(0);
    this.#error.inc(0);
    this.#inputSize = metrics.algorithmInputSize.labels(next.name);
    this.#size = inputSizeOf[next.kind] as (input: KindInput<K>) => number;
  }

  async run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    this.#inputSize.observe(this.#size(input));
    const start = performance.now();
    try {
      const out = await this.#next.run(input, ctx);
      this.#success.inc();
      return out;
    } catch (err) {
      this.#error.inc();
      throw err;
    } finally {
      this.#duration.observe((performance.now() - start) / 1000);
    }
  }

  close(): Promise<void> {
    return this.#next.close();
  }
}

/** Records the spec's three algorithm metrics around every run. */
export function withMetrics(metrics: EngineMetrics): Middleware {
  return (next) => new MetricsAlgorithm(next, metrics);
}
