import type { FeatureDaoConf } from '../config/schema.js';
import { selectList, sqlTarget } from '../config/database-schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { QueryScope, SqlClient } from '../store/sql-client.js';
import { dialectOf } from '../store/sql-dialect.js';
import type { SqlDialect } from '../store/sql-dialect.js';
import { TtlCache } from './ttl-cache.js';
import { vectorDecls } from './file-features.js';
import type { FaultSink, FeatureLoader, VectorDecl } from './file-features.js';
import { decodeHash } from './redis-features.js';
import type { DecodedHash, LoadedFeatures } from './redis-features.js';

/**
 * A column value as the text a Redis hash would hold, so one decoder (numbers, declared
 * vectors, faults) serves both stores: an array (float4[]) joined by commas, a Date as
 * ISO time; SQL NULL is left out (the declared default stands in).
 */
function asText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(String).join(',');
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean | bigint);
}

/**
 * One FeatureLoadConfs entry on a Hologres or MySQL table (PaiRec's FeatureHologresDao,
 * FeatureMysqlDao): the user's row (`WHERE UserFeatureKeyName = uid`) or the candidates'
 * rows (`WHERE ItemFeatureKeyName` is one of the ids, one query per request), the columns
 * of User/ItemSelectFields, through the same local LRU as the Redis loader. A failed
 * query is counted (pairec_database_failures_total{operation="features"}) and the
 * declared defaults are used: features degrade, the request does not fail.
 */
export class SqlFeatureLoader implements FeatureLoader {
  readonly #conf: FeatureDaoConf;
  readonly #client: () => SqlClient | undefined;
  readonly #metrics: EngineMetrics;
  readonly #cache: TtlCache<DecodedHash>;
  readonly #vectors: Readonly<Record<string, VectorDecl>>;
  readonly #key: string;
  readonly #select: string;
  readonly #dialect: SqlDialect;
  readonly #name: string;

  constructor(conf: FeatureDaoConf, client: () => SqlClient | undefined, metrics: EngineMetrics, modelReads: readonly { feature: string; dim: number }[] = []) {
    this.#conf = conf;
    this.#client = client;
    this.#metrics = metrics;
    this.#cache = new TtlCache(conf.CacheSize, conf.CacheTime * 1000);
    this.#vectors = vectorDecls(conf.Vectors, modelReads);
    const user = conf.FeatureStore === 'user';
    const target = sqlTarget(conf) ?? { adapter: 'hologres', name: '', table: '' };
    const d = (this.#dialect = dialectOf(target.adapter));
    this.#name = target.name;
    // Checked at config load: the key column of the loader's store is set.
    this.#key = d.fold((user ? conf.UserFeatureKeyName : conf.ItemFeatureKeyName) ?? '');
    const cols = selectList((user ? conf.UserSelectFields : conf.ItemSelectFields) ?? '*');
    // The key column is read too: rows come back in any order and are matched to ids by it.
    // A renamed column (`sex as guestsex`) is read under its feature name.
    const item = (c: { column: string; name: string }): string =>
      d.fold(c.column) === d.fold(c.name) ? d.quote(c.column) : `${d.quote(c.column)} AS ${d.quote(c.name)}`;
    const rest = cols?.filter((c) => d.fold(c.name) !== this.#key);
    const list = rest ? [d.quote(this.#key), ...rest.map(item)].join(', ') : '*';
    this.#select = `SELECT ${list} FROM ${d.quote(target.table)} WHERE `;
  }

  get store(): 'user' | 'item' {
    return this.#conf.FeatureStore;
  }

  async load(ids: readonly string[], faults?: FaultSink, scope?: QueryScope): Promise<LoadedFeatures[]> {
    const out: (DecodedHash | undefined)[] = ids.map((id) => this.#cache.get(id));
    const missing = [...new Set(ids.filter((_, i) => out[i] === undefined))];
    if (missing.length > 0) {
      const fetched = await this.#fetch(missing, scope);
      ids.forEach((id, i) => {
        if (out[i] === undefined) out[i] = fetched?.get(id);
      });
    }
    return out.map((h, i) => {
      if (!h) return { ...this.#conf.Defaults };
      for (const f of h.faults) {
        this.#metrics.featureDefaults.labels(this.#dialect.family, f.feature, f.reason).inc();
        faults?.(ids[i] ?? '', f);
      }
      return h.features;
    });
  }

  /** Rows by id; an id without a row gets its defaults (cached: the row is known to be absent). Undefined when the query failed. */
  async #fetch(ids: readonly string[], scope: QueryScope | undefined): Promise<Map<string, DecodedHash> | undefined> {
    const client = this.#client();
    let rows: Record<string, unknown>[];
    try {
      if (!client) throw new Error('no client');
      const match = this.#dialect.anyOf(this.#key, ids, 1);
      rows = await client.query<Record<string, unknown>>('features', this.#select + match.sql, match.values, scope);
    } catch {
      // Defaults are not cached: the next request asks the database again. A missing
      // client is counted here too (the query path counts its own failures).
      if (!client) this.#metrics.databases.failures.labels(this.#name, 'features').inc();
      return undefined;
    }
    const byId = new Map<string, DecodedHash>();
    for (const row of rows) {
      const id = asText(row[this.#key]);
      if (id === undefined) continue;
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) {
        if (k === this.#key) continue;
        const t = asText(v);
        if (t !== undefined) values[k] = t;
      }
      byId.set(id, decodeHash(undefined, values, this.#conf.Defaults, this.#vectors));
    }
    for (const id of ids) {
      let h = byId.get(id);
      if (!h) byId.set(id, (h = decodeHash(undefined, {}, this.#conf.Defaults, this.#vectors)));
      this.#cache.set(id, h);
    }
    return byId;
  }
}
