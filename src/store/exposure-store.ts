import type { QueryScope } from './hologres.js';
import { ItemInterner, stringBytes } from './item-interner.js';

/**
 * Items already shown to each user, with the time they were shown: what the exposure
 * filter removes. The in-memory store is the default; a Redis store implements the same
 * interface.
 */
export interface ExposureStore {
  /** Records items as shown to `uid` at `nowMs`. */
  add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void>;
  /** Items shown to `uid` after `sinceMs`; a store behind a network bounds its read by `scope` (the request's deadline). */
  seen(uid: string, sinceMs: number, scope?: QueryScope): Promise<ReadonlySet<string>>;
}

export interface MemoryExposureOptions {
  /** Most recent exposures kept per user. */
  readonly maxItemsPerUser: number;
  /** Users kept; the least recently shown user is dropped beyond it. */
  readonly maxUsers: number;
  /** Bound of the store's estimated bytes (entries, interned ids, per-user overhead); sizing/sizing.ts derives it. */
  readonly maxBytes: number;
}

/** One user's exposures as they travel between processes: parallel arrays, oldest first. */
export interface UserExposures {
  readonly uid: string;
  readonly items: readonly string[];
  readonly times: readonly number[];
}

/**
 * Estimated bytes of one user beyond its uid's characters and its entries: the Map entry,
 * the uid string header, the record object and its Float64Array (object, ArrayBuffer and
 * backing-store header). Measured on Node 20 at ≈ 340 bytes (test/unit/exposure-store.test.ts checks the estimate stays above the measured cost).
 */
export const USER_OVERHEAD_BYTES = 384;
/** One entry: its time and its item index, two float64s. */
export const ENTRY_BYTES = 16;

/** A user's entries, `[time, item index]` pairs sorted by time (oldest first), `n` in use. */
interface UserRecord {
  data: Float64Array;
  n: number;
}

const recordBytes = (uid: string, r: UserRecord): number => USER_OVERHEAD_BYTES + stringBytes(uid) + r.data.length * 8;

/**
 * Bounded, compact in-memory exposures. Per user one Float64Array of (time, interned
 * item index) pairs sorted by time; users in a Map kept in the order they were last
 * shown something, so the least recently shown are evicted first whenever the store's
 * bytes pass `maxBytes` (or the users pass `maxUsers`). The bytes counted include the
 * interning table, which only holds ids some entry refers to.
 *
 * A write is a merge by the latest time per item, so applying the same exposures twice,
 * or relays and a snapshot in any order, gives the same store (server/cluster/).
 */
export class MemoryExposureStore implements ExposureStore {
  readonly #users = new Map<string, UserRecord>();
  readonly #items = new ItemInterner();
  readonly #opts: MemoryExposureOptions;
  #userBytes = 0;
  #evictions = 0;

  constructor(opts: MemoryExposureOptions) {
    this.#opts = opts;
  }

  get options(): MemoryExposureOptions {
    return this.#opts;
  }

  get users(): number {
    return this.#users.size;
  }

  has(uid: string): boolean {
    return this.#users.has(uid);
  }

  /** Distinct item ids interned (each referred to by some user's entry). */
  get internedItems(): number {
    return this.#items.size;
  }

  /** Estimated bytes held; never above `maxBytes` once a write returns. */
  get bytes(): number {
    return this.#userBytes + this.#items.bytes;
  }

  /** Users evicted to keep within the bounds since the store was made. */
  get evictions(): number {
    return this.#evictions;
  }

  add(uid: string, itemIds: readonly string[], nowMs: number): Promise<void> {
    this.merge(uid, itemIds, nowMs);
    return Promise.resolve();
  }

  seen(uid: string, sinceMs: number): Promise<ReadonlySet<string>> {
    return Promise.resolve(this.seenNow(uid, sinceMs));
  }

  /** seen(), synchronously. */
  seenNow(uid: string, sinceMs: number): Set<string> {
    const out = new Set<string>();
    const r = this.#users.get(uid);
    if (!r) return out;
    for (let i = r.n - 1; i >= 0 && r.data[2 * i]! > sinceMs; i--) out.add(this.#items.id(r.data[2 * i + 1]!));
    return out;
  }

  /**
   * Records `itemIds` as shown to `uid` at `times` (one time for all, or one per item),
   * keeping per item the latest time; then keeps the user's newest `maxItemsPerUser` and
   * evicts the least recently shown users beyond the bounds.
   */
  merge(uid: string, itemIds: readonly string[], times: number | readonly number[]): void {
    if (itemIds.length === 0) return;
    const old = this.#users.get(uid);
    // Item index → time, oldest first; an item shown again moves to the end.
    const merged = new Map<number, number>();
    if (old) {
      for (let i = 0; i < old.n; i++) merged.set(old.data[2 * i + 1]!, old.data[2 * i]!);
      this.#users.delete(uid); // re-inserted below: most recently shown last
      this.#userBytes -= recordBytes(uid, old);
    }
    for (let i = 0; i < itemIds.length; i++) {
      const t = typeof times === 'number' ? times : times[i];
      if (t === undefined || !Number.isFinite(t)) continue;
      const idx = this.#items.ref(itemIds[i]!);
      const prev = merged.get(idx);
      if (prev === undefined) merged.set(idx, t);
      else {
        this.#items.unref(idx); // the entry already holds a reference
        if (t > prev) {
          merged.delete(idx);
          merged.set(idx, t);
        }
      }
    }
    // Stable: equal times keep their arrival order. Usually sorted already (a callback is newest).
    const entries = [...merged].sort((a, b) => a[1] - b[1]);
    const drop = Math.max(0, entries.length - this.#opts.maxItemsPerUser);
    for (let i = 0; i < drop; i++) this.#items.unref(entries[i]![0]);
    const n = entries.length - drop;
    const data = old && old.data.length >= 2 * n ? old.data : new Float64Array(2 * Math.min(this.#opts.maxItemsPerUser, Math.max(n, 2 * (old?.n ?? 0), 4)));
    for (let i = 0; i < n; i++) {
      const [idx, t] = entries[drop + i]!;
      data[2 * i] = t;
      data[2 * i + 1] = idx;
    }
    const rec: UserRecord = { data, n };
    this.#users.set(uid, rec);
    this.#userBytes += recordBytes(uid, rec);
    this.#evict();
  }

  /** Every user's exposures, least recently shown first (what a snapshot carries). */
  *dump(): Generator<UserExposures> {
    for (const [uid, r] of this.#users) {
      const items: string[] = [];
      const times: number[] = [];
      for (let i = 0; i < r.n; i++) {
        times.push(r.data[2 * i]!);
        items.push(this.#items.id(r.data[2 * i + 1]!));
      }
      yield { uid, items, times };
    }
  }

  #evict(): void {
    while (this.#users.size > 0 && (this.bytes > this.#opts.maxBytes || this.#users.size > this.#opts.maxUsers)) {
      const [uid, r] = this.#users.entries().next().value as [string, UserRecord];
      this.#users.delete(uid);
      for (let i = 0; i < r.n; i++) this.#items.unref(r.data[2 * i + 1]!);
      this.#userBytes -= recordBytes(uid, r);
      this.#evictions++;
    }
  }
}
