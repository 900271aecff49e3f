/**
 * Item ids interned to small integers, reference-counted: the exposure store keeps one
 * index per (user, item) entry instead of a string, and an id no entry refers to any
 * more is released (its slot reused), so the table never outgrows what the store holds.
 * The primary process has no catalog, so ids cannot be catalog rows; every process
 * interns on its own and ids travel between processes as strings.
 */

/**
 * Estimated bytes of one interned id beyond its characters: its Map entry (hash-table
 * slots and chain) and the string header. With the slots below, measured on Node 20 at
 * ≈ 75 bytes (test/unit/exposure-store.test.ts checks the estimate stays above the
 * measured cost).
 */
export const ITEM_OVERHEAD_BYTES = 80;
/**
 * Bytes of one index slot, used or free: its ids-array and free-list entries. Slots are
 * reused, never released: they are counted whether in use or not, so the table's
 * high-water mark stays within the store's bound too.
 */
const SLOT_BYTES = 16;

/** Characters cost one byte each in V8's one-byte strings, two otherwise: assume two. */
export const stringBytes = (s: string): number => 2 * s.length;

export class ItemInterner {
  readonly #index = new Map<string, number>();
  readonly #ids: (string | undefined)[] = [];
  #refs = new Int32Array(16);
  readonly #free: number[] = [];
  #bytes = 0;

  /** Estimated bytes held: live ids, and every slot (in use or free) with its reference count. */
  get bytes(): number {
    return this.#bytes + this.#ids.length * SLOT_BYTES + this.#refs.length * 4;
  }

  /** Ids currently interned. */
  get size(): number {
    return this.#index.size;
  }

  /** Index of `id`, interning it; the caller now holds one reference. */
  ref(id: string): number {
    let idx = this.#index.get(id);
    if (idx === undefined) {
      idx = this.#free.pop() ?? this.#ids.length;
      if (idx === this.#ids.length) this.#ids.push(id);
      else this.#ids[idx] = id;
      if (idx >= this.#refs.length) {
        const grown = new Int32Array(this.#refs.length * 2);
        grown.set(this.#refs);
        this.#refs = grown;
      }
      this.#index.set(id, idx);
      this.#bytes += ITEM_OVERHEAD_BYTES + stringBytes(id);
    }
    this.#refs[idx] = (this.#refs[idx] ?? 0) + 1;
    return idx;
  }

  /** Drops one reference; the id is released when none is left. */
  unref(idx: number): void {
    const left = (this.#refs[idx] ?? 0) - 1;
    this.#refs[idx] = left;
    if (left > 0) return;
    const id = this.#ids[idx];
    if (id === undefined) return;
    this.#index.delete(id);
    this.#ids[idx] = undefined;
    this.#free.push(idx);
    this.#bytes -= ITEM_OVERHEAD_BYTES + stringBytes(id);
  }

  id(idx: number): string {
    const id = this.#ids[idx];
    if (id === undefined) throw new Error(`item index ${idx} is not interned`);
    return id;
  }
}
