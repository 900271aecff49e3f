import type { EngineMetrics } from '../observability/metrics.js';
import type { ExposureStore } from './exposure-store.js';
import type { QueryScope, SqlClient } from './sql-client.js';
import { dialectOf } from './sql-dialect.js';

export interface SqlExposureOptions {
  readonly adapter: 'hologres' | 'mysql';
  readonly database: string;
  readonly table: string;
  /** Rows read per user, newest first (PaiRec's MaxItems). */
  readonly maxItems: number;
}

/** PaiRec's exposure tables: the columns, and whether a row holds one callback's items comma-joined or one item. */
export const EXPOSURE_LAYOUTS = {
  hologres: { item: 'item', time: 'create_time', joined: true },
  mysql: { item: 'article_id', time: 'add_time', joined: false },
} as const;

/**
 * Exposures in PaiRec's tables, as its exposure filter writes and reads them, so a table
 * PaiRec wrote serves unchanged. Hologres (user_item_exposure_hologres_dao.go): uid text,
 * item text, create_time int (seconds), one row per callback with its items comma-joined.
 * MySQL (user_item_exposure_mysql_dao.go): uid, article_id, add_time (seconds), one row
 * per item. A read takes the user's newest MaxItems rows within the filter's TimeInterval.
 * A failed query is counted and swallowed: the filter filters nothing (fails open) and
 * the callback still answers, as with Redis.
 */
export class SqlExposureStore implements ExposureStore {
  readonly #client: () => SqlClient | undefined;
  readonly #opts: SqlExposureOptions;
  readonly #metrics: EngineMetrics;
  readonly #select: string;
  readonly #table: string;

  constructor(client: () => SqlClient | undefined, opts: SqlExposureOptions, metrics: EngineMetrics) {
    this.#client = client;
    this.#opts = opts;
    this.#metrics = metrics;
    const d = dialectOf(opts.adapter);
    const l = EXPOSURE_LAYOUTS[opts.adapter];
    this.#table = d.quote(opts.table);
    this.#select = `SELECT ${d.quote(l.item)} AS item FROM ${this.#table} WHERE uid = ${d.param(1)} AND ${d.quote(l.time)} >= ${d.param(2)} ORDER BY ${d.quote(l.time)} DESC LIMIT ${d.param(3)}`;
  }

  get maxItems(): number {
    return this.#opts.maxItems;
  }

  async add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void> {
    if (itemIds.length === 0) return;
    const client = this.#client();
    const d = dialectOf(this.#opts.adapter);
    const l = EXPOSURE_LAYOUTS[this.#opts.adapter];
    const t = Math.floor(nowMs / 1000);
    const cols = `(uid, ${d.quote(l.item)}, ${d.quote(l.time)})`;
    // Joined: one row per callback; else one row per item, in one multi-row INSERT.
    const rows = l.joined ? [[uid, itemIds.join(','), t]] : itemIds.map((id) => [uid, id, t]);
    const values: (string | number)[] = rows.flat();
    const tuples = rows.map((_, i) => `(${d.param(3 * i + 1)}, ${d.param(3 * i + 2)}, ${d.param(3 * i + 3)})`).join(', ');
    try {
      if (!client) throw new Error('no client');
      await client.query('exposure_add', `INSERT INTO ${this.#table} ${cols} VALUES ${tuples}`, values);
    } catch {
      if (!client) this.#metrics.databases.failures.labels(this.#opts.database, 'exposure_add').inc();
    }
  }

  async seen(uid: string, sinceMs: number, scope?: QueryScope): Promise<ReadonlySet<string>> {
    const client = this.#client();
    try {
      if (!client) throw new Error('no client');
      const rows = await client.query<{ item: unknown }>('exposure_seen', this.#select, [uid, Math.floor(sinceMs / 1000), this.#opts.maxItems], scope);
      const out = new Set<string>();
      for (const r of rows) for (const id of String(r.item ?? '').split(',')) if (id !== '') out.add(id);
      return out;
    } catch {
      if (!client) this.#metrics.databases.failures.labels(this.#opts.database, 'exposure_seen').inc();
      return new Set();
    }
  }
}
