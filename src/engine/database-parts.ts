import type { Config, FeatureDaoConf } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { HologresExposureStore } from '../store/hologres-exposure-store.js';
import type { HologresPool } from '../store/hologres.js';
import { HologresFeatureLoader } from '../features/hologres-features.js';

/**
 * Hologres exposure stores by filter name (FilterConfs with DaoConf.AdapterType
 * "hologres"). Filters on one table share a store (the callback writes each row once);
 * the largest MaxItems among them bounds its reads. The client is looked up per call.
 */
export function hologresExposureStores(config: Config, pool: HologresPool | undefined, metrics: EngineMetrics): Map<string, HologresExposureStore> {
  const byTable = new Map<string, { maxItems: number; filters: string[]; database: string; table: string }>();
  for (const f of config.FilterConfs) {
    const d = f.DaoConf;
    if (d?.AdapterType !== 'hologres') continue;
    const database = d.HologresName ?? '';
    const table = d.HologresTableName ?? '';
    const id = `${database}\u0000${table.toLowerCase()}`;
    const e = byTable.get(id) ?? { maxItems: 0, filters: [], database, table };
    e.maxItems = Math.max(e.maxItems, f.MaxItems);
    e.filters.push(f.Name);
    byTable.set(id, e);
  }
  const out = new Map<string, HologresExposureStore>();
  for (const e of byTable.values()) {
    const store = new HologresExposureStore(() => pool?.get(e.database), { database: e.database, table: e.table, maxItems: e.maxItems }, metrics);
    for (const name of e.filters) out.set(name, store);
  }
  return out;
}

/** A FeatureConfs loader on a Hologres table. */
export function hologresFeatureLoader(
  d: FeatureDaoConf,
  pool: HologresPool | undefined,
  metrics: EngineMetrics,
  modelReads: readonly { feature: string; dim: number }[] | undefined,
): HologresFeatureLoader {
  return new HologresFeatureLoader(d, () => pool?.get(d.HologresName ?? ''), metrics, modelReads);
}
