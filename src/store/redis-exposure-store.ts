import type { EngineMetrics } from '../observability/metrics.js';
import type { ExposureStore } from './exposure-store.js';
import type { RedisClient } from './redis.js';

export interface RedisExposureOptions {
  /** RedisConfs name, for the failure metric. */
  readonly redisName: string;
  readonly prefix: string;
  /** Exposures kept per user: the oldest beyond it are trimmed on write. */
  readonly maxItems: number;
  /** Lifetime of a user's set after its last write, in seconds. */
  readonly ttlSeconds: number;
}

/**
 * Exposures in Redis: one sorted set per user (`prefix + uid`), member = item id,
 * score = time shown in ms. A write re-scores shown items, trims to maxItems and renews
 * the TTL in one MULTI; a read is one ZRANGEBYSCORE. Redis failures are counted and
 * swallowed: the exposure filter then filters nothing (fails open) and the callback
 * still answers, because a recommendation without the filter beats no recommendation.
 */
export class RedisExposureStore implements ExposureStore {
  readonly #client: () => RedisClient | undefined;
  readonly #opts: RedisExposureOptions;
  readonly #metrics: EngineMetrics;

  /** `client` is looked up per call, so a client replaced by a reload is picked up. */
  constructor(client: () => RedisClient | undefined, opts: RedisExposureOptions, metrics: EngineMetrics) {
    this.#client = client;
    this.#opts = opts;
    this.#metrics = metrics;
  }

  get maxItems(): number {
    return this.#opts.maxItems;
  }

  get ttlSeconds(): number {
    return this.#opts.ttlSeconds;
  }

  key(uid: string): string {
    return `${this.#opts.prefix}${uid}`;
  }

  async add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void> {
    if (itemIds.length === 0) return;
    const client = this.#client();
    const key = this.key(uid);
    const args: (string | number)[] = [];
    for (const id of itemIds) args.push(nowMs, id);
    try {
      if (!client) throw new Error('no client');
      await client
        .multi()
        .zadd(key, ...args)
        // Keep the newest maxItems: remove ranks 0 .. -(maxItems + 1) (lowest scores).
        .zremrangebyrank(key, 0, -(this.#opts.maxItems + 1))
        .expire(key, this.#opts.ttlSeconds)
        .exec();
    } catch {
      this.#metrics.redisFailures.labels(this.#opts.redisName, 'exposure_add').inc();
    }
  }

  async seen(uid: string, sinceMs: number): Promise<ReadonlySet<string>> {
    const client = this.#client();
    try {
      if (!client) throw new Error('no client');
      const ids = await client.zrangebyscore(this.key(uid), `(${sinceMs}`, '+inf');
      return new Set(ids);
    } catch {
      this.#metrics.redisFailures.labels(this.#opts.redisName, 'exposure_seen').inc();
      return new Set();
    }
  }
}
