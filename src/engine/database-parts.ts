import type { Logger } from 'pino';
import type { Config, FeatureDaoConf } from '../config/schema.js';
import { sqlTarget } from '../config/database-schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { SqlExposureStore } from '../store/sql-exposure-store.js';
import { HologresPool } from '../store/hologres.js';
import { MysqlPool } from '../store/mysql.js';
import type { SqlClient } from '../store/sql-client.js';
import type { StagedSql } from '../store/sql-pool.js';
import { SqlFeatureLoader } from '../features/sql-features.js';

export type SqlAdapter = 'hologres' | 'mysql';

/** A config generation's Hologres and MySQL clients, staged together. */
export interface StagedDatabases {
  client(adapter: SqlAdapter, name: string): SqlClient | undefined;
  ready(): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** The engine's HologresConfs and MysqlConfs pools, kept across reloads while unchanged. */
export class Databases {
  readonly #pools: Record<SqlAdapter, HologresPool | MysqlPool>;

  constructor(logger: Logger, metrics: EngineMetrics) {
    this.#pools = { hologres: new HologresPool(logger, metrics.databases), mysql: new MysqlPool(logger, metrics.databases) };
  }

  stage(config: Config): StagedDatabases {
    const staged: Record<SqlAdapter, StagedSql> = {
      hologres: this.#pools.hologres.stage(config.HologresConfs),
      mysql: this.#pools.mysql.stage(config.MysqlConfs),
    };
    const both = Object.values(staged);
    return {
      client: (adapter, name) => staged[adapter].client(name),
      ready: async () => {
        await Promise.all(both.map((s) => s.ready()));
      },
      commit: async () => {
        await Promise.all(both.map((s) => s.commit()));
      },
      abort: async () => {
        await Promise.all(both.map((s) => s.abort()));
      },
    };
  }

  /** The serving client of a name (looked up per call: a reload's replacement is picked up). */
  get(adapter: SqlAdapter, name: string): SqlClient | undefined {
    return this.#pools[adapter].get(name);
  }

  async close(): Promise<void> {
    await Promise.all([this.#pools.hologres.close(), this.#pools.mysql.close()]);
  }
}

/**
 * SQL exposure stores by filter name (FilterConfs with DaoConf.AdapterType "hologres" or
 * "mysql"). Filters on one table share a store (the callback writes each exposure once);
 * the largest MaxItems among them bounds its reads.
 */
export function sqlExposureStores(config: Config, dbs: Databases | undefined, metrics: EngineMetrics): Map<string, SqlExposureStore> {
  const byTable = new Map<string, { maxItems: number; filters: string[]; adapter: SqlAdapter; database: string; table: string }>();
  for (const f of config.FilterConfs) {
    const t = f.DaoConf ? sqlTarget(f.DaoConf) : undefined;
    if (!t) continue;
    const id = `${t.adapter}\u0000${t.name}\u0000${t.table.toLowerCase()}`;
    const e = byTable.get(id) ?? { maxItems: 0, filters: [], adapter: t.adapter, database: t.name, table: t.table };
    e.maxItems = Math.max(e.maxItems, f.MaxItems);
    e.filters.push(f.Name);
    byTable.set(id, e);
  }
  const out = new Map<string, SqlExposureStore>();
  for (const e of byTable.values()) {
    const store = new SqlExposureStore(() => dbs?.get(e.adapter, e.database), e, metrics);
    for (const name of e.filters) out.set(name, store);
  }
  return out;
}

/** A FeatureConfs loader on a Hologres or MySQL table. */
export function sqlFeatureLoader(
  d: FeatureDaoConf,
  dbs: Databases | undefined,
  metrics: EngineMetrics,
  modelReads: readonly { feature: string; dim: number }[] | undefined,
): SqlFeatureLoader {
  const t = sqlTarget(d);
  return new SqlFeatureLoader(d, () => (t ? dbs?.get(t.adapter, t.name) : undefined), metrics, modelReads);
}
