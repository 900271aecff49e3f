/** One admitted request's hold on the concurrency limit; `owner` is cleared when it is released. */
export interface Slot<O extends object> {
  owner: O | undefined;
}

/**
 * The admission count, kept so that each slot is released exactly once whichever of its
 * terminal events comes first. A request has several: its response finishes, its
 * response closes, its request is aborted, its connection closes. No single one is
 * enough: a pipelined request queued behind others on a connection the client closed
 * gets no response event at all (Node never attaches that response to the socket), so
 * slots are grouped by owner (the connection) and its close releases all it still holds.
 *
 * No I/O: the caller wires events to `release` and `releaseOwner`; both may be called
 * any number of times, in any order.
 */
export class SlotLedger<O extends object> {
  #held = 0;
  /** The slots each owner still holds; an owner that closed is simply dropped with its set. */
  readonly #byOwner = new WeakMap<O, Set<Slot<O>>>();

  /** Slots taken and not yet released. */
  get held(): number {
    return this.#held;
  }

  /**
   * Takes a slot for `owner`. `watch` is called once per owner, the first time it takes a
   * slot: the caller then arranges for `releaseOwner` on the owner's close.
   */
  acquire(owner: O, watch: (owner: O) => void): Slot<O> {
    let slots = this.#byOwner.get(owner);
    if (slots === undefined) {
      slots = new Set();
      this.#byOwner.set(owner, slots);
      watch(owner);
    }
    const slot: Slot<O> = { owner };
    slots.add(slot);
    this.#held++;
    return slot;
  }

  /** Releases `slot` if it is still held; true the one time it was. */
  release(slot: Slot<O>): boolean {
    const owner = slot.owner;
    if (owner === undefined) return false;
    slot.owner = undefined;
    this.#byOwner.get(owner)?.delete(slot);
    this.#held--;
    return true;
  }

  /** Releases every slot `owner` still holds (its connection closed); returns how many. */
  releaseOwner(owner: O): number {
    const slots = this.#byOwner.get(owner);
    if (slots === undefined) return 0;
    this.#byOwner.delete(owner);
    let n = 0;
    for (const slot of slots) {
      slot.owner = undefined;
      n++;
    }
    this.#held -= n;
    return n;
  }
}
