import type { Logger } from 'pino';
import { ConfigError, PairecError } from '../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { cacheRoot, catalogSignature, currentCatalogSignature, signatureToApply } from '../catalog/load.js';
import { keepServedFiles, lastGoodOf, loadCatalogOrLastGood } from '../catalog/last-good.js';
import type { Config } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { warnIgnoredKeys } from '../config/compatibility.js';
import { stageKeysOf } from '../config/stage-confs.js';
import { runsInFlight } from '../config/run-bounds.js';
import type { ConfigVocabulary } from '../config/validate.js';
import { signatureOf } from '../algorithm/signature.js';
import { AlgorithmFactory } from '../algorithm/factory.js';
import type { BuildReport } from '../algorithm/factory.js';
import type { AlgorithmSet } from '../algorithm/algorithm-set.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { AnyAlgorithm } from '../algorithm/contract.js';
import type { Middleware } from '../algorithm/middleware/compose.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { compileScenes } from '../pipeline/scene.js';
import { createDefaultPipelineTypes } from '../pipeline/types.js';
import type { PipelineTypes } from '../pipeline/types.js';
import type { ScenePipeline } from '../pipeline/scene.js';
import type { ItemReads } from '../pipeline/rank.js';
import { builtinVocabulary } from './vocabulary.js';
import { buildExperiments } from '../experiment/experiment-set.js';
import type { ExperimentSet } from '../experiment/experiment-set.js';
import { MemoryExposureStore } from '../store/exposure-store.js';
import type { ExposureStore } from '../store/exposure-store.js';
import { exposureBounds } from '../store/exposure-bounds.js';
import { RedisPool } from '../store/redis.js';
import { Databases } from './database-parts.js';
import { checkTableLayouts } from '../store/table-layouts.js';
import { buildStoreParts, fanOutExposures } from './store-parts.js';
import type { StoreParts } from './store-parts.js';
import { CATALOG_FOLDER, keptFolders, removeUnusedFolders } from './cache-folders.js';
import { CatalogRefresher } from './catalog-refresh.js';
import { modelUserDims } from '../features/vector-checks.js';
import { checkLocalData } from './local-data.js';

/** By algorithm name, what its runs read of an item, when its type declares it. */
function itemReadsLookup(config: Config, registry: AlgorithmRegistry): (name: string) => ItemReads | undefined {
  const byName = new Map<string, ItemReads>();
  for (const a of config.AlgoConfs) {
    const def = registry.getType(a.Type);
    const conf = def && (a as Record<string, unknown>)[def.confKey];
    // The conf was validated against the type's schema when the config was parsed.
    if (def?.itemFeatures && conf !== undefined) byName.set(a.Name, { features: def.itemFeatures(conf as never), rows: def.readsRows === true });
  }
  return (name) => byName.get(name);
}

/** Everything one config generation serves; requests run on the snapshot they started with. */
export interface EngineSnapshot {
  readonly config: Config;
  readonly signature: string;
  readonly catalog: Catalog | undefined;
  readonly algorithms: AlgorithmSet;
  readonly scenes: ReadonlyMap<string, ReadonlyMap<string, ScenePipeline>>;
  /** Cache folders the algorithms of this snapshot were loaded from, by algorithm name. */
  readonly cacheFolders: ReadonlyMap<string, string>;
  /** ABTestConf's experiments, each combination's scene compiled (experiment/experiment-set.ts). */
  readonly experiments?: ExperimentSet<ReadonlyMap<string, ScenePipeline>> | undefined;
}

/** A snapshot held for one request: its algorithms are not closed before `release()`. */
export interface SnapshotLease {
  readonly snapshot: EngineSnapshot;
  readonly release: () => void;
}

export interface EngineOptions {
  readonly registry: AlgorithmRegistry;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  /** Extra algorithm middlewares (e.g. tracing), inside the metrics wrapper. */
  readonly middlewares?: readonly Middleware[];
  /**
   * Makes the in-memory exposure store from the first config (default: a new store with
   * ExposureConf's bounds). In a cluster it resolves once the primary's copy is merged in
   * (server/cluster/exposure-sync.ts), so no scene serves before it holds what was acknowledged.
   */
  readonly exposureStore?: (config: Config) => Promise<MemoryExposureStore>;
  /** The recall, filter and sort types configs may name (default: the built-ins); register custom ones before a config loads. */
  readonly pipelineTypes?: PipelineTypes;
}

