/** Why a reader was cut off: its body took longer than the timeout, or too many were slow at once. */
export type ExpireReason = 'timeout' | 'crowded';

export interface BodyReadersOptions<R> {
  /** A body must arrive within this, ms, counted from its request's headers. */
  readonly timeoutMs: number;
  /** Requests that have been reading for at least one sweep interval, at most; the oldest over it is cut off. */
  readonly maxReaders: number;
  /** Answers `reply` 408 and closes its connection (or just closes it when an answer already went out). */
  readonly expire: (reply: R, reason: ExpireReason) => void;
}

interface Reader<R> {
  /** The sweep tick at which reading began. */
  readonly tick: number;
  readonly reply: R;
}

/**
 * The requests reading a body, in arrival order, with two bounds: a body timeout, short
 * by default, and a count. Waiting for a client's bytes costs the server a socket and
 * nothing else, so these requests are not admitted (admission comes after the body);
 * without bounds of their own, thousands of sockets trickling a byte every few seconds
 * would hold the server until RequestTimeoutMs.
 *
 * Time is kept in ticks of a sweep timer, not read per request: a body is cut off
 * between `timeoutMs` and `timeoutMs` + one interval after its headers (Node checks its
 * own request timeout the same way, every second). The count bound applies only to
 * requests that began before the current tick: a normal client's body arrives with its
 * headers and is read within the same turn of the event loop, so a burst of pipelined
 * requests is never cut, while an attacker's trickling sockets age into the bound, and
 * past it the one reading longest is cut off first (so new clients keep being read).
 */
export class BodyReaders<R> {
  readonly intervalMs: number;
  readonly #ticksToExpire: number;
  readonly #max: number;
  readonly #expire: (reply: R, reason: ExpireReason) => void;
  /** Insertion order is arrival order: the oldest reader is always the first entry. */
  readonly #reading = new Map<object, Reader<R>>();
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Readers cut off since start, by reason. */
  readonly expired: Record<ExpireReason, number> = { timeout: 0, crowded: 0 };

  constructor(opts: BodyReadersOptions<R>) {
    this.intervalMs = Math.min(1000, Math.max(10, Math.floor(opts.timeoutMs / 4)));
    // Begun at tick k means begun after sweep k: at sweep m at least (m - k - 1) intervals have passed.
    this.#ticksToExpire = Math.ceil(opts.timeoutMs / this.intervalMs) + 1;
    this.#max = opts.maxReaders;
    this.#expire = opts.expire;
  }

  /** Requests reading a body now. */
  get size(): number {
    return this.#reading.size;
  }

  start(): this {
    this.#timer ??= setInterval(() => this.sweep(), this.intervalMs).unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** `key` (the request) started reading its body; `reply` is what `expire` is given. */
  begin(key: object, reply: R): void {
    this.#reading.set(key, { tick: this.#tick, reply });
    if (this.#reading.size > this.#max) this.#trim();
  }

  /** The body of `key` was read, or its request ended another way; any number of calls. */
  end(key: object): void {
    this.#reading.delete(key);
  }

  /** One tick: cuts off the readers past the timeout, then the oldest over the count. */
  sweep(): void {
    this.#tick++;
    for (const [key, r] of this.#reading) {
      if (this.#tick - r.tick < this.#ticksToExpire) break;
      this.#cut(key, r, 'timeout');
    }
    this.#trim();
  }

  #trim(): void {
    for (const [key, r] of this.#reading) {
      if (this.#reading.size <= this.#max || r.tick === this.#tick) return;
      this.#cut(key, r, 'crowded');
    }
  }

  #cut(key: object, r: Reader<R>, reason: ExpireReason): void {
    this.#reading.delete(key);
    this.expired[reason]++;
    this.#expire(r.reply, reason);
  }
}
