/**
 * A bulkhead: at most `limit` calls in flight to one backend; a call over the limit is
 * refused at once rather than queued, so a slow backend holds a bounded share of the
 * process (sockets, memory, event-loop work) and the caller falls back immediately.
 */
export class Bulkhead {
  readonly limit: number;
  #inFlight = 0;

  /** `limit` 0 means no limit. */
  constructor(limit: number) {
    this.limit = limit;
  }

  tryEnter(): boolean {
    if (this.limit > 0 && this.#inFlight >= this.limit) return false;
    this.#inFlight++;
    return true;
  }

  leave(): void {
    this.#inFlight--;
  }
}
