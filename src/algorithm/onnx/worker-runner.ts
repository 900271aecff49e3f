import { Piscina } from 'piscina';
import type { Feed } from './feeds.js';
import type { ScoreRunner } from './session.js';
import type { ScoreTask, WorkerInit } from './worker.js';

const WORKER = new URL('./worker.js', import.meta.url);

/**
 * Workers mode: a fixed piscina pool, one session per thread. Admission (MaxConcurrent,
 * MaxQueue, abort) happens before a task reaches piscina, so piscina's own queue stays
 * short and a running task is never aborted (piscina would kill its worker to do it).
 */
export class WorkerPoolRunner implements ScoreRunner {
  readonly #pool: Piscina<ScoreTask, Float32Array>;

  private constructor(pool: Piscina<ScoreTask, Float32Array>) {
    this.#pool = pool;
  }

  /** Starts the threads and waits until each has run `probe` (the build's dummy run). */
  static async start(threads: number, init: WorkerInit, probe: { feeds: readonly Feed[]; n: number }): Promise<WorkerPoolRunner> {
    const pool = new Piscina<ScoreTask, Float32Array>({
      filename: WORKER.href,
      name: 'score',
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: init,
    });
    const runner = new WorkerPoolRunner(pool);
    try {
      // One run per thread: a model that fails to load fails the build, not a request.
      await Promise.all(Array.from({ length: threads }, () => pool.run(probe)));
    } catch (err) {
      await runner.close();
      throw err;
    }
    return runner;
  }

  score(feeds: readonly Feed[], n: number): Promise<Float32Array> {
    // A copy of just the used values is moved (not cloned) to the worker: the caller's
    // pooled buffer is free as soon as this returns, and no unused tail crosses threads.
    const copies = feeds.map((f) => ({ ...f, data: f.data.slice() }));
    return this.#pool.run({ feeds: copies, n }, { transferList: copies.map((f) => f.data.buffer as ArrayBuffer) });
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
