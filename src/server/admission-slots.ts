/** What one owner (a connection) holds: its count, until it closes. */
interface Holder {
  count: number;
  closed: boolean;
}

/** One admitted request's hold on the concurrency limit. */
export interface Slot {
  readonly holder: Holder;
  /** False once `release` was called on it (its owner's close releases it without touching it). */
  pending: boolean;
}

/**
 * The admission count, kept so that each slot is released exactly once whichever of its
 * terminal events comes first. A request has several: its response finishes, its
 * response closes, its request is aborted, its connection closes. No single one is
 * enough: a pipelined request queued behind others on a connection the client closed
 * gets no response event at all (Node never attaches that response to the socket), so
 * slots are counted per owner (the connection) and its close releases all it still holds.
 *
 * No I/O, O(1) per call: the caller wires events to `release` and `releaseOwner`; both may
 * be called any number of times, in any order.
 */
export class SlotLedger<O extends object> {
  #held = 0;
  readonly #holders = new WeakMap<O, Holder>();

  /** Slots taken and not yet released. */
  get held(): number {
    return this.#held;
  }

  /**
   * Takes a slot for `owner`. `watch` is called once per owner, the first time it takes a
   * slot: the caller then arranges for `releaseOwner` on the owner's close.
   */
  acquire(owner: O, watch: (owner: O) => void): Slot {
    let holder = this.#holders.get(owner);
    if (holder === undefined) {
      holder = { count: 0, closed: false };
      this.#holders.set(owner, holder);
      watch(owner);
    }
    holder.count++;
    this.#held++;
    return { holder, pending: true };
  }

  /** True while `slot` is held. */
  holds(slot: Slot): boolean {
    return slot.pending && !slot.holder.closed;
  }

  /** Releases `slot` if it is still held; true the one time it was. */
  release(slot: Slot): boolean {
    if (!this.holds(slot)) return false;
    slot.pending = false;
    slot.holder.count--;
    this.#held--;
    return true;
  }

  /** Releases every slot `owner` still holds (its connection closed); returns how many. */
  releaseOwner(owner: O): number {
    const holder = this.#holders.get(owner);
    if (holder === undefined) return 0;
    this.#holders.delete(owner);
    holder.closed = true;
    const n = holder.count;
    holder.count = 0;
    this.#held -= n;
    return n;
  }
}
