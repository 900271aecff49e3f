import type { EngineMetrics } from '../observability/metrics.js';
import { quoteTable } from './sql-names.js';
import type { ExposureStore } from './exposure-store.js';
import type { HologresClient, QueryScope } from './hologres.js';

export interface HologresExposureOptions {
  readonly database: string;
  readonly table: string;
  /** Rows (callbacks) read per user, newest first (PaiRec's MaxItems). */
  readonly maxItems: number;
}

/**
 * Exposures in PaiRec's Hologres table (uid text, item text, create_time int, seconds):
 * one row per callback, its items comma-joined, as PaiRec's exposure filter writes and
 * reads it; a table written by PaiRec serves unchanged. A read takes the user's newest
 * MaxItems rows since the filter's TimeInterval. A failed query is counted and swallowed:
 * the filter filters nothing (fails open) and the callback still answers, as with Redis.
 */
export class HologresExposureStore implements ExposureStore {
  readonly #client: () => HologresClient | undefined;
  readonly #opts: HologresExposureOptions;
  readonly #metrics: EngineMetrics;
  readonly #insert: string;
  readonly #select: string;

  constructor(client: () => HologresClient | undefined, opts: HologresExposureOptions, metrics: EngineMetrics) {
    this.#client = client;
    this.#opts = opts;
    this.#metrics = metrics;
    const t = quoteTable(opts.table);
    this.#insert = `INSERT INTO ${t} (uid, item, create_time) VALUES ($1, $2, $3)`;
    this.#select = `SELECT item FROM ${t} WHERE uid = $1 AND create_time >= $2 ORDER BY create_time DESC LIMIT $3`;
  }

  get maxItems(): number {
    return this.#opts.maxItems;
  }

  async add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void> {
    if (itemIds.length === 0) return;
    const client = this.#client();
    try {
      if (!client) throw new Error('no client');
      await client.query('exposure_add', this.#insert, [uid, itemIds.join(','), Math.floor(nowMs / 1000)]);
    } catch {
      if (!client) this.#metrics.databases.failures.labels(this.#opts.database, 'exposure_add').inc();
    }
  }

  async seen(uid: string, sinceMs: number, scope?: QueryScope): Promise<ReadonlySet<string>> {
    const client = this.#client();
    try {
      if (!client) throw new Error('no client');
      const rows = await client.query<{ item: string | null }>('exposure_seen', this.#select, [uid, Math.floor(sinceMs / 1000), this.#opts.maxItems], scope);
      const out = new Set<string>();
      for (const r of rows) for (const id of (r.item ?? '').split(',')) if (id !== '') out.add(id);
      return out;
    } catch {
      if (!client) this.#metrics.databases.failures.labels(this.#opts.database, 'exposure_seen').inc();
      return new Set();
    }
  }
}
