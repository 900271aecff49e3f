import { PairecError } from '../../errors.js';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext } from '../contract.js';
import type { Middleware } from './compose.js';
import { COALESCERS } from './coalesce.js';
import type { Coalescer } from './coalesce.js';
import type { PoolMetrics } from '../../observability/pool-metrics.js';

export interface BatchingOptions {
  /** Items (or query vectors) per backend call; a single larger run goes alone. */
  readonly batchSize: number;
  /** Longest a run waits for company before its batch is sent. */
  readonly batchTimeoutMs: number;
  /** Runs that may wait; one more is rejected at once with ERR_QUEUE_FULL. */
  readonly maxQueue: number;
  /** Queue depth, batches in flight, batch sizes and rejections, under the algorithm's name. */
  readonly metrics?: PoolMetrics;
}

interface Entry<K extends AlgorithmKind> {
  readonly input: KindInput<K>;
  readonly ctx: RunContext;
  readonly size: number;
  state: 'queued' | 'sent' | 'settled';
  resolve(out: KindOutput<K>): void;
  reject(err: unknown): void;
}

/**
 * A signal that aborts once every member's signal has aborted: one late caller keeps the
 * call alive. Its reason is the last member's, so the backend guard tells a batch whose
 * callers all went away (not the backend's fault) from one whose deadlines passed.
 */
function allAborted(signals: readonly AbortSignal[]): AbortSignal {
  const ctl = new AbortController();
  const live = signals.filter((s) => !s.aborted);
  if (live.length === 0) {
    ctl.abort(signals.at(-1)?.reason ?? new PairecError('ERR_ABORTED', 'every caller of the batch went away'));
    return ctl.signal;
  }
  let left = live.length;
  for (const s of live) s.addEventListener('abort', () => void (--left === 0 && ctl.abort(s.reason)), { once: true });
  return ctl.signal;
}

/**
 * The performance guide's BatchingAlgorithmProxy, done right: concurrent runs coalesce
 * into one backend call of up to `batchSize` items, sent when full or `batchTimeoutMs`
 * after the first run arrived. Each caller settles exactly once, with its own slice of
 * the output; a failing batch fails only its members; an aborted caller leaves at once
 * (the batch goes on for the others); a full queue rejects at once. The backend call
 * gets the latest deadline of its members and is aborted only when all of them are.
 */
export class BatchingAlgorithm<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  readonly #next: Algorithm<K>;
  readonly #opts: BatchingOptions;
  readonly #coalescer: Coalescer<K>;
  #queue: Entry<K>[] = [];
  #queuedSize = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #inFlight = 0;
  readonly #unregister: (() => void) | undefined;
  readonly #observe: ((items: number, runs: number) => void) | undefined;
  readonly #rejected: (() => void) | undefined;

  constructor(next: Algorithm<K>, opts: BatchingOptions) {
    this.name = next.name;
    this.type = next.type;
    this.kind = next.kind;
    this.#next = next;
    this.#opts = opts;
    this.#coalescer = COALESCERS[next.kind] as unknown as Coalescer<K>;
    const m = opts.metrics;
    if (m) {
      const size = m.batchSize.labels(next.name);
      const runs = m.batchRuns.labels(next.name);
      const full = m.rejections.labels(next.name, 'batching', 'queue_full');
      this.#observe = (items, n) => {
        size.observe(items);
        runs.observe(n);
      };
      this.#rejected = () => full.inc();
      this.#unregister = m.add({ algorithmName: next.name, pool: 'batching', queued: () => this.#queue.length, active: () => this.#inFlight });
    }
  }

  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    if (this.#closed) return Promise.reject(new PairecError('ERR_ALGORITHM_CLOSED', `algorithm "${this.name}" is closed`));
    if (ctx.signal.aborted) return Promise.reject(new PairecError('ERR_ABORTED', `run of "${this.name}" aborted before it started`));
    if (this.#queue.length >= this.#opts.maxQueue) {
      this.#rejected?.();
      return Promise.reject(new PairecError('ERR_QUEUE_FULL', `worker pool queue full: "${this.name}" has ${this.#queue.length} runs waiting`));
    }
    return new Promise<KindOutput<K>>((resolve, reject) => {
      const entry: Entry<K> = { input, ctx, size: this.#coalescer.size(input), state: 'queued', resolve, reject };
      const onAbort = (): void => {
        if (entry.state === 'queued') {
          this.#queue = this.#queue.filter((e) => e !== entry);
          this.#queuedSize -= entry.size;
        }
        this.#settle(entry, undefined, new PairecError('ERR_ABORTED', `run of "${this.name}" aborted`));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => ctx.signal.removeEventListener('abort', onAbort);
      entry.resolve = (out) => {
        done();
        resolve(out);
      };
      entry.reject = (err) => {
        done();
        reject(err);
      };
      this.#queue.push(entry);
      this.#queuedSize += entry.size;
      if (this.#queuedSize >= this.#opts.batchSize) this.#flush(false);
      else this.#timer ??= setTimeout(() => this.#flush(true), this.#opts.batchTimeoutMs);
    });
  }

  /** Sends full batches; with `all`, also what is left (the timer fired). */
  #flush(all: boolean): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 && (all || this.#queuedSize >= this.#opts.batchSize)) {
      const batch: Entry<K>[] = [];
      let size = 0;
      while (this.#queue.length > 0) {
        const head = this.#queue[0] as Entry<K>;
        if (batch.length > 0 && size + head.size > this.#opts.batchSize) break;
        batch.push(head);
        size += head.size;
        this.#queue.shift();
      }
      this.#queuedSize -= size;
      this.#observe?.(size, batch.length);
      this.#dispatch(batch);
    }
    if (this.#queue.length > 0) this.#timer = setTimeout(() => this.#flush(true), this.#opts.batchTimeoutMs);
  }

  #dispatch(batch: Entry<K>[]): void {
    for (const e of batch) e.state = 'sent';
    const inputs = batch.map((e) => e.input);
    const ctx: RunContext = {
      deadline: Math.max(...batch.map((e) => e.ctx.deadline)),
      signal: allAborted(batch.map((e) => e.ctx.signal)),
    };
    let call: Promise<KindOutput<K>>;
    this.#inFlight++;
    try {
      call = this.#next.run(this.#coalescer.merge(inputs), ctx);
    } catch (err) {
      call = Promise.reject(err);
    }
    call.finally(() => this.#inFlight--).catch(() => undefined);
    call.then(
      (out) => {
        let parts: KindOutput<K>[];
        try {
          parts = this.#coalescer.split(out, inputs);
        } catch (err) {
          for (const e of batch) this.#settle(e, undefined, err);
          return;
        }
        batch.forEach((e, i) => this.#settle(e, parts[i], undefined));
      },
      (err: unknown) => {
        for (const e of batch) this.#settle(e, undefined, err);
      },
    );
  }

  #settle(entry: Entry<K>, out: KindOutput<K> | undefined, err: unknown): void {
    if (entry.state === 'settled') return;
    entry.state = 'settled';
    if (err !== undefined || out === undefined) entry.reject(err ?? new PairecError('ERR_INTERNAL', 'batch produced no output'));
    else entry.resolve(out);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unregister?.();
    this.#flush(true); // queued runs still get their answer from the backend
    await this.#next.close();
  }
}

/** Coalesces concurrent runs of the wrapped algorithm (see BatchingAlgorithm). */
export function withBatching(opts: BatchingOptions): Middleware {
  return (next) => new BatchingAlgorithm(next, opts);
}
