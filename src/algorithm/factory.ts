import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import type { AlgoConf } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { Algorithm, AlgorithmKind, AnyAlgorithm } from './contract.js';
import type { AlgorithmRegistry, BuildDeps } from './registry.js';
import { AlgorithmSet } from './algorithm-set.js';
import type { AlgorithmEntry } from './algorithm-set.js';
import { compose } from './middleware/compose.js';
import type { Middleware } from './middleware/compose.js';
import { withMetrics } from './middleware/metrics.js';
import { withRequestTransformer } from './middleware/transform.js';
import { withBatching } from './middleware/batching.js';
import type { BatchingOptions } from './middleware/batching.js';
import type { BatchConf } from '../config/schema.js';
import { signatureOf } from './signature.js';
import { DEFAULT_BACKEND_GUARD, REJECTION_REASONS, withBackendGuard } from './middleware/backend-guard.js';

/** BatchConf.MaxQueue outside an engine, where no admission limit is known. */
const STANDALONE_BATCH_QUEUE = 1000;

function batchingOptions(conf: BatchConf, runsInFlight: number | undefined): BatchingOptions {
  return { batchSize: conf.BatchSize, batchTimeoutMs: conf.BatchTimeoutMs, maxQueue: conf.MaxQueue ?? runsInFlight ?? STANDALONE_BATCH_QUEUE };
}

export interface BuildReport {
  readonly built: readonly string[];
  readonly kept: readonly string[];
  readonly removed: readonly string[];
}

/** Built but not yet served algorithms: commit them to serve, or abort to close what was built. */
export interface PendingAlgorithms {
  readonly report: BuildReport;
  /**
   * Swaps in a set of the built and kept algorithms plus the instances registered in code
   * at this moment (so one registered during the build is not lost), and returns it.
   */
  commit(): AlgorithmSet;
  abort(): Promise<void>;
}

export interface FactoryOptions {
  readonly registry: AlgorithmRegistry;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  /** Extra middlewares, outermost first, placed inside the metrics wrapper. */
  readonly middlewares?: readonly Middleware[];
}

/**
 * Builds the config's algorithm list. Each algorithm's config is hashed; on reload only
 * algorithms whose hash changed are rebuilt. The swap is all or nothing: if any build
 * fails, what was built is closed, the failure is logged and counted, and the current
 * set keeps serving.
 */
export class AlgorithmFactory {
  readonly #opts: FactoryOptions;
  readonly #middlewares: readonly Middleware[];
  readonly #metricsMiddleware: Middleware;
  /** monitoring.enable_metrics of the config being built: off, no metrics wrapper is composed in. */
  #recordMetrics = true;
  #current: AlgorithmSet;
  #custom = new Map<string, AlgorithmEntry>();

  constructor(opts: FactoryOptions) {
    this.#opts = opts;
    this.#metricsMiddleware = withMetrics(opts.metrics);
    this.#middlewares = [withRequestTransformer(opts.registry), ...(opts.middlewares ?? [])];
    this.#current = this.#newSet([]);
  }

  current(): AlgorithmSet {
    return this.#current;
  }

