/**
 * A bounded LRU whose entries also expire `ttlMs` after they were written. A Map keeps
 * insertion order, so re-inserting on a hit makes it the most recent and the first key
 * is always the least recently used. `now` is injectable so tests control time.
 */
export class TtlCache<V> {
  readonly #map = new Map<string, { value: V; expires: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(maxEntries: number, ttlMs: number, now: () => number = Date.now) {
    this.#max = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    this.#map.delete(key);
    if (e.expires <= this.#now()) return undefined;
    this.#map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    // A zero size or lifetime disables the cache: nothing is kept.
    if (this.#max <= 0 || this.#ttlMs <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expires: this.#now() + this.#ttlMs });
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }

  get size(): number {
    return this.#map.size;
  }
}