export interface ApplyResult extends BuildReport {
  readonly signature: string;
}

/**
 * Holds the serving snapshot and replaces it atomically: validate, load the catalog if
 * its config changed, build changed algorithms, compile scenes, then swap one
 * reference. Reloads are serialised; any failure leaves the serving snapshot untouched.
 */
export class Engine {
  readonly factory: AlgorithmFactory;
  readonly #opts: EngineOptions;
  #snapshot: EngineSnapshot | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #exposures: MemoryExposureStore | undefined;
  /** Redis clients by RedisConfs name, kept across reloads while their conf is unchanged. */
  readonly #redis: RedisPool;
  /** Hologres and MySQL pools by HologresConfs / MysqlConfs name, kept the same way. */
  readonly #databases: Databases;
  /** The serving config's Redis exposure stores: the callback writes to them too. */
  #storeParts: StoreParts | undefined;
  readonly #abort = new AbortController();
  readonly #refresher: CatalogRefresher;
  readonly pipelineTypes: PipelineTypes;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.pipelineTypes = opts.pipelineTypes ?? createDefaultPipelineTypes();
    this.#refresher = new CatalogRefresher(
      {
        serving: () => {
          const snap = this.#snapshot;
          return snap?.config.CatalogConf ? { conf: snap.config.CatalogConf, signature: snap.catalog?.signature } : undefined;
        },
        refreshCatalog: () => this.refreshCatalog(),
        signature: (config) => currentCatalogSignature(config, this.#snapshot?.config),
        countFailure: () => opts.metrics.catalog.refreshes.labels('failed').inc(),
      },
      opts.logger,
    );
    this.factory = new AlgorithmFactory({ registry: opts.registry, metrics: opts.metrics, logger: opts.logger, middlewares: opts.middlewares ?? [] });
    this.#redis = new RedisPool(opts.logger);
    this.#databases = new Databases(opts.logger, opts.metrics);
  }

  /**
   * Exposures recorded by the callback API. Process state, not config: it survives
   * reloads; its bounds (ExposureConf) are read from the first config applied.
   */
  get exposures(): ExposureStore | undefined {
    const redis = this.#storeParts?.exposureStores ?? [];
    return this.#exposures && redis.length > 0 ? fanOutExposures(this.#exposures, redis) : this.#exposures;
  }

  /** The in-memory exposure store alone (what a sibling process relays into). */
  get localExposures(): MemoryExposureStore | undefined {
    return this.#exposures;
  }

  get registry(): AlgorithmRegistry {
    return this.#opts.registry;
  }

  vocabulary(): ConfigVocabulary {
    return builtinVocabulary(this.#opts.registry, this.factory.customKinds(), this.pipelineTypes);
  }

  /** Validates a parsed config file against what is registered now; warns once about keys it ignores. */
  parse(raw: unknown): Config {
    const config = parseConfig(raw, this.vocabulary());
    warnIgnoredKeys(raw, this.#opts.logger, stageKeysOf(this.vocabulary()));
    return config;
  }

  current(): EngineSnapshot | undefined {
    return this.#snapshot;
  }

  /** Leases the serving snapshot; undefined while nothing is loaded or after close. */
  acquire(): SnapshotLease | undefined {
    const snapshot = this.#snapshot;
    if (!snapshot) return undefined;
    return { snapshot, release: snapshot.algorithms.acquire() };
  }

  /** PaiRec's RegisterAlgorithm: serve an instance built in code under its name. */
  registerAlgorithm(algorithm: AnyAlgorithm): void {
    this.factory.registerInstance(algorithm);
    const snap = this.#snapshot;
    if (snap) this.#snapshot = { ...snap, algorithms: this.factory.current() };
  }

  /** Parses and applies a raw config; counts the result in pairec_config_reloads_total. */
  reload(raw: unknown): Promise<ApplyResult> {
    return this.reloadFrom(() => raw);
  }

  /**
   * The one reload queue: `read` runs when this reload's turn comes (so a file read then
   * is never older than one applied before it), then the config is parsed and applied.
   * Every apply (start, reload, catalog refresh) waits for the one before it.
   */
  reloadFrom(read: () => unknown): Promise<ApplyResult> {
    return this.#enqueue(async () => {
      const { metrics } = this.#opts;
      let config: Config;
      try {
        config = this.parse(await read());
      } catch (err) {
        metrics.configReloads.labels('invalid').inc();
        throw err;
      }
      try {
        const result = await this.#apply(config);
        metrics.configReloads.labels('success').inc();
        return result;
      } catch (err) {
        metrics.configReloads.labels(err instanceof ConfigError ? 'invalid' : 'build_failed').inc();
        throw err;
      }
    });
  }

  /** Applies a validated config; serialised with every other apply. */
  apply(config: Config): Promise<ApplyResult> {
    return this.#enqueue(() => this.#apply(config));
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies the serving config again when its catalog's source changed (a file replaced):
   * the catalog and the indexes over it are built aside and swapped in like a reload.
   */
  refreshCatalog(): Promise<'unchanged' | ApplyResult> {
    return this.#enqueue(async (): Promise<'unchanged' | ApplyResult> => {
      const snap = this.#snapshot;
      if (!snap?.config.CatalogConf) return 'unchanged';
      let signature: string;
      try {
        signature = await currentCatalogSignature(snap.config.CatalogConf, snap.config);
      } catch (err) {
        // A table catalog's database unreachable: the serving catalog stays, the refresh counts as failed.
        this.#opts.metrics.catalog.refreshes.labels('failed').inc();
        throw err;
      }
      if (signature === snap.catalog?.signature) return 'unchanged';
      return this.#apply(snap.config, signature);
    });
  }

  async #apply(config: Config, signature?: string): Promise<ApplyResult> {
    if (this.#abort.signal.aborted) throw new PairecError('ERR_NOT_READY', 'the engine is closed');
    const previous = this.#snapshot;
    const catSig = signature ?? (await signatureToApply(config, previous?.catalog?.signature, this.#opts.logger));
    const loadsCatalog = config.CatalogConf !== undefined && previous?.catalog?.signature !== catSig;
    try {
      const result = await this.#build(config, previous, catSig);
      if (loadsCatalog) this.#catalogLoaded(previous);
      this.#refresher.arm(config.CatalogConf?.RefreshSeconds ?? 0);
      return result;
    } catch (err) {
      if (loadsCatalog) this.#opts.metrics.catalog.refreshes.labels('failed').inc();
      throw err;
    }
  }

  /** Counts a catalog load, points the catalog gauges at it, and removes the cache folders only the old one used. */
  #catalogLoaded(previous: EngineSnapshot | undefined): void {
    const { catalog: m } = this.#opts.metrics;
    const snap = this.#snapshot;
    if (!snap?.catalog) return;
    m.refreshes.labels('success').inc();
    if (previous?.catalog) m.info.remove(previous.catalog.signature);
    m.info.labels(snap.catalog.signature).set(1);
    m.items.set(snap.catalog.itemIds.length);
    m.loadedAt.set(Date.now() / 1000);
    keepServedFiles(snap.catalog, this.#opts.logger);
    const lastGood = lastGoodOf(snap.catalog);
    m.servingLastGood.set(lastGood ? 1 : 0);
    if (lastGood) {
      m.lastGoodStarts.inc();
      // The files that failed are not tried again until they change (the refresher's rule for a failed version).
      if (snap.config.CatalogConf) this.#refresher.failedAt(catalogSignature(snap.config.CatalogConf));
    }
    if (previous) void removeUnusedFolders(previous.cacheFolders, snap.cacheFolders, this.#opts.logger);
  }

  async #build(config: Config, previous: EngineSnapshot | undefined, catSig: string): Promise<ApplyResult> {
    const { logger, metrics } = this.#opts;
    let catalog = previous?.catalog;
    if (catalog?.signature !== catSig) {
      // With no catalog serving yet (a start), files that fail to load give way to their last good copies.
      catalog = config.CatalogConf
        ? await loadCatalogOrLastGood(config.CatalogConf, logger, previous?.catalog === undefined, { databases: config, signature: catSig })
        : undefined;
    }
    const deps = {
      logger,
      metrics,
      catalog,
      cacheDir: config.CatalogConf ? cacheRoot(config.CatalogConf) : undefined,
      signal: this.#abort.signal,
      optimization: config.optimization,
      runsInFlight: (name: string) => runsInFlight(config, name),
      usesCacheFolder: (name: string, folder: string) => builtFolders.set(name, folder),
      workerPoolSize: config.performance.worker_pool_size,
    };
    const builtFolders = new Map<string, string>();
    // Local data first (catalog fields, vector Dims, feature files): a bad one rejects the
    // config before anything is built (engine/local-data.ts; `pairec validate` runs the same).
    const { specDims, modelDims, featureFiles } = await checkLocalData(config, this.vocabulary(), catalog);
    // A last good copy is another version than the files named: indexes are cached under the catalog's own signature.
    const pending = await this.factory.prepare(config.AlgoConfs, deps, catalog?.signature ?? catSig, config.monitoring.enable_metrics);
    let scenes;
    let experiments;
    let storeParts: StoreParts;
    // Redis clients are only staged here: until the swap below, the serving config keeps its own.
    const redis = this.#redis.stage(config.RedisConfs);
    const sql = this.#databases.stage(config);
    let algorithms: AlgorithmSet;
    try {
      this.#exposures ??= await (this.#opts.exposureStore?.(config) ?? new MemoryExposureStore(exposureBounds(config.ExposureConf)));
      storeParts = buildStoreParts(config, this.#redis, metrics, featureFiles, modelDims, this.#databases);
      const pool = this.#redis;
      const dbs = this.#databases;
      const itemReadsOf = itemReadsLookup(config, this.#opts.registry);
      const userDimsOf = modelUserDims(specDims);
      const sceneEnv = {
        types: this.pipelineTypes,
        catalog,
        exposures: this.#exposures,
        itemReadsOf,
        userDimsOf,
        ...storeParts.sceneEnv,
        redis: (n: string) => pool.get(n),
        sql: dbs.get.bind(dbs),
      };
      const own = compileScenes(config, sceneEnv, metrics);
      scenes = own;
      experiments = buildExperiments(
        config,
        (s) => own.get(s),
        (derived, s) => compileScenes(derived, sceneEnv, metrics).get(s),
      );
      // New connections are made ready before they serve: the first requests do not fail on them.
      await Promise.all([redis.ready(), sql.ready()]);
      // A table without a column its use needs rejects the config, naming both.
      await checkTableLayouts(config, sql.client, logger);
      algorithms = pending.commit();
    } catch (err) {
      await Promise.all([pending.abort(), redis.abort(), sql.abort()]);
      throw err;
    }
    const signature = signatureOf(config);
    // The catalog's mapped embeddings (shared-embeddings.ts) are one more folder the snapshot uses.
    if (catalog?.cacheFolder !== undefined) builtFolders.set(CATALOG_FOLDER, catalog.cacheFolder);
    const cacheFolders = keptFolders(config, previous?.cacheFolders, builtFolders);
    this.#snapshot = { config, signature, catalog, algorithms, scenes, cacheFolders, experiments };
    this.#storeParts = storeParts;
    // The same turn as the snapshot swap: the new stores and sources find their clients.
    const closed = Promise.all([redis.commit(), sql.commit()]);
    if (previous) metrics.configInfo.remove(previous.signature);
    metrics.configInfo.labels(signature).set(1);
    logger.info({ signature, ...pending.report }, 'config applied');
    await closed;
    return { signature, ...pending.report };
  }

  /** Stops builds, retires the snapshot, closes every algorithm once in-flight runs end. */
  async close(): Promise<void> {
    this.#refresher.stop();
    this.#abort.abort();
    await this.#queue;
    this.#snapshot = undefined;
    await this.factory.close();
    await this.#redis.close();
    await this.#databases.close();
  }
}