  /** Kinds of the instances registered in code, for config validation. */
  customKinds(): ReadonlyMap<string, AlgorithmKind> {
    return new Map([...this.#custom.values()].map((e) => [e.name, e.algorithm.kind]));
  }

  /**
   * PaiRec's RegisterAlgorithm: serve an instance built in code under its name. It stays
   * across reloads; a config algorithm of the same name is an error.
   */
  registerInstance(algorithm: AnyAlgorithm): void {
    if (this.#custom.has(algorithm.name) || this.#current.has(algorithm.name)) {
      throw new PairecError('ERR_DUPLICATE_REGISTRATION', `an algorithm named "${algorithm.name}" already exists`);
    }
    const entry = this.#entry(algorithm.name, 'custom', algorithm, true);
    this.#custom.set(algorithm.name, entry);
    this.#swap(this.#newSet([...this.#current.entries(), entry]));
  }

  /**
   * `recordMetrics` (monitoring.enable_metrics, default on) decides whether the algorithm
   * metrics wrapper is composed in; it is part of every signature, so turning it over
   * rebuilds each algorithm with or without it.
   */
  async prepare(confs: readonly AlgoConf[], deps: BuildDeps, catalogSignature: string, recordMetrics = true): Promise<PendingAlgorithms> {
    const { registry, metrics, logger } = this.#opts;
    const noMetrics = recordMetrics ? [] : ['no-metrics'];
    const current = this.#current;
    const entries: AlgorithmEntry[] = [];
    const built: AlgorithmEntry[] = [];
    const kept: string[] = [];
    const failures: { name: string; type: string; err: unknown }[] = [];

    await Promise.all(
      confs.map(async (conf) => {
        const def = registry.getType(conf.Type);
        if (!def) {
          failures.push({ name: conf.Name, type: conf.Type, err: new PairecError('ERR_UNKNOWN_ALGORITHM_TYPE', `unknown algorithm type "${conf.Type}"`) });
          return;
        }
        if (this.#custom.has(conf.Name)) {
          failures.push({ name: conf.Name, type: conf.Type, err: new PairecError('ERR_DUPLICATE_REGISTRATION', `"${conf.Name}" is registered in code`) });
          return;
        }
        const body = (conf as Record<string, unknown>)[def.confKey] ?? {};
        // A queue sized from admission (ONNX's MaxQueue, BatchConf's when unset) follows it: a change rebuilds.
        const runsInFlight = deps.runsInFlight?.(conf.Name);
        const sizesQueue = def.sizesQueue === true || (conf.BatchConf !== undefined && conf.BatchConf.MaxQueue === undefined);
        const queue = sizesQueue ? [`runs:${runsInFlight ?? 0}`] : [];
        // Likewise a run limit that defaults from performance.worker_pool_size.
        const pool = def.sizesPool === true ? [`pool:${deps.workerPoolSize ?? 0}`] : [];
        const signature = signatureOf(conf.Type, body, def.usesCatalog ? catalogSignature : '', conf.BatchConf ?? null, ...noMetrics, ...queue, ...pool);
        const old = current.entry(conf.Name);
        if (old && old.signature === signature) {
          entries.push(old);
          kept.push(conf.Name);
          return;
        }
        try {
          const raw = await (def.create as (n: string, c: unknown, d: BuildDeps) => Promise<AnyAlgorithm>)(conf.Name, body, deps);
          const extra = conf.BatchConf ? [withBatching({ ...batchingOptions(conf.BatchConf, runsInFlight), metrics: metrics.pools })] : [];
          // Innermost: one breaker and bulkhead per backend, seeing a coalesced batch as one call.
          if (def.remote) extra.push(withBackendGuard({ ...DEFAULT_BACKEND_GUARD, ...deps.optimization }, metrics));
          const entry = this.#entry(conf.Name, signature, raw, false, extra, recordMetrics);
          built.push(entry);
          entries.push(entry);
        } catch (err) {
          failures.push({ name: conf.Name, type: conf.Type, err });
        }
      }),
    );

    if (failures.length > 0) {
      await Promise.all(built.map((e) => e.algorithm.close().catch(() => undefined)));
      for (const f of failures) {
        metrics.algorithmBuildFailures.labels(f.name, f.type).inc();
        logger.error({ algorithm: f.name, type: f.type, err: f.err }, 'algorithm build failed; the previous instance keeps serving');
      }
      const names = failures.map((f) => f.name).join(', ');
      const first = failures[0]?.err;
      const detail = first instanceof Error ? `: ${first.message}` : '';
      throw new PairecError('ERR_ALGORITHM_BUILD', `algorithm build failed for ${names}${detail}`, { cause: first });
    }

    const names = new Set(entries.map((e) => e.name));
    const report: BuildReport = {
      built: built.map((e) => e.name),
      kept,
      removed: current
        .entries()
        .filter((e) => !names.has(e.name) && !e.custom)
        .map((e) => e.name),
    };
    let settled = false;
    const closeBuilt = () => Promise.all(built.map((e) => e.algorithm.close().catch(() => undefined))).then(() => undefined);
    return {
      report,
      commit: () => {
        if (settled) throw new PairecError('ERR_INTERNAL', 'pending algorithms already settled');
        const clash = entries.find((e) => this.#custom.has(e.name));
        if (clash) throw new PairecError('ERR_DUPLICATE_REGISTRATION', `"${clash.name}" was registered in code during the reload`);
        settled = true;
        this.#recordMetrics = recordMetrics;
        const set = this.#newSet([...this.#custom.values(), ...entries]);
        this.#swap(set);
        this.#forgetSeries(report.removed.map((n) => current.entry(n)));
        return set;
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        await closeBuilt();
      },
    };
  }

  /** Retires the serving set; resolves when every instance is closed. */
  async close(): Promise<void> {
    const last = this.#current;
    this.#current = this.#newSet([]);
    this.#custom = new Map();
    await last.retire();
  }

  /**
   * Wraps an instance: metrics (per caller, unless metrics are off), transformer, then its
   * own extras such as batching. An instance registered in code gets the metrics setting
   * of the config serving when it was registered.
   */
  #entry(
    name: string,
    signature: string,
    raw: AnyAlgorithm,
    custom: boolean,
    extra: readonly Middleware[] = [],
    recordMetrics = this.#recordMetrics,
  ): AlgorithmEntry {
    const outer = recordMetrics ? [this.#metricsMiddleware] : [];
    // The kind survives wrapping: each middleware returns an algorithm of its input's kind.
    const wrapped = compose(raw as Algorithm<AlgorithmKind>, [...outer, ...this.#middlewares, ...extra]) as AnyAlgorithm;
    return { name, signature, algorithm: wrapped, custom, owners: 0 };
  }

  #newSet(entries: readonly AlgorithmEntry[]): AlgorithmSet {
    return new AlgorithmSet(entries, (name, err) => this.#opts.logger.warn({ algorithm: name, err }, 'algorithm close failed'));
  }

  /** Drops the metric series of algorithms no longer configured, so removed names do not linger. */
  #forgetSeries(removed: readonly (AlgorithmEntry | undefined)[]): void {
    const { metrics } = this.#opts;
    for (const e of removed) {
      if (!e) continue;
      const labels = { algorithm_name: e.name, algorithm_type: e.algorithm.type };
      metrics.algorithmDuration.remove(labels);
      for (const status of ['success', 'error']) metrics.algorithmRequests.remove({ ...labels, status });
      metrics.algorithmInputSize.remove({ algorithm_name: e.name });
      metrics.breakerState.remove({ algorithm_name: e.name });
      for (const reason of REJECTION_REASONS) metrics.backendRejections.remove({ algorithm_name: e.name, reason });
    }
  }

  #swap(next: AlgorithmSet): void {
    const old = this.#current;
    this.#current = next;
    void old.retire();
  }
}
