/**
 * Items already shown to each user, with the time they were shown: what the exposure
 * filter removes. The in-memory store is the default; a Redis store implements the same
 * interface.
 */
export interface ExposureStore {
  /** Records items as shown to `uid` at `nowMs`. */
  add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void>;
  /** Items shown to `uid` after `sinceMs`. */
  seen(uid: string, sinceMs: number): Promise<ReadonlySet<string>>;
}

export interface MemoryExposureOptions {
  /** Most recent exposures kept per user. */
  readonly maxItemsPerUser: number;
  /** Users kept; the least recently written user is dropped beyond it. */
  readonly maxUsers: number;
}

/**
 * Bounded in-memory exposures: per user a Map of item → last shown time (insertion order
 * is recency order, so the oldest entries are dropped first), users in a Map used as an
 * LRU. Memory is bounded by maxUsers × maxItemsPerUser whatever the traffic.
 */
export class MemoryExposureStore implements ExposureStore {
  readonly #users = new Map<string, Map<string, number>>();
  readonly #opts: MemoryExposureOptions;

  constructor(opts: MemoryExposureOptions) {
    this.#opts = opts;
  }

  add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void> {
    let items = this.#users.get(uid);
    if (items) this.#users.delete(uid); // re-inserted below: most recent user last
    items ??= new Map();
    for (const id of itemIds) {
      items.delete(id);
      items.set(id, nowMs);
    }
    while (items.size > this.#opts.maxItemsPerUser) items.delete(items.keys().next().value as string);
    this.#users.set(uid, items);
    while (this.#users.size > this.#opts.maxUsers) this.#users.delete(this.#users.keys().next().value as string);
    return Promise.resolve();
  }

  seen(uid: string, sinceMs: number): Promise<ReadonlySet<string>> {
    const items = this.#users.get(uid);
    const out = new Set<string>();
    if (items) for (const [id, at] of items) if (at > sinceMs) out.add(id);
    return Promise.resolve(out);
  }

  get users(): number {
    return this.#users.size;
  }
}
