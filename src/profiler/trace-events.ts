import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

/** One complete event ('X') of the Chrome trace-event format; times in microseconds. */
export interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: 'X' | 'M';
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

/**
 * Collects spans as Chrome trace-event JSON (`{ traceEvents: [...] }`), which Perfetto,
 * chrome://tracing and speedscope open. Written here rather than through
 * node:inspector's NodeTracing domain: that one records V8 and Node internals
 * asynchronously and flushes through a callback chain, while what a profile run needs is
 * one event per algorithm run, stamped on the same clock as the timing figures.
 */
export class TraceEventLog {
  readonly #events: TraceEvent[] = [];
  readonly #pid = process.pid;

  constructor(processName: string) {
    this.#events.push({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: this.#pid, tid: threadId, args: { name: processName } });
  }

  /** A span from two `performance.now()` readings, in ms. */
  span(name: string, cat: string, startMs: number, endMs: number, args?: Readonly<Record<string, unknown>>): void {
    const ts = (performance.timeOrigin + startMs) * 1000;
    this.#events.push({ name, cat, ph: 'X', ts, dur: (endMs - startMs) * 1000, pid: this.#pid, tid: threadId, ...(args ? { args } : {}) });
  }

  get size(): number {
    return this.#events.length;
  }

  toJSON(): { traceEvents: readonly TraceEvent[]; displayTimeUnit: 'ms' } {
    return { traceEvents: this.#events, displayTimeUnit: 'ms' };
  }
}
