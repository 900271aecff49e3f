import { performance } from 'node:perf_hooks';

/**
 * The event loop's current lag, from timer drift: a timer due every `intervalMs` records
 * how late it fired. Admission control reads `lagMs` on every request, so it must be a
 * plain field read; `monitorEventLoopDelay` keeps a histogram that has to be reset on a
 * timer anyway to say anything about *now*, and its percentiles are not free to read.
 * After a stall the timer fires first (timers run before I/O callbacks), so the requests
 * that queued up during the stall see the stall's lag and can be shed.
 */
export class LoopLagSampler {
  /** How late the last tick fired, in ms (0 when on time). */
  lagMs = 0;
  readonly #intervalMs: number;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = 20) {
    this.#intervalMs = intervalMs;
  }

  start(): this {
    if (this.#timer) return this;
    this.#last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.lagMs = Math.max(0, now - this.#last - this.#intervalMs);
      this.#last = now;
    }, this.#intervalMs);
    this.#timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.lagMs = 0;
  }
}
