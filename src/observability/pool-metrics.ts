import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * Pools and queues in front of a model or a backend, reported at scrape time: each pool
 * registers a source when its algorithm is built and removes it when the algorithm closes,
 * and the gauges read every live source in their collect() callbacks. A run pays nothing
 * for the gauges; only rejections and coalesced batches touch a metric, once each.
 *
 * `pool` is a closed set:
 *  - onnx_workers: an ONNX algorithm's run slots (OnnxConf MaxConcurrent / MaxQueue);
 *  - batching: a BatchConf queue that coalesces runs into one backend call;
 *  - http: the keep-alive connection pool to a remote model backend (EAS, TFSERVING, KSERVE);
 *  - grpc: the channel pool to a FAISS vector server.
 */
export const POOL_KINDS = ['onnx_workers', 'batching', 'http', 'grpc'] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

/** Why a pool turned a run away: `queue_full` (MaxQueue), `deadline` (no time left once a slot freed). */
export type RejectionReason = 'queue_full' | 'deadline';

export interface PoolSource {
  readonly algorithmName: string;
  readonly pool: PoolKind;
  /** Runs or calls waiting for a slot, a batch or a connection. */
  queued(): number;
  /** Runs holding a slot, calls on the wire, batches sent and not yet answered. */
  active(): number;
  /** Connections by state (http: connected, free; grpc: channel connectivity states). */
  connections?(): Readonly<Record<string, number>>;
}

export interface PoolMetrics {
  /** Registers a pool; the returned function removes it (call it when the algorithm closes). */
  add(source: PoolSource): () => void;
  readonly rejections: Counter<'algorithm_name' | 'pool' | 'reason'>;
  /** Items per coalesced backend call (BatchConf). */
  readonly batchSize: Histogram<'algorithm_name'>;
  /** Runs coalesced into one backend call (BatchConf). */
  readonly batchRuns: Histogram<'algorithm_name'>;
}

export function createPoolMetrics(registry: Registry, sizeBuckets: readonly number[]): PoolMetrics {
  const sources = new Set<PoolSource>();
  const registers = [registry];
  // Two instances of one algorithm may be live for a moment during a reload: values add up.
  const read = (gauge: Gauge<'algorithm_name' | 'pool'>, value: (s: PoolSource) => number): void => {
    gauge.reset();
    for (const s of sources) gauge.inc({ algorithm_name: s.algorithmName, pool: s.pool }, value(s));
  };
  new Gauge({
    name: 'pairec_pool_queued',
    help: 'Runs or calls waiting in a pool or queue (onnx_workers, batching, http, grpc), read at scrape time',
    labelNames: ['algorithm_name', 'pool'],
    registers,
    collect() {
      read(this, (s) => s.queued());
    },
  });
  new Gauge({
    name: 'pairec_pool_active',
    help: 'Runs holding a slot, calls on the wire or batches awaiting their answer, by pool, read at scrape time',
    labelNames: ['algorithm_name', 'pool'],
    registers,
    collect() {
      read(this, (s) => s.active());
    },
  });
  new Gauge({
    name: 'pairec_pool_connections',
    help: 'Backend connections by state (http: connected, free; grpc: channel connectivity state), read at scrape time',
    labelNames: ['algorithm_name', 'pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const s of sources) {
        for (const [state, n] of Object.entries(s.connections?.() ?? {})) {
          this.inc({ algorithm_name: s.algorithmName, pool: s.pool, state }, n);
        }
      }
    },
  });
  return {
    add(source) {
      sources.add(source);
      return () => void sources.delete(source);
    },
    rejections: new Counter({
      name: 'pairec_pool_rejections_total',
      help: 'Runs a pool turned away at once: queue_full (MaxQueue reached) or deadline (no time left when a slot freed)',
      labelNames: ['algorithm_name', 'pool', 'reason'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'pairec_batch_size',
      help: 'Items (or query vectors) per coalesced backend call (BatchConf)',
      labelNames: ['algorithm_name'],
      buckets: [...sizeBuckets],
      registers,
    }),
    batchRuns: new Histogram({
      name: 'pairec_batch_runs',
      help: 'Runs coalesced into one backend call (BatchConf)',
      labelNames: ['algorithm_name'],
      buckets: [...sizeBuckets],
      registers,
    }),
  };
}
