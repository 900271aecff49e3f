import type { FeatureDaoConf } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { RedisClient } from '../store/redis.js';
import type { Candidate, PipelineContext } from '../pipeline/context.js';
import { TtlCache } from './ttl-cache.js';
import type { FeatureLoader } from './file-features.js';

/** Features read from one hash: numbers where the value parses as one, else strings. */
export type LoadedFeatures = Record<string, number | string>;

/** The hash key of a user or item: PaiRec's prefix + id. */
export function featureKey(prefix: string, id: string): string {
  return `${prefix}${id}`;
}

/** Redis hashes hold strings; a feature that reads as a finite number is used as one. */
export function parseFeatureValue(raw: string): number | string {
  const t = raw.trim();
  if (t === '') return raw;
  const n = Number(t);
  return Number.isFinite(n) ? n : raw;
}

/** Fields read (or all of them), with declared defaults for those missing. */
export function toFeatures(fields: readonly string[] | undefined, values: (string | null)[] | Record<string, string>, defaults: Readonly<Record<string, number | string>>): LoadedFeatures {
  const out: LoadedFeatures = { ...defaults };
  if (Array.isArray(values)) {
    fields?.forEach((f, i) => {
      const v = values[i];
      if (typeof v === 'string') out[f] = parseFeatureValue(v);
    });
  } else {
    for (const [k, v] of Object.entries(values)) out[k] = parseFeatureValue(v);
  }
  return out;
}

/**
 * One FeatureLoadConfs entry: reads the user's hash or every candidate's hash, through a
 * local LRU with TTL. Single-node Redis gets one pipeline per request; a cluster gets the
 * same commands auto-pipelined per node (a pipeline there cannot span slots). A failed
 * read is counted and the declared defaults are used instead: features degrade, the
 * request does not fail.
 */
export class RedisFeatureLoader implements FeatureLoader {
  readonly #conf: FeatureDaoConf;
  readonly #client: () => RedisClient | undefined;
  readonly #metrics: EngineMetrics;
  readonly #cache: TtlCache<LoadedFeatures>;

  constructor(conf: FeatureDaoConf, client: () => RedisClient | undefined, metrics: EngineMetrics) {
    this.#conf = conf;
    this.#client = client;
    this.#metrics = metrics;
    this.#cache = new TtlCache(conf.CacheSize, conf.CacheTime * 1000);
  }

  get store(): 'user' | 'item' {
    return this.#conf.FeatureStore;
  }

  /** Features of each id, in order; cached entries are not read again. */
  async load(ids: readonly string[]): Promise<LoadedFeatures[]> {
    const out: (LoadedFeatures | undefined)[] = ids.map((id) => this.#cache.get(id));
    const missing = ids.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      const fetched = await this.#fetch(missing);
      const byId = new Map(missing.map((id, i) => [id, fetched[i]]));
      ids.forEach((id, i) => {
        if (out[i] === undefined) out[i] = byId.get(id);
      });
    }
    return out.map((f) => f ?? { ...this.#conf.Defaults });
  }

  async #fetch(ids: readonly string[]): Promise<(LoadedFeatures | undefined)[]> {
    const { RedisPrefix: prefix, Fields: fields, Defaults: defaults } = this.#conf;
    const client = this.#client();
    try {
      if (!client) throw new Error('no client');
      let replies: ((string | null)[] | Record<string, string>)[];
      if (client.isCluster) {
        replies = await Promise.all(
          ids.map((id) => (fields ? client.hmget(featureKey(prefix, id), ...fields) : client.hgetall(featureKey(prefix, id)))),
        );
      } else {
        const p = client.pipeline();
        for (const id of ids) {
          if (fields) p.hmget(featureKey(prefix, id), ...fields);
          else p.hgetall(featureKey(prefix, id));
        }
        const res = (await p.exec()) ?? [];
        replies = res.map(([err, v]) => {
          if (err) throw err;
          return v as (string | null)[] | Record<string, string>;
        });
      }
      return replies.map((r, i) => {
        const f = toFeatures(fields, r, defaults);
        this.#cache.set(ids[i] ?? '', f);
        return f;
      });
    } catch {
      // Defaults are not cached: the next request tries Redis again.
      this.#metrics.redisFailures.labels(this.#conf.RedisName ?? '', 'features').inc();
      return ids.map(() => undefined);
    }
  }
}

/**
 * The "features" stage: user loaders merge into the user's features, item loaders into
 * each candidate's `features`. Loaders run concurrently; the stage returns the new
 * context because the user's features are part of it.
 */
export async function loadFeatures(loaders: readonly FeatureLoader[], cands: Candidate[], ctx: PipelineContext): Promise<PipelineContext> {
  const user: LoadedFeatures = {};
  await Promise.all(
    loaders.map(async (l) => {
      if (l.store === 'user') {
        const [f] = await l.load([ctx.request.uid]);
        Object.assign(user, f);
        return;
      }
      const feats = await l.load(cands.map((c) => c.itemId));
      cands.forEach((c, i) => {
        c.features = Object.assign(c.features ?? {}, feats[i]);
      });
    }),
  );
  // Request features win over stored ones: the caller knows the current context best.
  return Object.keys(user).length === 0 ? ctx : { ...ctx, userFeatures: { ...user, ...ctx.userFeatures } };
}
