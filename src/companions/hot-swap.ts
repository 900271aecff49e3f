import { PairecError } from '../errors.js';

interface Slot<T> {
  readonly value: T;
  leases: number;
  retired: boolean;
  /** Settles the promise `swap` returned for the value that replaced this one (rejects if closing failed). */
  onClosed: ((err?: unknown) => void) | undefined;
}

/**
 * What a companion server serves (a model, an index), replaced whole on reload: a call
 * leases the value it started with, a new value is swapped in with one assignment once it
 * is complete, and the value it replaced is closed when its last lease ends, so no call
 * ever sees a closed or half-built value.
 */
export class HotSwap<T> {
  readonly #dispose: (value: T) => Promise<void> | void;
  #slot: Slot<T> | undefined;

  constructor(dispose: (value: T) => Promise<void> | void) {
    this.#dispose = dispose;
  }

  /** The value new calls get; undefined before the first swap and after close. */
  get current(): T | undefined {
    return this.#slot?.value;
  }

  /** Runs `fn` on the current value; that value is not closed before `fn` settles. */
  async use<R>(fn: (value: T) => Promise<R> | R): Promise<R> {
    const slot = this.#slot;
    if (!slot) throw new PairecError('ERR_NOT_READY', 'nothing is loaded');
    slot.leases++;
    try {
      return await fn(slot.value);
    } finally {
      slot.leases--;
      if (slot.retired && slot.leases === 0) void this.#close(slot);
    }
  }

  /** Serves `next` from now on; resolves once the value it replaced is closed. */
  swap(next: T): Promise<void> {
    const old = this.#slot;
    this.#slot = { value: next, leases: 0, retired: false, onClosed: undefined };
    return old ? this.#retire(old) : Promise.resolve();
  }

  /** Serves nothing more; resolves once the last value is closed (after its calls end). */
  close(): Promise<void> {
    const old = this.#slot;
    this.#slot = undefined;
    return old ? this.#retire(old) : Promise.resolve();
  }

  #retire(slot: Slot<T>): Promise<void> {
    slot.retired = true;
    const closed = new Promise<void>((resolve, reject) => (slot.onClosed = (err) => (err === undefined ? resolve() : reject(err))));
    if (slot.leases === 0) void this.#close(slot);
    return closed;
  }

  async #close(slot: Slot<T>): Promise<void> {
    const done = slot.onClosed;
    if (!done) return; // closed already
    slot.onClosed = undefined;
    try {
      await this.#dispose(slot.value);
    } catch (err) {
      done(err ?? new Error('closing failed'));
      return;
    }
    done();
  }
}
