import { performance } from 'node:perf_hooks';
import { PairecError } from '../../errors.js';
import type { RejectionReason } from '../../observability/pool-metrics.js';

/** Gives back an admitted run's slot; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  readonly resolve: (release: Release) => void;
  readonly reject: (err: PairecError) => void;
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * The spec's worker-pool semantics without goroutines: at most `maxRunning` runs hold a
 * slot at once, at most `maxQueue` wait for one (first come, first served), and one more
 * is rejected at once with ERR_QUEUE_FULL — a full queue answers now, never later. A
 * waiting run leaves the queue when its signal aborts, and a run whose deadline has passed
 * by the time a slot frees is rejected instead of started.
 */
export class RunLimiter {
  readonly #maxRunning: number;
  readonly #maxQueue: number;
  readonly #label: string;
  // An array with a moving head: FIFO without the O(n) cost of shift() on long queues.
  #queue: (Waiter | undefined)[] = [];
  #head = 0;
  #queued = 0;
  #running = 0;
  #closed = false;
  #idle: (() => void) | undefined;
  readonly #onReject: ((reason: RejectionReason) => void) | undefined;

  /** `onReject` hears of every run turned away (queue full, or too late once a slot freed). */
  constructor(maxRunning: number, maxQueue: number, label: string, onReject?: (reason: RejectionReason) => void) {
    if (!Number.isInteger(maxRunning) || maxRunning < 1) throw new RangeError('maxRunning must be a positive integer');
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError('maxQueue must be a non-negative integer');
    this.#maxRunning = maxRunning;
    this.#maxQueue = maxQueue;
    this.#label = label;
    this.#onReject = onReject;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Resolves with a release function once the run may start. */
  acquire(signal: AbortSignal, deadline: number): Promise<Release> {
    if (this.#closed) return Promise.reject(new PairecError('ERR_ALGORITHM_CLOSED', `"${this.#label}" is closed`));
    if (signal.aborted) return Promise.reject(new PairecError('ERR_ABORTED', `run of "${this.#label}" aborted before it started`));
    if (this.#running < this.#maxRunning && this.#queued === 0) {
      if (deadline <= performance.now()) return Promise.reject(this.#late());
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    if (this.#queued >= this.#maxQueue) {
      this.#onReject?.('queue_full');
      return Promise.reject(
        new PairecError('ERR_QUEUE_FULL', `worker pool queue full: "${this.#label}" has ${this.#queued} runs waiting (MaxQueue ${this.#maxQueue})`),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const index = this.#queue.length;
      const onAbort = (): void => {
        if (this.#queue[index] !== waiter) return;
        this.#queue[index] = undefined;
        this.#queued--;
        reject(new PairecError('ERR_ABORTED', `run of "${this.#label}" aborted while queued`));
      };
      const waiter: Waiter = { resolve, reject, deadline, signal, onAbort };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#queued++;
    });
  }

  /** Resolves when no run holds a slot (after close, nothing new starts). */
  whenIdle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.#idle;
      this.#idle = () => {
        prev?.();
        resolve();
      };
    });
  }

  /** Rejects every waiting run with ERR_ALGORITHM_CLOSED and admits no more. */
  close(): void {
    this.#closed = true;
    for (let w = this.#shift(); w; w = this.#shift()) {
      w.reject(new PairecError('ERR_ALGORITHM_CLOSED', `"${this.#label}" closed while the run was queued`));
    }
  }

  #late(): PairecError {
    this.#onReject?.('deadline');
    return new PairecError('ERR_DEADLINE_EXCEEDED', `no time left to run "${this.#label}"`);
  }

  #shift(): Waiter | undefined {
    while (this.#head < this.#queue.length) {
      const w = this.#queue[this.#head];
      this.#queue[this.#head] = undefined;
      this.#head++;
      if (w) {
        this.#queued--;
        w.signal.removeEventListener('abort', w.onAbort);
        this.#compact();
        return w;
      }
    }
    this.#compact();
    return undefined;
  }

  // Indexes captured by waiting runs stay valid: the array is only reset when empty.
  #compact(): void {
    if (this.#queued === 0 && this.#head > 0) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#running--;
      this.#next();
    };
  }

  /** Hands a freed slot to the oldest waiter that is still in time. */
  #next(): void {
    while (this.#running < this.#maxRunning) {
      const w = this.#shift();
      if (!w) break;
      if (w.deadline <= performance.now()) {
        w.reject(this.#late());
        continue;
      }
      this.#running++;
      w.resolve(this.#releaser());
    }
    if (this.#running === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }
}
