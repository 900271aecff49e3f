import { AggregatorRegistry, Counter, Registry } from 'prom-client';
import { sharedResult } from './shared-result.js';

/**
 * How long one cluster aggregate of /metrics is served again. Aggregating asks every
 * serving process to serialise its registry and sums them in the primary: under a
 * scrape flood that cost the primary ≈ 6 s of CPU per 10 s and slowed normal clients'
 * P50 from 9.6 to 61 ms. Prometheus scrapes every 15 s or so; a second-old answer costs
 * it nothing.
 */
export const METRICS_CACHE_MS = 1000;

/**
 * The primary's /metrics: prom-client's cluster aggregate of the serving processes plus
 * the primary's own series (restarts, aggregations). Concurrent scrapes share one
 * aggregation (single flight) and an aggregate is reused for `cacheMs`, so a flood of
 * scrapes costs at most one aggregation a second, whatever its rate. (Each serving
 * process shares its requests to the primary the same way: worker.ts.)
 */
export class ClusterMetrics {
  readonly registry = new Registry();
  readonly restarts = new Counter({
    name: 'pairec_cluster_worker_restarts_total',
    help: 'Serving processes restarted by the cluster primary after they exited',
    registers: [this.registry],
  });
  readonly #aggregations = new Counter({
    name: 'pairec_cluster_metrics_aggregations_total',
    help: 'Cluster-wide /metrics aggregations (concurrent and recent scrapes share one)',
    registers: [this.registry],
  });
  readonly #aggregator = new AggregatorRegistry();
  readonly #collect: () => Promise<string>;
  /** The aggregate, shared by concurrent scrapes and reused for the cache time. */
  readonly text: () => Promise<string>;

  constructor(opts: { cacheMs?: number; now?: () => number; collect?: () => Promise<string> } = {}) {
    this.#collect = opts.collect ?? (() => this.#aggregator.clusterMetrics());
    this.text = sharedResult(() => this.#aggregate(), opts.cacheMs ?? METRICS_CACHE_MS, opts.now);
  }

  async #aggregate(): Promise<string> {
    this.#aggregations.inc();
    const workers = await this.#collect();
    const own = await this.registry.metrics();
    return `${workers === '' || workers.endsWith('\n') ? workers : `${workers}\n`}${own}`;
  }
}
