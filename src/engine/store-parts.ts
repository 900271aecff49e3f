import type { Config } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { ExposureStore } from '../store/exposure-store.js';
import { RedisExposureStore } from '../store/redis-exposure-store.js';
import type { RedisPool } from '../store/redis.js';
import { RedisFeatureLoader } from '../features/redis-features.js';
import { FileFeatureLoader } from '../features/file-features.js';
import type { FeatureLoader, FeatureTable, ModelDims } from '../features/file-features.js';
import { sqlExposureStores, sqlFeatureLoader } from './database-parts.js';
import type { Databases } from './database-parts.js';

/** What one config generation builds on its data sources: exposure stores and feature loaders (Redis, files, Hologres, MySQL). */
export interface StoreParts {
  /** Every Redis exposure store, once each: where the callback records exposures. */
  readonly exposureStores: readonly ExposureStore[];
  readonly sceneEnv: {
    readonly exposureFor: (filterName: string) => ExposureStore | undefined;
    readonly features: ReadonlyMap<string, FeatureLoader[]>;
  };
}

/**
 * Redis exposure stores (FilterConfs with DaoConf.AdapterType "redis") and feature
 * loaders (FeatureConfs). Stores and loaders look their client up in the pool on every
 * call, so they follow a client the pool replaced; names were checked at config load.
 */
export function buildStoreParts(
  config: Config,
  pool: RedisPool,
  metrics: EngineMetrics,
  files: ReadonlyMap<string, FeatureTable> = new Map(),
  modelDims?: ModelDims,
  databases?: Databases,
): StoreParts {
  const byFilter = new Map<string, ExposureStore>();
  const distinct = new Map<string, RedisExposureStore>();
  for (const f of config.FilterConfs) {
    const dao = f.DaoConf;
    if (dao?.AdapterType !== 'redis' || dao.RedisName === undefined) continue;
    const redisName = dao.RedisName;
    // Filters sharing a Redis and prefix share a store (the callback writes it once); the
    // longest TimeInterval and MaxItems among them bound it.
    const id = `${redisName}\u0000${dao.RedisPrefix}`;
    const prev = distinct.get(id);
    const store = new RedisExposureStore(
      () => pool.get(redisName),
      {
        redisName,
        prefix: dao.RedisPrefix,
        maxItems: Math.max(f.MaxItems, prev?.maxItems ?? 0),
        ttlSeconds: Math.max(f.TimeInterval, prev?.ttlSeconds ?? 0),
      },
      metrics,
    );
    distinct.set(id, store);
    byFilter.set(f.Name, store);
  }
  // Re-point every filter at the final (widest) store of its Redis and prefix.
  for (const f of config.FilterConfs) {
    const dao = f.DaoConf;
    if (dao?.AdapterType === 'redis' && dao.RedisName !== undefined) {
      const s = distinct.get(`${dao.RedisName}\u0000${dao.RedisPrefix}`);
      if (s) byFilter.set(f.Name, s);
    }
  }
  // Hologres and MySQL exposure tables (engine/database-parts.ts): the callback writes them too.
  const holoStores = sqlExposureStores(config, databases, metrics);
  for (const [name, store] of holoStores) byFilter.set(name, store);
  // Feature loaders (FeatureConfs): Redis hashes, Hologres or MySQL tables, or files read at this config load.
  const features = new Map<string, FeatureLoader[]>();
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    features.set(
      scene,
      conf.FeatureLoadConfs.map(({ FeatureDaoConf: d }) =>
        d.AdapterType === 'file'
          ? new FileFeatureLoader(d, files)
          : d.AdapterType === 'hologres' || d.AdapterType === 'mysql'
            ? sqlFeatureLoader(d, databases, metrics, modelDims?.(scene, d.FeatureStore))
            : new RedisFeatureLoader(d, () => pool.get(d.RedisName ?? ''), metrics, modelDims?.(scene, d.FeatureStore)),
      ),
    );
  }
  return {
    exposureStores: [...distinct.values(), ...new Set(holoStores.values())],
    sceneEnv: { exposureFor: (name) => byFilter.get(name), features },
  };
}

/** The callback's store: writes go to memory and every Redis store (which never throw). */
export function fanOutExposures(memory: ExposureStore, redis: readonly ExposureStore[]): ExposureStore {
  return {
    add: async (uid, itemIds, nowMs) => {
      await Promise.all([memory.add(uid, itemIds, nowMs), ...redis.map((r) => r.add(uid, itemIds, nowMs))]);
    },
    seen: (uid, sinceMs) => memory.seen(uid, sinceMs),
  };
}
